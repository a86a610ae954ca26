# mk/accounts.mk: accounts, workspaces and projects tests (issue 3)
TESTS += tests/t3001-accounts.sh
EXTRA_DIST += tests/t3001-accounts.sh tests/github-fake.sh tests/fakes/fake-github.js
