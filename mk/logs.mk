# mk/logs.mk: live build logs: redaction, the worker's nchan publisher, log retention, their tests (issue 5)
libplatform_la_SOURCES += lib/redact.c lib/redact.h

check_PROGRAMS += tests/unit/test_redact
tests_unit_test_redact_SOURCES = tests/unit/test_redact.c tests/unit/tap.h
tests_unit_test_redact_LDADD = $(PLATFORM_LIBS)
TESTS += tests/unit/test_redact
libplatform_la_SOURCES += lib/retention.c lib/retention.h
worker_platform_worker_SOURCES += worker/publish.c worker/publish.h

LOGS_TESTS = tests/t5102-live-logs.sh tests/t5103-live-browser.sh
TESTS += $(LOGS_TESTS)
EXTRA_DIST += $(LOGS_TESTS) tests/live/follow.mjs tests/live/flaky-publisher.mjs \
	tests/live/browser.mjs tests/live/www/build.html
EXTRA_DIST += bench/logs.sh tests/live/bench-subscribers.mjs

bench-logs: worker/platform-worker$(EXEEXT) fcgi/platform-api$(EXEEXT) cli/platformctl$(EXEEXT)
	top_builddir=$(abs_top_builddir) $(top_srcdir)/bench/logs.sh
.PHONY: bench-logs
