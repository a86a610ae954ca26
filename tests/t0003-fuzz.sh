#!/bin/bash
# t0003-fuzz.sh: every libFuzzer harness of tests/fuzz/ runs FUZZ_CI_SECONDS (20) on a copy of
# its seed corpus; any crash, leak, sanitizer report or failed property fails the test. Two
# run at a time (CI has 2 cores). Skips when configure found no clang for -fsanitize=fuzzer.
. "${top_srcdir:-.}/tests/lib.sh"

names="json webhook yaml redact naming config reqparse"
secs=${FUZZ_CI_SECONDS:-20}
bin=${top_builddir:-.}/tests/fuzz
if [ ! -x "$bin/fuzz_json" ]; then
	echo "1..0 # SKIP the fuzz harnesses are not built (no clang with -fsanitize=fuzzer)"
	exit 0
fi

run() {
	local n=$1
	mkdir -p "$TEST_TMP/work-$n"
	# -detect_leaks stays on: a leak is a finding too
	"$bin/fuzz_$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$TEST_TMP/crash-$n-" "$TEST_TMP/work-$n" "$top_srcdir/tests/fuzz/corpus/$n" \
		>"$TEST_TMP/$n.log" 2>&1
	echo $? >"$TEST_TMP/$n.rc"
}

set -- $names
while [ $# -gt 0 ]; do
	run "$1" &
	p1=$!
	p2=
	if [ $# -gt 1 ]; then
		run "$2" &
		p2=$!
	fi
	wait $p1 $p2
	shift $(($# > 1 ? 2 : 1))
done

for n in $names; do
	rc=$(cat "$TEST_TMP/$n.rc")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TEST_TMP/$n.log")
	if is "$rc" 0 "fuzz_$n: $secs s clean (${runs:-?} runs)"; then :; else
		grep -E 'property failed|ERROR:|SUMMARY|^MS:|Base64' "$TEST_TMP/$n.log" | head -8 | while read -r l; do diag "$l"; done
		for a in "$TEST_TMP"/crash-"$n"-*; do [ -e "$a" ] && diag "input: $(base64 -w0 "$a" | head -c 400)"; done
	fi
	cmp_ok "${runs:-0}" -gt 100 "fuzz_$n really ran"
done
done_testing
