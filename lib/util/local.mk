# lib/util/local.mk: generic utilities, no platform nouns
libplatform_la_SOURCES += \
	lib/util/buf.c lib/util/buf.h \
	lib/util/err.c lib/util/err.h \
	lib/util/log.c lib/util/log.h \
	lib/util/rfc3339.c lib/util/rfc3339.h \
	lib/util/utf8.c lib/util/utf8.h \
	lib/util/jsonutil.c lib/util/jsonutil.h \
	lib/util/reqparse.c lib/util/reqparse.h \
	lib/util/http.c lib/util/http.h \
	lib/util/crypto.c lib/util/crypto.h \
	lib/util/yamlout.c lib/util/yamlout.h \
	lib/util/yamldoc.c lib/util/yamldoc.h \
	lib/util/metrics.c lib/util/metrics.h \
	lib/util/metricsd.c lib/util/metricsd.h
