# mk/local.mk: the local builder (worker/local.c), framework detection and the sample deploy (issue 9)
libplatform_la_SOURCES += lib/detect.c lib/detect.h
cli_platformctl_SOURCES += cli/cmd_detect.c
worker_platform_worker_SOURCES += worker/local.c worker/local.h

# the Dockerfile templates of a build that is not installed (PLATFORM_BUILDER_TEMPLATES overrides)
AM_CPPFLAGS += -DBUILDER_TEMPLATES_DIR='"$(abs_top_srcdir)/builder/templates"'

TESTS += tests/t9001-detect.sh tests/t9002-local-build.sh
EXTRA_DIST += tests/t9001-detect.sh tests/t9002-local-build.sh tests/data/detect builder scripts/sample-deploy
