# lib/local.mk: the core library (libplatform), linked by every program and test
libplatform_la_SOURCES += \
	lib/buf.c lib/buf.h \
	lib/err.c lib/err.h \
	lib/log.c lib/log.h \
	lib/rfc3339.c lib/rfc3339.h lib/secret_purpose.h \
	lib/config.c lib/config.h
libplatform_la_SOURCES += \
	lib/db.c lib/db.h \
	lib/jsonutil.c lib/jsonutil.h \
	lib/migrate.c lib/migrate.h
nodist_libplatform_la_SOURCES = lib/migrations_data.c
BUILT_SOURCES += lib/migrations_data.c
CLEANFILES += lib/migrations_data.c
MIGRATIONS = $(sort $(wildcard $(top_srcdir)/sql/[0-9]*.sql))
EXTRA_DIST += scripts/embed-sql sql
lib/migrations_data.c: $(MIGRATIONS) $(top_srcdir)/scripts/embed-sql
	$(AM_V_GEN)$(SHELL) $(top_srcdir)/scripts/embed-sql $@ $(MIGRATIONS)
libplatform_la_SOURCES += \
	lib/crypto.c lib/crypto.h \
	lib/http.c lib/http.h
libplatform_la_SOURCES += lib/github.c lib/github.h
libplatform_la_SOURCES += lib/audit.c lib/audit.h
# the model: one module per table family owns its SQL (tests/t0005-sql-home.sh)
libplatform_la_SOURCES += \
	lib/mhook.c lib/mhook.h \
	lib/mnotify.c lib/mnotify.h \
	lib/mproj.c lib/mproj.h \
	lib/msession.c lib/msession.h \
	lib/mws.c lib/mws.h
TESTS += tests/t0005-sql-home.sh
EXTRA_DIST += tests/t0005-sql-home.sh scripts/sql-home
libplatform_la_SOURCES += lib/webhook.c lib/webhook.h
libplatform_la_SOURCES += lib/delivery.c lib/delivery.h
libplatform_la_SOURCES += lib/housekeep.c lib/housekeep.h
