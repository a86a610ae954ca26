#!/bin/bash
# t0006-include-cycles.sh: no header includes, through others, a header that includes it back
# (scripts/include-cycles): the check finds a planted cycle, and the tree has none
. "${top_srcdir:-.}/tests/lib.sh"

check=$top_srcdir/scripts/include-cycles
mkdir -p "$TEST_TMP/lib" "$TEST_TMP/worker"
printf '#include "b.h"\n#include <stdio.h>\n' >"$TEST_TMP/lib/a.h"
printf '#include "c.h"\n' >"$TEST_TMP/lib/b.h"
printf '#include "err.h"\n' >"$TEST_TMP/lib/c.h"
printf '/* no includes */\n' >"$TEST_TMP/lib/err.h"
printf '#include "a.h"\n' >"$TEST_TMP/worker/w.h"
"$check" "$TEST_TMP/lib" "$TEST_TMP/worker" >/dev/null
is "$?" 0 "headers that include each other one way pass"
printf '#include "worker/w.h"\n' >>"$TEST_TMP/lib/c.h"
cp "$TEST_TMP/worker/w.h" "$TEST_TMP/lib/w.h"
sed -i 's|"worker/w.h"|"w.h"|' "$TEST_TMP/lib/c.h"
out=$("$check" "$TEST_TMP/lib" "$TEST_TMP/worker" 2>&1)
is "$?" 1 "a cycle fails"
like "$out" 'lib/a.h -> .*lib/b.h -> .*lib/c.h -> .*lib/w.h -> .*lib/a.h' "  and is shown whole"

out=$(cd "$top_srcdir" && "$check" 2>&1)
if ! is "$?" 0 "the headers of lib/, worker/, cli/ and fcgi/ have no include cycle"; then
	diag "$out"
fi
done_testing
