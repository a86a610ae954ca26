# scripts/local.mk: the local stack, the test command, CI, the nginx template
EXTRA_DIST += scripts/dev-stack scripts/render-nginx scripts/test scripts/install-deps \
	scripts/quickstart scripts/sample-deploy scripts/config-docs scripts/sql-home \
	scripts/fnlen scripts/fnlen.allow scripts/include-cycles \
	nginx/platform.conf.in nginx/platform.conf nginx/README.md \
	jenkins/Jenkinsfile .ci/run .ci/packages CONTRIBUTING.md

# scripts/dev-stack up .stack: a stack to play with; make stack-down stops it.
stack-up: fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/scripts/dev-stack up $(abs_top_builddir)/.stack
stack-down:
	$(top_srcdir)/scripts/dev-stack down $(abs_top_builddir)/.stack
shellcheck:
	cd $(top_srcdir) && shellcheck -x scripts/dev-stack scripts/render-nginx scripts/test \
		tests/lib.sh $(STACK_TESTS) bench/api.sh .ci/run
.PHONY: stack-up stack-down shellcheck
