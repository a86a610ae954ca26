# lib/model/local.mk: the model: one module per table family owns its SQL (tests/t0005-sql-home.sh)
libplatform_la_SOURCES += \
	lib/model/audit.c lib/model/audit.h \
	lib/model/mproj.c lib/model/mproj.h \
	lib/model/mws.c lib/model/mws.h \
	lib/model/msession.c lib/model/msession.h \
	lib/model/mhook.c lib/model/mhook.h \
	lib/model/mnotify.c lib/model/mnotify.h \
	lib/model/mrtlog.c lib/model/mrtlog.h \
	lib/model/deploy.c lib/model/deploy.h \
	lib/model/delivery.c lib/model/delivery.h \
	lib/model/preview.c lib/model/preview.h \
	lib/model/snapshot.c lib/model/snapshot.h \
	lib/model/notify.c lib/model/notify.h \
	lib/model/ghdeploy.c lib/model/ghdeploy.h \
	lib/model/domainverify.c lib/model/domainverify.h \
	lib/model/retention.c lib/model/retention.h \
	lib/model/housekeep.c lib/model/housekeep.h
