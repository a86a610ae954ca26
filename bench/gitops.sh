#!/usr/bin/env bash
# bench/gitops.sh: one release into a GitOps repository of 10,000 app folders, platformctl
# (libgit2, bare cache, no work tree) against the git command line doing the same, in one run.
#
#   bench/gitops.sh [APPS=10000] [RUNS=7]     (BENCH_FRESH=N: fresh clones in the first N rounds, 1)
#
# Four ways to change one app's values.yaml and push one commit to a bare file:// remote:
#   ours    platformctl gitops release with its cache warm (a Jenkins agent's steady state; the
#           cold first release is measured once too)
#   inproc  the same library call in a long-lived process (what the worker pays:
#           bench/gitops-inproc, libgit2 initialised once)
#   warm    git pull into an existing clone + edit + commit + push
#   fresh   git clone --depth 1 + edit + commit + push (what a throw-away CI job does; slow, so
#           only in the first BENCH_FRESH rounds)
# Runs are interleaved (warm, ours, warm, inproc, fresh...) so that machine noise hits all, and so
# that every release of ours finds the remote moved by another writer and must catch up first.
# Prints medians, the ratios, and the targets of issue 15: < 30 ms per release, >= 10x the warm
# clone.
set -eu -o pipefail
APPS=${1:-10000}
RUNS=${2:-7}
top=$(cd "$(dirname "$0")/.." && pwd)
: "${PLATFORMCTL_BIN:=$top/cli/platformctl}"
: "${GITOPS_INPROC_BIN:=${top_builddir:-$top}/bench/gitops-inproc}"
[ -x "$GITOPS_INPROC_BIN" ] || make -s -C "${top_builddir:-$top}" bench/gitops-inproc >/dev/null
FRESH=${BENCH_FRESH:-1}
W=$(mktemp -d /tmp/gitops-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W GIT_CONFIG_NOSYSTEM=1 PLATFORM_GITOPS_CACHE=$W/cache PLATFORM_DOMAIN=apps.example.com
git config --global user.name bench
git config --global user.email bench@example.com
git config --global init.defaultBranch main
R=$W/remote.git
git init -q --bare -b main "$R"
export PLATFORM_GITOPS_URL=file://$R

# ---- the repository: one real app folder from platformctl, copied APPS times with fast-import
"$PLATFORMCTL_BIN" gitops release --workspace ws0 --user u0 --project app0 \
	--image registry.local/ws0/app0 --tag seed >/dev/null
git clone -q "$R" "$W/seed"
python3 - "$W/seed/apps/ws0/u0/app0" "$APPS" >"$W/stream" <<'PY'
import os, sys
src, apps = sys.argv[1], int(sys.argv[2])
files = {}
for root, _, names in os.walk(src):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, src)] = open(p, "rb").read()
out = sys.stdout.buffer
def blob(mark, data):
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)) + data + b"\n")
# shared template blobs, then per-app Chart.yaml and values.yaml
shared = [k for k in files if k not in ("Chart.yaml", "values.yaml")]
for i, k in enumerate(shared):
    blob(i + 1, files[k])
mark = len(shared) + 1
entries = []
for a in range(apps):
    ws, user, proj = "ws%d" % (a % 20), "u%d" % (a // 20 % 50), "app%d" % a
    path = "apps/%s/%s/%s/" % (ws, user, proj)
    for k in ("Chart.yaml", "values.yaml"):
        data = files[k].replace(b"app0", proj.encode()).replace(b"u0", user.encode()).replace(b"ws0", ws.encode())
        blob(mark, data)
        entries.append((path + k, mark))
        mark += 1
    for i, k in enumerate(shared):
        entries.append((path + k, i + 1))
msg = b"seed %d apps" % apps
out.write(b"commit refs/heads/main\ncommitter bench <bench@example.com> 1700000000 +0000\n")
out.write(b"data %d\n%s\ndeleteall\n" % (len(msg), msg))
for p, m in entries:
    out.write(b"M 100644 :%d %s\n" % (m, p.encode()))
out.write(b"\n")
PY
git -C "$R" fast-import --quiet --force <"$W/stream"
git -C "$R" repack -adq
echo "repository: $APPS apps, $(git -C "$R" ls-tree -r main | wc -l) files, $(du -sh "$R" | cut -f1) packed"

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

# ---- the three ways (app number $1 gets tag $2)
app_args() { echo "--workspace ws$(($1 % 20)) --user u$(($1 / 20 % 50)) --project app$1"; }
ours() {
	# shellcheck disable=SC2046
	"$PLATFORMCTL_BIN" gitops release $(app_args "$1") --image "registry.local/app$1" --tag "$2" >/dev/null
}
edit() { # CLONE APP TAG
	local f=$1/apps/ws$(($2 % 20))/u$(($2 / 20 % 50))/app$2/values.yaml
	sed -i "s/^  tag: .*/  tag: \"$3\"/" "$f"
	git -C "$1" commit -q -am "release app$2: $3"
	git -C "$1" push -q origin main
}
fresh() {
	rm -rf "$W/fresh"
	git clone -q --depth 1 --single-branch -b main "file://$R" "$W/fresh"
	edit "$W/fresh" "$1" "$2"
}
warm() {
	git -C "$W/warm" pull -q --ff-only origin main
	edit "$W/warm" "$1" "$2"
}

git clone -q "file://$R" "$W/warm"
t0=$(now); ours 1 cold; t1=$(now)
cold=$(ms "$t0" "$t1")
# the in-process writer: one line per release in, its milliseconds out
coproc INPROC { exec "$GITOPS_INPROC_BIN" 2>/dev/null; }
inproc_pid=$INPROC_PID
inproc() { # APP TAG: sets IN_MS
	echo "ws$(($1 % 20)) u$(($1 / 20 % 50)) app$1 registry.local/app$1 $2" >&"${INPROC[1]}"
	read -r IN_MS <&"${INPROC[0]}"
	case $IN_MS in error*) echo "gitops-inproc: $IN_MS" >&2; exit 1 ;; esac
}
inproc 2 warmup
o=() n=() f=() w=()
for ((i = 1; i <= RUNS; i++)); do
	t0=$(now); warm $((300 + i)) "w$i"; t1=$(now); w+=("$(ms "$t0" "$t1")")
	t0=$(now); ours $((100 + i)) "o$i"; t1=$(now); o+=("$(ms "$t0" "$t1")")
	warm $((400 + i)) "x$i"
	inproc $((500 + i)) "n$i"; n+=("$IN_MS")
	if [ "$i" -le "$FRESH" ]; then
		t0=$(now); fresh $((200 + i)) "f$i"; t1=$(now); f+=("$(ms "$t0" "$t1")")
	fi
done
exec {INPROC[1]}>&-
wait "$inproc_pid" 2>/dev/null || true
git -C "$R" fsck --no-progress --no-dangling >/dev/null || { echo "fsck failed" >&2; exit 1; }
# the seed, the cold release, the warm-up, 4 a round and the fresh clones: none lost
[ "$(git -C "$R" rev-list --count main)" -eq $((3 + RUNS * 4 + (FRESH < RUNS ? FRESH : RUNS))) ] ||
	{ echo "bench/gitops.sh: a commit is missing on the remote" >&2; exit 1; }

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mo=$(median "${o[@]}") mn=$(median "${n[@]}") mw=$(median "${w[@]}") mf=$(median "${f[@]:-0}")
echo "machine: $(nproc) cores, $(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-50s %10s   %s\n' "one release, $APPS apps, $RUNS runs" "median ms" "runs"
printf '%-50s %10s   %s\n' "platformctl gitops release (warm cache)" "$mo" "${o[*]}"
printf '%-50s %10s   %s\n' "in process (the worker's call, gitops-inproc)" "$mn" "${n[*]}"
printf '%-50s %10s   %s\n' "git pull + edit + commit + push (warm clone)" "$mw" "${w[*]}"
printf '%-50s %10s   %s\n' "git clone --depth 1 + edit + commit + push" "$mf" "${f[*]:-}"
printf '%-50s %10s\n' "platformctl, first release (cold cache)" "$cold"
awk -v o="$mo" -v n="$mn" -v f="$mf" -v w="$mw" 'BEGIN {
	if (o <= 0) o = 1
	if (n <= 0) n = 0.1
	printf "ratio warm clone  / platformctl: %.1fx, / in process: %.1fx\n", w / o, w / n
	printf "ratio fresh clone / platformctl: %.1fx\n", f / o
	miss = 0
	if (o < 30) r = "met"; else { r = "NOT met"; miss++ }
	printf "target platformctl < 30 ms (%s): %s\n", o, r
	if (n < 30) r = "met"; else { r = "NOT met"; miss++ }
	printf "target in process < 30 ms (%s): %s\n", n, r
	if (w / o >= 10) r = "met"; else { r = "NOT met"; miss++ }
	printf "target >= 10x the warm clone (%.1fx): %s\n", w / o, r
	if (miss) printf "targets: %d not met\n", miss; else print "targets: met"
}'
