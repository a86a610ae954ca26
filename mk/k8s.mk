# mk/k8s.mk: past one machine (issue 19): nchan on Redis, Prometheus metrics, many workers,
# the platform's own Helm chart and container image
K8S_TESTS = tests/t6001-nchan-redis.sh tests/t6002-metrics.sh tests/t6003-many-workers.sh tests/t6004-helm-chart.sh
TESTS += $(K8S_TESTS)
EXTRA_DIST += $(K8S_TESTS)

# Prometheus metrics: shared counters and the listener process (lib/), the two programs' glue
libplatform_la_SOURCES += lib/metrics.c lib/metrics.h lib/metricsd.c lib/metricsd.h
fcgi_platform_api_SOURCES += fcgi/api_metrics.c fcgi/api_metrics.h
worker_platform_worker_SOURCES += worker/worker_metrics.c worker/worker_metrics.h
EXTRA_DIST += tests/k8s deploy
