#!/bin/bash
# t0004-fnlen.sh: no C function over 80 lines without a reason (scripts/fnlen, universal-ctags):
# the tool finds a long function and accepts a "long:" comment, and the tree has none unexplained
. "${top_srcdir:-.}/tests/lib.sh"

command -v ctags >/dev/null || bail_out "universal-ctags is needed (.ci/packages)"
fnlen=$top_srcdir/scripts/fnlen
mkdir -p "$TEST_TMP/src"

# body N: a function body of N lines
body() { printf '{\n'; for ((i = 0; i < $1; i++)); do printf '\tx += %d;\n' "$i"; done; printf '}\n'; }
{
	printf 'static int x;\n\n/* a short one */\nstatic void short_one(void)\n'
	body 10
	printf '\n/* sets x, at length */\nstatic void long_one(void)\n'
	body 90
} >"$TEST_TMP/src/a.c"
out=$("$fnlen" "$TEST_TMP/src" 2>&1)
is "$?" 1 "a function over 80 lines without a reason fails"
like "$out" 'a.c:[0-9]+: long_one\(\) is 93 lines' "  and is named with its length"
ok "  the short one is not" not grep -q short_one <<<"$out"
sed -i 's|^/\* sets x, at length \*/$|/* sets x, at length\n * long: one statement per line, on purpose */|' "$TEST_TMP/src/a.c"
out=$("$fnlen" "$TEST_TMP/src" 2>&1)
is "$?" 0 "with a long: reason above it, it passes"
like "$("$fnlen" --all "$TEST_TMP/src")" 'long_one\(\) is 93 lines \(long: one statement per line, on purpose\)' \
	"  and --all lists it with its reason"
printf '%s\n' "$TEST_TMP/src/a.c:long_one" >"$TEST_TMP/allow"
sed -i '/long: one statement/d' "$TEST_TMP/src/a.c"
"$fnlen" --allow "$TEST_TMP/allow" "$TEST_TMP/src" >/dev/null
is "$?" 0 "a function on the allow list passes"

# the tree
out=$(cd "$top_srcdir" && "$fnlen" --allow scripts/fnlen.allow lib worker cli fcgi builder 2>&1)
if ! is "$?" 0 "no function in lib/, worker/, cli/, fcgi/, builder/ is over 80 lines without a reason"; then
	diag "$out"
fi
all=$(cd "$top_srcdir" && "$fnlen" --all --allow scripts/fnlen.allow lib worker cli fcgi builder 2>&1)
while read -r entry; do
	case $entry in '#'* | '') continue ;; esac
	grep -q "^${entry%%:*}:[0-9]*: ${entry#*:}() .*(allowed" <<<"$all" ||
		diag "scripts/fnlen.allow: $entry is short now: remove the line"
done <"$top_srcdir/scripts/fnlen.allow"
done_testing
