# mk/perf.mk: hot reads at C speed: the pool children's answer cache and its tests, the benchmarks (issue 15)
fcgi_platform_api_SOURCES += fcgi/rcache.c fcgi/rcache.h
PERF_TESTS = tests/t5010-read-cache.sh tests/t5011-log-cadence.sh
TESTS += $(PERF_TESTS)
EXTRA_DIST += $(PERF_TESTS)
EXTRA_DIST += bench/api.sh bench/memory.sh bench/README.md bench/peers-node/package.json bench/peers-node/package-lock.json
worker_platform_worker_SOURCES += worker/cadence.c worker/cadence.h
# bench/gitops.sh's in-process releases (built by make check, or make bench/gitops-inproc)
check_PROGRAMS += bench/gitops-inproc
bench_gitops_inproc_SOURCES = bench/gitops_inproc.c
bench_gitops_inproc_LDADD = $(PLATFORM_LIBS)
EXTRA_DIST += bench/webhooks.sh bench/webhooks.mjs
