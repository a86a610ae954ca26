# tests/local.mk: C unit tests (TAP) and shell tests against the real stack (TAP)
UNIT_LDADD = $(PLATFORM_LIBS)

check_PROGRAMS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c tests/unit/tap.h
tests_unit_test_buf_LDADD = $(UNIT_LDADD)

TESTS += tests/unit/test_buf
