# mk/accounts.mk: accounts, workspaces and projects tests (issue 3)
TESTS += tests/t3001-accounts.sh tests/t3002-isolation.sh tests/t3003-bad-input.sh
EXTRA_DIST += tests/t3001-accounts.sh tests/t3002-isolation.sh tests/t3003-bad-input.sh \
	tests/github-fake.sh tests/fakes/fake-github.js

# webhooks (issue 7)
check_PROGRAMS += tests/unit/test_webhook
tests_unit_test_webhook_SOURCES = tests/unit/test_webhook.c tests/unit/tap.h
tests_unit_test_webhook_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_webhook tests/t7001-webhooks.sh
EXTRA_DIST += tests/t7001-webhooks.sh tests/webhooks/deliver.mjs
