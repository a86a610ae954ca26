# mk/runtime.mk: the worker's engine and its drivers (issue 14), the runtime stages (issue 16)
worker_platform_worker_SOURCES += worker/engine.c worker/engine.h

TESTS += tests/t9100-engine.sh tests/t9102-worker-settings.sh tests/t4007-supersede-setting.sh \
	tests/t3005-time-format.sh
EXTRA_DIST += CONTRIBUTING.md tests/t9100-engine.sh tests/t9102-worker-settings.sh tests/t4007-supersede-setting.sh \
	tests/t3005-time-format.sh \
	scripts/config-docs

# the podman runtime: the after-release stage that runs releases on this machine (issue 16)
libplatform_la_SOURCES += lib/podman.c lib/podman.h
worker_platform_worker_SOURCES += worker/runtime.c worker/runtime.h
TESTS += tests/t9101-runtime-podman.sh
EXTRA_DIST += tests/t9101-runtime-podman.sh
EXTRA_DIST += bench/live.sh

bench-live: worker/platform-worker$(EXEEXT) worker/platform-build$(EXEEXT) fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/live.sh
.PHONY: bench-live
