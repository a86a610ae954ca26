# mk/versions.mk: versions, rollback and Argo CD tracking (issue 8)
TESTS += tests/t8001-versions.sh
EXTRA_DIST += tests/t8001-versions.sh
