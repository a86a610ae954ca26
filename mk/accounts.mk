# mk/accounts.mk: accounts, workspaces and projects tests (issue 3)
TESTS += tests/t3001-accounts.sh tests/t3002-isolation.sh tests/t3003-bad-input.sh
EXTRA_DIST += tests/t3001-accounts.sh tests/t3002-isolation.sh tests/t3003-bad-input.sh \
	tests/github-fake.sh tests/fakes/fake-github.js
