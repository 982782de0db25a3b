#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: what the module adds to a Live Update, as ratios measured in
# one run (absolute times on a shared machine are noise).
#
#   1. host: wire codec encode and decode+validate of N records against a
#      memcpy of the same bytes (tests/bench/bench_wire.c, N = 1 .. 65536),
#      and the wire bytes of SR-IOV records (a PF with 0 .. 127 VFs)
#   2. guest (scripts/vm-run.sh, topology tests/vm/topologies/many.args,
#      stage script tests/bench/guest-bench.sh run at every hop): ioctl
#      latency (tests/bench/ioctl_bench.c) and the LUO callbacks' own
#      timers (debugfs pci_liveupdate/timings, and the "outgoing set
#      frozen" console line of each real reboot) for a ladder of set sizes,
#      one kexec hop per size (and round); and the SR-IOV case: freeze
#      with the topology's SR-IOV PFs (many: 2 NVMe PFs) marked --with-vfs
#      with 16 VFs each against 1 VF each (flat in VFs), and marked
#      plainly (the per-PF cost, information only)
#   3. tests/bench/bench_report.py: table on stdout, CSV files, bench.png,
#      summary.md
#
# Everything goes to RESULTS (default results/bench/), emptied first.
# Environment:
#   RESULTS=DIR             output directory
#   BENCH_TOPOLOGY=NAME     vm-run.sh --topology (default many)
#   BENCH_LADDER=LIST       set sizes, comma separated, "max" = all
#                           endpoints but one (default 1,4,16,64,max)
#   BENCH_ITERS=K,B         ioctl_bench: K calls per batch, B rounds (each
#                           round: a batch of each ioctl, a preserve +
#                           freeze + unpreserve, at every N) (default 20,31)
#   BENCH_ROUNDS=R          go through the ladder of kexec hops R times;
#                           the single-shot values (reboot-path freeze,
#                           retrieve, finish) become medians of R (default 1)
#   BENCH_VM_TIMEOUT=SEC    bound for one run of the guest part (default
#                           1200: about 300 s idle, the SR-IOV case's 31
#                           sriov_numvfs changes per PF being most of it;
#                           up to 3 runs if QEMU itself dies)
#   BENCH_SKIP_HOST=1       no host codec benchmark (reuses nothing)
# Exit status: 0 done, 1 a step failed (the message says which).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$PLU_TOP"

RESULTS=${RESULTS:-$PLU_TOP/results/bench}
TOPOLOGY=${BENCH_TOPOLOGY:-many}
LADDER=${BENCH_LADDER:-1,4,16,64,max}
ITERS=${BENCH_ITERS:-20,31}
ROUNDS=${BENCH_ROUNDS:-1}
VM_TIMEOUT=${BENCH_VM_TIMEOUT:-1200}
FLAVOR=fast

t_start=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
step() { printf '[bench] %s\n' "$*" >&2; }
fail() { printf '[bench] FAILED: %s\n' "$*" >&2; exit 1; }

[[ $LADDER =~ ^(max|[1-9][0-9]*)(,(max|[1-9][0-9]*))*$ ]] ||
	fail "BENCH_LADDER='$LADDER': want sizes like 1,4,16,64,max"
[[ $ITERS =~ ^[1-9][0-9]*,[1-9][0-9]*$ ]] ||
	fail "BENCH_ITERS='$ITERS': want K,B (e.g. 20,31)"
[[ $VM_TIMEOUT =~ ^[1-9][0-9]*$ ]] || fail "BENCH_VM_TIMEOUT wants seconds"
[[ $ROUNDS =~ ^[1-9]$ ]] || fail "BENCH_ROUNDS wants 1..9"

plu_need_pkgs build-essential python3 gnuplot-nox qemu-system-x86 \
	busybox-static kexec-tools cpio kmod libkmod-dev pkg-config

mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
# Only what this script writes is removed.
rm -rf "$RESULTS/build" "$RESULTS/vm"
rm -f "$RESULTS"/*.csv "$RESULTS"/*.png "$RESULTS"/*.md "$RESULTS"/*.gp "$RESULTS"/*.dat \
	"$RESULTS"/*.log "$RESULTS"/meta.txt
mkdir -p "$RESULTS/build" "$RESULTS/vm"
meta() { printf '%s=%s\n' "$1" "$2" >>"$RESULTS/meta.txt"; }
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta git "$(git describe --always --dirty 2>/dev/null || echo unknown)"
meta host "$(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- build ---------------------------------------------------------------
# The module is built from a copy of the tree (as make check does), so a
# concurrent build in the checkout cannot hand us a half-written .ko.
t=$EPOCHREALTIME
step "build: test kernel ($FLAVOR, cached), module, CLI, bench programs"
kdir=$(scripts/build-kernel.sh --flavor "$FLAVOR") || fail "test kernel ($FLAVOR)"
mod=$RESULTS/build/module
mkdir -p "$mod"
cp -r dkms.conf Kbuild src include "$mod"/
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
make -C "$kdir/build" M="$mod" modules >"$RESULTS/build/module.log" 2>&1 ||
	{ tail -n 20 "$RESULTS/build/module.log" >&2; fail "module build (log: $RESULTS/build/module.log)"; }
ko=$mod/pci_liveupdate.ko
make tools >"$RESULTS/build/tools.log" 2>&1 ||
	{ tail -n 20 "$RESULTS/build/tools.log" >&2; fail "CLI build (log: $RESULTS/build/tools.log)"; }
make -C tests/bench build >"$RESULTS/build/bench.log" 2>&1 ||
	{ tail -n 20 "$RESULTS/build/bench.log" >&2; fail "bench programs (log: $RESULTS/build/bench.log)"; }
# The guest part runs from a snapshot of the harness (scripts/, the
# topologies, the CLI, the stage script and helpers): the checkout is
# shared, and bash reads a script as it goes, so an edit of vm-run.sh in
# the middle of a run would break it.
tree=$RESULTS/build/tree
mkdir -p "$tree/tests/vm" "$tree/tests/bench" "$tree/tools"
cp -r scripts "$tree/"
cp -r tests/vm/topologies "$tree/tests/vm/"
cp tests/vm/plu-lib.sh "$tree/tests/vm/"
cp tests/bench/guest-bench.sh tests/bench/build/ioctl_bench "$tree/tests/bench/"
cp tools/pci-liveupdate "$tree/tools/"
meta build_s "$(since "$t")"

# ---- host ----------------------------------------------------------------
if [ -z "${BENCH_SKIP_HOST:-}" ]; then
	t=$EPOCHREALTIME
	step "host: wire codec vs memcpy, N = 1 .. 65536"
	make -s -C tests/bench host RESULTS="$RESULTS" >"$RESULTS/host.log" 2>&1 ||
		{ tail -n 20 "$RESULTS/host.log" >&2; fail "host benchmark (log: $RESULTS/host.log)"; }
	[ -s "$RESULTS/host.csv" ] || fail "host benchmark wrote no host.csv"
	meta host_s "$(since "$t")"
fi

# ---- guest ---------------------------------------------------------------
# Stage 1 samples, then one kexec hop per ladder entry and round, plus the
# stage that receives the last (tests/bench/guest-bench.sh).
nhops=$(( $(tr ',' '\n' <<<"$LADDER" | wc -l) * ROUNDS ))
stages=()
for ((n = 1; n <= nhops + 2; n++)); do
	stages+=("--stage$n" "$tree/tests/bench/guest-bench.sh")
done
append="plu_bench_ladder=$LADDER plu_bench_iters=$ITERS plu_bench_rounds=$ROUNDS"
# Under TCG the guest TSC runs at the host's rate, but the guest's own
# calibration against the PIT fails now and then on a loaded host (one boot
# measured 43 MHz instead of 2096), which scales every ns the module
# reports.  Hand it the host's rate; the report still checks every boot.
accel=$(plu_accel)
if [ "$accel" = tcg ]; then
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	grep -qw constant_tsc /proc/cpuinfo && [ "${khz:-0}" -gt 0 ] &&
		append+=" tsc_early_khz=$khz"
fi
meta vm_append "$append"
meta accel "$accel"
meta topology "$TOPOLOGY"

# vm_run: one run of the whole ladder; vm-run.sh's exit status.
vm_run() {
	"$tree/scripts/vm-run.sh" --flavor "$FLAVOR" --kernel-dir "$kdir" --module "$ko" \
		--bin "$tree/tests/vm/plu-lib.sh" --bin "$tree/tests/bench/ioctl_bench" \
		--topology "$TOPOLOGY" --qemu-args "-serial file:$RESULTS/vm/data.log" \
		--log "$RESULTS/vm/serial.log" --timeout "$VM_TIMEOUT" \
		--append "$append" "${stages[@]}" >"$RESULTS/vm/vm-run.log" 2>&1
}

# QEMU 7.2's TCG crashes now and then under this topology on a loaded
# host (SIGSEGV in memory_region_dispatch_write while a kexec'd guest
# sizes BARs: 2 of some 60 boots here).  A run where QEMU died but no
# stage failed and the log has no splat is run again, up to 3 attempts;
# the logs of a failed attempt K stay in vm/attemptK/.  Anything else
# fails at once.
qemu_died() {
	grep -q '^\[vm-run\] QEMU exited with status' "$RESULTS/vm/vm-run.log" &&
		! grep -q 'FAIL rc=\|kernel/harness errors\|TIMEOUT' "$RESULTS/vm/vm-run.log" &&
		! grep -aq '@@error' "$RESULTS/vm/data.log" 2>/dev/null
}

t=$EPOCHREALTIME
step "guest: $((nhops + 2)) stages ($((nhops + 1)) kexec hops), topology $TOPOLOGY, ladder $LADDER (bound ${VM_TIMEOUT}s per attempt)"
for attempt in 1 2 3; do
	rc=0
	vm_run || rc=$?
	if [ "$rc" = 0 ] || [ "$attempt" = 3 ] || ! qemu_died; then
		break
	fi
	step "attempt $attempt: QEMU died under the guest ($(grep -m1 'QEMU exited with status' "$RESULTS/vm/vm-run.log" | sed 's/^\[vm-run\] //')); running the guest part again"
	a=$RESULTS/vm/attempt$attempt
	mkdir -p "$a"
	mv "$RESULTS"/vm/*.log "$a/"
	# vm-run.sh keeps its work dir on failure: keep QEMU's own log of the
	# crash with the others and drop the rest (initramfs, socket).
	w=$(sed -n 's/^\[vm-run\] work dir kept: //p' "$a/vm-run.log" | tail -n 1)
	if [ -n "$w" ] && [ -d "$w" ] && [[ $w == "${TMPDIR:-/tmp}"/plu-vm.* ]]; then
		cp "$w/qemu.log" "$a/qemu.log" 2>/dev/null || true
		rm -rf "$w"
	fi
	meta vm_retry "attempt $attempt: QEMU died, logs in vm/attempt$attempt/"
done
meta guest_s "$(since "$t")"
if [ "$rc" != 0 ]; then
	grep '^\[vm-run\]' "$RESULTS/vm/vm-run.log" | tail -n 25 >&2 || true
	grep -a '@@error' "$RESULTS/vm/data.log" 2>/dev/null | sed 's/^/[guest] /' >&2 || true
	case $rc in
	3) why="timed out after ${VM_TIMEOUT}s" ;;
	4) why="could not start (kernel, initramfs or QEMU)" ;;
	*) why="a stage failed, QEMU died or the kernel log has a splat" ;;
	esac
	fail "guest VM run $why (exit $rc; logs: $RESULTS/vm/)"
fi
grep '^\[vm-run\] stage\|^\[vm-run\] PASS' "$RESULTS/vm/vm-run.log" >&2 || true

# ---- report --------------------------------------------------------------
meta total_s "$(since "$t_start")"
step "report"
python3 tests/bench/bench_report.py --results "$RESULTS" ||
	fail "bench_report.py"
step "done in $(since "$t_start")s: $RESULTS/summary.md, bench.png, *.csv"
