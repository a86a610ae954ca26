# mk/runtime.mk: the worker's engine and its drivers (issue 14), the runtime stages (issue 16)
worker_platform_worker_SOURCES += worker/engine.c worker/engine.h

TESTS += tests/t9100-engine.sh
EXTRA_DIST += tests/t9100-engine.sh

# the podman runtime: the after-release stage that runs releases on this machine (issue 16)
libplatform_la_SOURCES += lib/podman.c lib/podman.h
worker_platform_worker_SOURCES += worker/runtime.c worker/runtime.h
TESTS += tests/t9101-runtime-podman.sh
EXTRA_DIST += tests/t9101-runtime-podman.sh
