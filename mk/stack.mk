# mk/stack.mk: build and test lists of the stack area (included from Makefile.am)
#
# Shell tests against the real stack (PostgreSQL, platform-api, nginx + nchan), each in its own
# folder under /tmp on free loopback ports, so they run in parallel (make -j2 check).
STACK_TESTS = \
	tests/t1001-migrate.sh \
	tests/t5000-nginx-config.sh \
	tests/t5001-api-basics.sh \
	tests/t5002-pool.sh \
	tests/t5003-db-restart.sh \
	tests/t5004-drain.sh

TESTS += $(STACK_TESTS)
EXTRA_DIST += $(STACK_TESTS) tests/lib.sh \
	scripts/dev-stack scripts/render-nginx scripts/test scripts/install-deps scripts/quickstart \
	nginx/platform.conf.in nginx/platform.conf nginx/README.md \
	bench/api.sh .ci/run .ci/packages

# scripts/dev-stack up .stack: a stack to play with; make stack-down stops it.
stack-up: fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/scripts/dev-stack up $(abs_top_builddir)/.stack
stack-down:
	$(top_srcdir)/scripts/dev-stack down $(abs_top_builddir)/.stack
bench-api: fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/api.sh
shellcheck:
	cd $(top_srcdir) && shellcheck -x scripts/dev-stack scripts/render-nginx scripts/test \
		tests/lib.sh $(STACK_TESTS) bench/api.sh .ci/run
.PHONY: stack-up stack-down bench-api shellcheck

# the README's configuration table against lib/config.c; the C files against .clang-format
TESTS += tests/t0001-docs.sh tests/t0002-format.sh tests/t0004-fnlen.sh tests/t0006-include-cycles.sh tests/t1002-housekeep.sh tests/t5005-unread-bodies.sh
EXTRA_DIST += tests/t0001-docs.sh tests/t0002-format.sh tests/t0004-fnlen.sh scripts/fnlen scripts/fnlen.allow \
	tests/t0006-include-cycles.sh scripts/include-cycles tests/t1002-housekeep.sh tests/t5005-unread-bodies.sh \
	tests/fcgi/keepconn.py
