# bench/local.mk: the benchmarks (bench/README.md lists them, their figures and baselines)
EXTRA_DIST += bench/README.md bench/api.sh bench/memory.sh bench/deploy.sh bench/logs.sh bench/live.sh \
	bench/gitops.sh bench/gitops.md bench/webhooks.sh bench/webhooks.mjs \
	bench/peers-node/package.json bench/peers-node/package-lock.json

# bench/gitops.sh's in-process releases (built by make check, or make bench/gitops-inproc)
check_PROGRAMS += bench/gitops-inproc
bench_gitops_inproc_SOURCES = bench/gitops_inproc.c
bench_gitops_inproc_LDADD = $(PLATFORM_LIBS)

BENCH_BINS = fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT) worker/platform-worker$(EXEEXT) \
	builder/platform-build$(EXEEXT)
bench-api: $(BENCH_BINS)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/api.sh
bench-deploy: $(BENCH_BINS)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/deploy.sh
bench-logs: $(BENCH_BINS)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/logs.sh
bench-live: $(BENCH_BINS)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/live.sh
.PHONY: bench-api bench-deploy bench-logs bench-live
