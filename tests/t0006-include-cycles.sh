#!/bin/bash
# t0006-include-cycles.sh: no header includes, through others, a header that includes it back, and
# lib/'s layers include only what comes before them (scripts/include-cycles): the check finds a
# planted cycle and a planted layer break, and the tree has neither
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

# layers: util may not include model; model may include util
layers=$TEST_TMP/layers/lib
mkdir -p "$layers/util" "$layers/model"
echo 'LIB_LAYERS = util model' >"$layers/local.mk"
printf '/* u */\n' >"$layers/util/u.h"
printf '#include "u.h"\n' >"$layers/model/m.h"
printf '#include "m.h"\n#include "u.h"\n' >"$layers/model/m.c"
printf '#include "u.h"\n' >"$layers/util/u.c"
"$check" --layers "$layers" >/dev/null
is "$?" 0 "a later layer including an earlier one passes"
printf '#include "m.h"\n' >>"$layers/util/u.c"
out=$("$check" --layers "$layers" 2>&1)
is "$?" 1 "an earlier layer including a later one fails"
like "$out" 'util/u.c: includes model/m.h \(model comes after util\)' "  and says which and why"
printf '/* x */\n' >"$layers/stray.h"
like "$("$check" --layers "$layers" 2>&1)" 'stray.h: in no layer' "a header outside the layers is named"

out=$(cd "$top_srcdir" && "$check" 2>&1)
if ! is "$?" 0 "the tree has no include cycle and lib/ keeps its layers"; then
	diag "$out"
fi
done_testing
