# mk/naming.mk: build and test lists of the naming area (included from Makefile.am)
libplatform_la_SOURCES += lib/naming.c lib/naming.h

check_PROGRAMS += tests/unit/test_naming
tests_unit_test_naming_SOURCES = tests/unit/test_naming.c tests/unit/tap.h
tests_unit_test_naming_LDADD = $(UNIT_LDADD)

TESTS += tests/unit/test_naming
EXTRA_DIST += tests/data/naming.tsv
