# mk/release.mk: release fidelity (issue 13): settings snapshots, sealed env, the pipeline's
# release description
libplatform_la_SOURCES += \
	lib/sealed.c lib/sealed.h \
	lib/snapshot.c lib/snapshot.h
GITOPS_APP_FILES += gitops-templates/app/templates/sealedsecret.yaml

check_PROGRAMS += tests/unit/test_sealed
tests_unit_test_sealed_SOURCES = tests/unit/test_sealed.c tests/unit/tap.h
tests_unit_test_sealed_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_sealed
TESTS += tests/t8101-release-fidelity.sh
EXTRA_DIST += tests/t8101-release-fidelity.sh
