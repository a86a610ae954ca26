#!/usr/bin/env bash
# t9001-detect.sh: platformctl detect on a table of sample repositories (tests/data/detect/expected.tsv)
. "${top_srcdir:-.}/tests/lib.sh"

data=$top_srcdir/tests/data/detect
ctl=$PLATFORMCTL_BIN

while IFS=$'\t' read -r repo fw file; do
	case $repo in '#'* | '') continue ;; esac
	out=$("$ctl" detect --json "$data/$repo" 2>"$TEST_TMP/err")
	rc=$?
	if [ "$fw" = - ]; then
		is "$rc" 1 "$repo: nothing supported found (exit 1)"
		is "$(jq -r .framework <<<"$out")" null "$repo: framework is null"
		like "$(cat "$TEST_TMP/err")" 'add a Dockerfile' "$repo: the message says what to do"
		continue
	fi
	is "$rc" 0 "$repo: detected"
	is "$(jq -r .framework <<<"$out")" "$fw" "$repo: framework $fw"
	is "$(jq -r .file <<<"$out")" "$file" "$repo: decided by $file"
	isnt "$(jq -r .reason <<<"$out")" "" "$repo: says why"
done <"$data/expected.tsv"

# the pipeline's use: run in the checkout, --json, read .framework
out=$(cd "$data/go" && "$ctl" detect --json)
is "$(jq -r '.framework + " " + .base_image_setting' <<<"$out")" "go base_image_go" "detect in the current folder, with the base image setting"
is "$(jq -r .dockerfile <<<"$("$ctl" detect --json "$data/dockerfile")")" true "a Dockerfile is reported"

# plain output: framework, file, reason separated by tabs
IFS=$'\t' read -r f1 f2 _ < <("$ctl" detect "$data/flask")
is "$f1 $f2" "flask requirements.txt" "plain output: framework and file"

"$ctl" detect "$TEST_TMP/nope" >/dev/null 2>&1
is "$?" 2 "a missing folder is bad usage (exit 2)"
"$ctl" detect --bogus >/dev/null 2>&1
is "$?" 2 "an unknown option is bad usage"
ok "help lists detect" grep -q detect <("$ctl" --help)

done_testing
