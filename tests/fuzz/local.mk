# tests/fuzz/local.mk: the libFuzzer harnesses. The library sources they exercise are compiled
# again with clang and the fuzzer's coverage, ASan and UBSan, into tests/fuzz/libfuzzplatform.a;
# each harness links it with -fsanitize=fuzzer. `make fuzz` runs each for FUZZ_SECONDS on a
# copy of its seed corpus (tests/fuzz/corpus/<name>/); tests/t0003-fuzz.sh runs each for 20 s.
FUZZ_NAMES = json webhook yaml redact naming config reqparse
FUZZ_BIN = $(FUZZ_NAMES:%=tests/fuzz/fuzz_%)
FUZZ_LIB_SRC = util/buf util/err util/log util/rfc3339 util/jsonutil util/utf8 util/reqparse \
	util/http util/crypto util/yamlout util/yamldoc util/metrics config/config \
	rules/webhook rules/redact rules/naming
FUZZ_LIB_OBJ = $(FUZZ_LIB_SRC:%=tests/fuzz/obj/%.o)
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-D_GNU_SOURCE $(LIB_LAYERS:%=-I$(top_srcdir)/lib/%) -I$(top_srcdir)/tests/fuzz \
	$(JSONC_CFLAGS) $(YAML_CFLAGS) $(CURL_CFLAGS) $(CRYPTO_CFLAGS)
FUZZ_LIBS = $(JSONC_LIBS) $(YAML_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS)
FUZZ_SECONDS = 60
EXTRA_DIST += tests/fuzz
CLEANFILES += $(FUZZ_BIN) $(FUZZ_LIB_OBJ) tests/fuzz/libfuzzplatform.a

tests/fuzz/obj/%.o: $(top_srcdir)/lib/%.c
	@mkdir -p $(@D)
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<
tests/fuzz/libfuzzplatform.a: $(FUZZ_LIB_OBJ)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(FUZZ_LIB_OBJ)
tests/fuzz/fuzz_%: $(top_srcdir)/tests/fuzz/fuzz_%.c $(top_srcdir)/tests/fuzz/fuzz.h tests/fuzz/libfuzzplatform.a
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		tests/fuzz/libfuzzplatform.a $(FUZZ_LIBS)

if HAVE_FUZZ
fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@set -e; for n in $(FUZZ_NAMES); do \
		echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
		mkdir -p tests/fuzz/work/$$n; \
		tests/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=tests/fuzz/work/$$n- tests/fuzz/work/$$n \
			$(top_srcdir)/tests/fuzz/corpus/$$n; \
	done
else
fuzz-build:
	@echo "fuzz: configure found no clang that links -fsanitize=fuzzer; nothing built"
fuzz: fuzz-build
endif
# the fuzz test needs the harnesses built first (check_DATA is built before TESTS run)
check_DATA = fuzz-build
.PHONY: fuzz fuzz-build
