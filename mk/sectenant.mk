# mk/sectenant.mk: tenant checks of issue 12 (repository access, pipeline events, webhook replay,
# custom domain verification)
libplatform_la_SOURCES += lib/domainverify.c lib/domainverify.h
worker_platform_worker_SOURCES += worker/domains.c worker/domains.h

TESTS += tests/t7002-tenant-repos.sh
EXTRA_DIST += tests/t7002-tenant-repos.sh
TESTS += tests/t4006-pipeline-events.sh
EXTRA_DIST += tests/t4006-pipeline-events.sh
TESTS += tests/t7003-custom-domains.sh
EXTRA_DIST += tests/t7003-custom-domains.sh tests/fakes/fake-dns.js
check_PROGRAMS += tests/unit/test_tenant
tests_unit_test_tenant_SOURCES = tests/unit/test_tenant.c tests/unit/tap.h
tests_unit_test_tenant_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_tenant
