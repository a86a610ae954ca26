# lib/clients/local.mk: clients of external systems
libplatform_la_SOURCES += \
	lib/clients/github.c lib/clients/github.h \
	lib/clients/jenkins.c lib/clients/jenkins.h \
	lib/clients/argocd.c lib/clients/argocd.h \
	lib/clients/gitops.c lib/clients/gitops.h lib/clients/gitops_int.h \
	lib/clients/gitops_values.c lib/clients/gitops_repo.c \
	lib/clients/gitdoctor.c lib/clients/gitdoctor.h \
	lib/clients/podman.c lib/clients/podman.h \
	lib/clients/sealed.c lib/clients/sealed.h

# The app chart's fixed files (gitops-templates/local.mk) travel inside the binaries.
nodist_libplatform_la_SOURCES += lib/clients/gitops_files.c
BUILT_SOURCES += lib/clients/gitops_files.c
CLEANFILES += lib/clients/gitops_files.c
lib/clients/gitops_files.c: $(GITOPS_APP_FILES:%=$(top_srcdir)/%) $(top_srcdir)/gitops-templates/embed.sh
	$(AM_V_GEN)$(MKDIR_P) lib/clients && \
	$(SHELL) $(top_srcdir)/gitops-templates/embed.sh $(top_srcdir)/gitops-templates/app > $@.tmp && \
	mv $@.tmp $@
