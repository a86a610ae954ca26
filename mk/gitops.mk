# mk/gitops.mk: build and test lists of the gitops area (included from Makefile.am)
cli_platformctl_SOURCES += cli/cmd_gitops.c
