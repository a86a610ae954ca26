# mk/sectenant.mk: tenant checks of issue 12 (repository access, pipeline events, webhook replay,
# custom domain verification)
TESTS += tests/t7002-tenant-repos.sh
EXTRA_DIST += tests/t7002-tenant-repos.sh
TESTS += tests/t4006-pipeline-events.sh
EXTRA_DIST += tests/t4006-pipeline-events.sh
