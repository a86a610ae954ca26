# lib/rules/local.mk: pure rules, no I/O; their tests are tables (tests/data/, tests/unit/)
libplatform_la_SOURCES += \
	lib/rules/naming.c lib/rules/naming.h \
	lib/rules/detect.c lib/rules/detect.h \
	lib/rules/redact.c lib/rules/redact.h \
	lib/rules/webhook.c lib/rules/webhook.h \
	lib/rules/secret_purpose.h
