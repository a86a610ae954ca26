# mk/local.mk: the local builder (worker/local.c), framework detection and the sample deploy (issue 9)
libplatform_la_SOURCES += lib/detect.c lib/detect.h
cli_platformctl_SOURCES += cli/cmd_detect.c
worker_platform_worker_SOURCES += worker/local.c worker/local.h worker/buildjob.c worker/buildjob.h

# the program the local driver starts for each build (fork, then exec at once: see worker/local.c)
bin_PROGRAMS += worker/platform-build
worker_platform_build_SOURCES = worker/build_main.c worker/buildjob.c worker/buildjob.h \
	worker/buildrun.c worker/buildrun.h
worker_platform_build_LDADD = $(PLATFORM_LIBS)

# the Dockerfile templates of a build that is not installed (PLATFORM_BUILDER_TEMPLATES overrides)
AM_CPPFLAGS += -DBUILDER_TEMPLATES_DIR='"$(abs_top_srcdir)/builder/templates"'

TESTS += tests/t9001-detect.sh tests/t9002-local-build.sh tests/t9003-build-helper.sh
EXTRA_DIST += tests/t9001-detect.sh tests/t9002-local-build.sh tests/t9003-build-helper.sh tests/data/detect builder scripts/sample-deploy
