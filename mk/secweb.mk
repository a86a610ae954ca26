# mk/secweb.mk: issue 12 part A: strict UTF-8, request parsing (cookies, query, origin),
# CSRF, the owner invariant, and the libFuzzer harnesses (tests/fuzz/)
libplatform_la_SOURCES += lib/utf8.c lib/utf8.h lib/reqparse.c lib/reqparse.h

check_PROGRAMS += tests/unit/test_reqparse
tests_unit_test_reqparse_SOURCES = tests/unit/test_reqparse.c tests/unit/tap.h
tests_unit_test_reqparse_LDADD = $(PLATFORM_LIBS)
TESTS += tests/unit/test_reqparse

check_PROGRAMS += tests/unit/test_yamlout_utf8
tests_unit_test_yamlout_utf8_SOURCES = tests/unit/test_yamlout_utf8.c tests/unit/tap.h
tests_unit_test_yamlout_utf8_LDADD = $(PLATFORM_LIBS)
TESTS += tests/unit/test_yamlout_utf8
