#!/bin/bash
# t0001-docs.sh: the README's configuration tables are the ones generated from lib/config/config.c's
# typed table (`platformctl config docs`), so the documentation cannot fall behind the code; and
# every PLATFORM_* name the README shows as a setting is one
. "${top_srcdir:-.}/tests/lib.sh"

readme=$top_srcdir/README.md
gen=$(env -i PATH="$PATH" "$PLATFORMCTL_BIN" config docs)
is "$?" 0 "platformctl config docs prints the tables"
cmp_ok "$(grep -c '^| `PLATFORM_' <<<"$gen")" -gt 80 "with a row per setting"
block=$(sed -n '/^<!-- BEGIN settings/,/^<!-- END settings/p' "$readme" | sed '1d;$d' | sed '1d;$d')
ok "the README has the generated block" test -n "$block"
if ! ok "the README's tables are the generated ones (scripts/config-docs rewrites them)" \
	test "$block" = "$gen"; then
	diag "$(diff <(echo "$block") <(echo "$gen") | head -20)"
fi

# a setting row outside the block would be a second, drifting copy
outside=$(sed '/^<!-- BEGIN settings/,/^<!-- END settings/d' "$readme" | grep -c '^| `PLATFORM_' || true)
is "$outside" 0 "no setting rows outside the generated block"

# every setting of the table has a row: the tables come from the one list
for var in $(grep -o '^| `PLATFORM_[A-Z0-9_]*`' <<<"$gen" | tr -d '|` '); do
	n=$(grep -c "^| \`$var\` |" <<<"$block")
	[ "$n" = 1 ] || fail "$var has $n rows"
done
pass "each setting has one row"
done_testing
