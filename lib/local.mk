# lib/local.mk: the core library (libplatform), linked by every program and test
libplatform_la_SOURCES += \
	lib/buf.c lib/buf.h \
	lib/err.c lib/err.h \
	lib/log.c lib/log.h \
	lib/config.c lib/config.h
