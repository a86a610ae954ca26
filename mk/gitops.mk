# mk/gitops.mk: build and test lists of the gitops area (included from Makefile.am)
