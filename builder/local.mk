# builder/local.mk: platform-build, the program the local build driver starts for each build
# (fork, then exec at once: see worker/local.c): fetch, detect, Dockerfile, buildah, push
bin_PROGRAMS += builder/platform-build
builder_platform_build_SOURCES = builder/build_main.c \
	builder/buildjob.c builder/buildjob.h \
	builder/buildrun.c builder/buildrun.h
builder_platform_build_LDADD = $(PLATFORM_LIBS)

# the Dockerfile templates of a build that is not installed (PLATFORM_BUILDER_TEMPLATES overrides)
AM_CPPFLAGS += -DBUILDER_TEMPLATES_DIR='"$(abs_top_srcdir)/builder/templates"'
EXTRA_DIST += builder/templates builder/base-image
