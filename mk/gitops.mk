# mk/gitops.mk: build and test lists of the gitops area (included from Makefile.am)
libplatform_la_SOURCES += \
	lib/gitops.c lib/gitops.h \
	lib/yamlout.c lib/yamlout.h \
	lib/yamldoc.c lib/yamldoc.h \
	lib/gitdoctor.c lib/gitdoctor.h
cli_platformctl_SOURCES += cli/cmd_gitops.c

# The app chart's fixed files travel inside the binaries (lib/gitops_files.c).
GITOPS_APP_FILES = \
	gitops-templates/app/values.schema.json \
	gitops-templates/app/templates/_helpers.tpl \
	gitops-templates/app/templates/deployment.yaml \
	gitops-templates/app/templates/service.yaml \
	gitops-templates/app/templates/ingress.yaml \
	gitops-templates/app/templates/hpa.yaml
nodist_libplatform_la_SOURCES += lib/gitops_files.c
BUILT_SOURCES += lib/gitops_files.c
CLEANFILES += lib/gitops_files.c
lib/gitops_files.c: $(GITOPS_APP_FILES:%=$(top_srcdir)/%) $(top_srcdir)/gitops-templates/embed.sh
	$(AM_V_GEN)$(MKDIR_P) lib && \
	$(SHELL) $(top_srcdir)/gitops-templates/embed.sh $(top_srcdir)/gitops-templates/app > $@.tmp && \
	mv $@.tmp $@

EXTRA_DIST += $(GITOPS_APP_FILES) \
	gitops-templates/embed.sh \
	gitops-templates/app/Chart.yaml gitops-templates/app/values.yaml \
	gitops-templates/bootstrap bench/gitops.sh bench/gitops.md

check_PROGRAMS += tests/unit/test_gitops
tests_unit_test_gitops_SOURCES = tests/unit/test_gitops.c tests/unit/tap.h
tests_unit_test_gitops_LDADD = $(UNIT_LDADD)

TESTS += tests/unit/test_gitops \
	tests/t2001-gitops-release.sh \
	tests/t2002-gitops-http.sh \
	tests/t2003-gitops-parallel.sh \
	tests/t2004-gitops-doctor.sh \
	tests/t2005-gitops-templates.sh
EXTRA_DIST += tests/gitops tests/t2001-gitops-release.sh tests/t2002-gitops-http.sh \
	tests/t2003-gitops-parallel.sh tests/t2004-gitops-doctor.sh tests/t2005-gitops-templates.sh
