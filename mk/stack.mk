# mk/stack.mk: build and test lists of the stack area (included from Makefile.am)
