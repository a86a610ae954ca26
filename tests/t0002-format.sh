#!/bin/bash
# t0002-format.sh: every C file is formatted by the repository's .clang-format (make format)
. "${top_srcdir:-.}/tests/lib.sh"

command -v clang-format >/dev/null || { skip "clang-format is not installed"; done_testing; }
cd "$top_srcdir" || bail_out "no source tree"
files=$(git ls-files '*.c' '*.h' 2>/dev/null) || { skip "not a git checkout"; done_testing; }
for f in $files; do
	ok "$f is formatted (make format)" clang-format --dry-run --Werror "$f"
done 2>/dev/null
done_testing
