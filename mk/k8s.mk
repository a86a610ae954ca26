# mk/k8s.mk: past one machine (issue 19): nchan on Redis, Prometheus metrics, many workers,
# the platform's own Helm chart and container image
K8S_TESTS = tests/t6001-nchan-redis.sh
TESTS += $(K8S_TESTS)
EXTRA_DIST += $(K8S_TESTS)
