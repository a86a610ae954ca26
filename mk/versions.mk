# mk/versions.mk: versions, rollback and Argo CD tracking (issue 8)
TESTS += tests/t8001-versions.sh
EXTRA_DIST += tests/t8001-versions.sh
libplatform_la_SOURCES += lib/argocd.c lib/argocd.h
check_PROGRAMS += tests/unit/test_argocd
tests_unit_test_argocd_SOURCES = tests/unit/test_argocd.c tests/unit/tap.h
tests_unit_test_argocd_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_argocd
EXTRA_DIST += tests/fakes/fake-argocd.js

# The worker's GitOps writes (direct rollbacks, removals) and Argo CD tracking.
worker_platform_worker_SOURCES += worker/release.c worker/release.h worker/track.c worker/track.h
# The chain end to end: fake Jenkins (real GitOps writes), fake Argo CD, the worker.
TESTS += tests/t8002-argocd-chain.sh tests/t8003-track-crash-remove.sh
EXTRA_DIST += tests/t8002-argocd-chain.sh tests/t8003-track-crash-remove.sh tests/t8-lib.sh
