#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ci-under-load.sh [--runs N] [--jobs J] [--out DIR]
#
# Run "bash .ci/run" N times in a row (default 2), each on a fresh clone of
# this repository's HEAD, beside a CPU-bound job: a build of the cached fast
# kernel (its source and config, O= a scratch directory) with make -jJ
# (default 2), started again until the last run ends.  This is how CI is
# shown not to depend on the machine's load (docs/testing.md).  Each run's
# output goes to DIR/ci-N.log (default results/under-load), its summary
# line and time to DIR/summary.txt and standard output.  Exits 1 if a run
# failed; a failed run ends the series.  Takes about 107 minutes a run on
# two CPUs with -j2.
set -uo pipefail
. "$(dirname "$0")/common.sh"

runs=2 jobs=2 out=$PLU_TOP/results/under-load
while [ $# -gt 0 ]; do
	case $1 in
	--runs) [ $# -ge 2 ] || plu_die "$1 needs an argument"; runs=$2; shift 2 ;;
	--jobs) [ $# -ge 2 ] || plu_die "$1 needs an argument"; jobs=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || plu_die "$1 needs an argument"; out=$2; shift 2 ;;
	-h|--help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) plu_die "ci-under-load.sh: unknown option $1" ;;
	esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || plu_die "--runs wants a count"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || plu_die "--jobs wants a count"
mkdir -p "$out" && out=$(cd "$out" && pwd) || plu_die "cannot make $out"
kdir=$("$PLU_TOP/scripts/build-kernel.sh" --flavor fast) ||
	plu_die "the fast kernel is not built (make kernels)"
src=$(readlink -f "$kdir/src")
work=$(mktemp -d "${TMPDIR:-/tmp}/plu-under-load.XXXXXX")

# The load, in its own process group so that all of it can be stopped.
setsid bash -c '
	while :; do
		rm -rf "$2/o" && mkdir -p "$2/o" && cp "$3/build/.config" "$2/o/" &&
			make -s -C "$1" O="$2/o" olddefconfig >/dev/null 2>&1 &&
			make -s -C "$1" O="$2/o" -j"$4" vmlinux >/dev/null 2>&1
	done' load "$src" "$work" "$kdir" "$jobs" &
load=$!
trap 'kill -- -"$load" 2>/dev/null; wait "$load" 2>/dev/null; rm -rf "$work"' EXIT

rev=$(git -C "$PLU_TOP" rev-parse --short HEAD)
: >"$out/summary.txt"
rc=0
for ((i = 1; i <= runs; i++)); do
	rm -rf "$work/clone"
	git clone -q "$PLU_TOP" "$work/clone" || plu_die "git clone failed"
	t0=$(date +%s)
	bash "$work/clone/.ci/run" >"$out/ci-$i.log" 2>&1
	r=$?
	line="run $i of $runs, $rev, beside make -j$jobs: $(tail -n 1 "$out/ci-$i.log") in $(($(date +%s) - t0)) s (exit $r)"
	echo "$line" | tee -a "$out/summary.txt"
	[ "$r" = 0 ] || { rc=1; break; }
done
exit "$rc"
