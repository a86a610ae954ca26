# mk/naming.mk: build and test lists of the naming area (included from Makefile.am)
