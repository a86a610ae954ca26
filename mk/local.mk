# mk/local.mk: the local builder (worker/local.c), framework detection and the sample deploy (issue 9)
libplatform_la_SOURCES += lib/detect.c lib/detect.h
cli_platformctl_SOURCES += cli/cmd_detect.c

TESTS += tests/t9001-detect.sh
EXTRA_DIST += tests/t9001-detect.sh tests/data/detect builder
