#!/bin/bash
# t0001-docs.sh: the README documents every setting of lib/config.c's table, by its environment
# variable, so the configuration table cannot fall behind the code
. "${top_srcdir:-.}/tests/lib.sh"

names=$(sed -nE 's/^[[:space:]]+[SN]\(([a-z_0-9]+),.*/\1/p' "$top_srcdir/lib/config.c")
cmp_ok "$(wc -w <<<"$names")" -gt 20 "the settings table was read"
for n in $names; do
	var=PLATFORM_$(tr '[:lower:]' '[:upper:]' <<<"$n")
	ok "README documents $var" grep -q "\`$var\`" "$top_srcdir/README.md"
done
done_testing
