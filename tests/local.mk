# tests/local.mk: C unit tests (TAP) and shell tests against the real stack (TAP)
UNIT_LDADD = $(PLATFORM_LIBS)

check_PROGRAMS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c tests/unit/tap.h
tests_unit_test_buf_LDADD = $(UNIT_LDADD)

TESTS += tests/unit/test_buf

check_PROGRAMS += tests/unit/test_config tests/unit/test_crypto tests/unit/test_json
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/tap.h
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c tests/unit/tap.h
tests_unit_test_crypto_LDADD = $(UNIT_LDADD)
tests_unit_test_json_SOURCES = tests/unit/test_json.c tests/unit/tap.h
tests_unit_test_json_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_config tests/unit/test_crypto tests/unit/test_json
