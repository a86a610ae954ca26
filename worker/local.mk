# worker/local.mk: platform-worker: the deployment engine (engine.c), its build drivers (build.c:
# Jenkins, local.c: platform-build) and after-release stages (track.c: Argo CD, runtime.c: podman),
# the GitOps writes, the log publisher, runtime logs (rtlogs.c, from rtpodman.c or rtargo.c),
# notifications, deployments shown on GitHub, custom domain checks, metrics
bin_PROGRAMS += worker/platform-worker
worker_platform_worker_SOURCES = worker/main.c \
	worker/engine.c worker/engine.h \
	worker/build.c worker/build.h \
	worker/local.c worker/local.h \
	worker/release.c worker/release.h \
	worker/track.c worker/track.h \
	worker/runtime.c worker/runtime.h \
	worker/rtlogs.c worker/rtlogs.h \
	worker/rtpodman.c worker/rtpodman.h \
	worker/rtargo.c worker/rtargo.h \
	worker/publish.c worker/publish.h \
	worker/cadence.c worker/cadence.h \
	worker/notifier.c worker/notifier.h \
	worker/ghsender.c worker/ghsender.h \
	worker/domains.c worker/domains.h \
	worker/worker_metrics.c worker/worker_metrics.h \
	builder/buildjob.c builder/buildjob.h
# the local driver writes the job platform-build reads (builder/buildjob.h)
worker_platform_worker_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/builder
worker_platform_worker_LDADD = $(PLATFORM_LIBS)
