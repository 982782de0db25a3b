#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, ending with "N passed, N failed".
#
#   host:  wire codec unit tests (plain + ASan/UBSan), fuzz smoke run,
#          checkpatch --strict, W=1 module build, CLI build
#   VM:    every scenario in tests/vm/scenarios/ on the fast kernel, the
#          abort scenario (or every one, PLU_CHECK_DEBUG_ONLY=.) on the
#          debug kernel (KASAN, lockdep, kmemleak), plus the harness's own
#          self-test
#   DKMS:  tests/dkms/dkms-test.sh
#
# The VM runs, the harness self-test, the DKMS and the host tests run side
# by side, PLU_CHECK_JOBS at a time (default: the number of CPUs plus one,
# as a TCG guest spends part of its time waiting); results are reported in
# a fixed order whatever order they finish in.
#
# Environment: PLU_CHECK_FLAVORS (default "fast debug"), PLU_CHECK_ONLY
# (a regex of scenario names to run), PLU_CHECK_DEBUG_ONLY (a regex of the
# scenarios also run on the debug kernel, default ^abort$: under TCG a
# debug VM run takes two to four minutes, mostly kmemleak; CI sets it to
# "." for all of them), PLU_CHECK_JOBS, PLU_CHECK_SKIP_HOST=1.
# Everything it needs is installed on first use (apt) and the test kernels
# are built once and cached (scripts/build-kernel.sh).
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$PLU_TOP" || exit 2

FLAVORS=${PLU_CHECK_FLAVORS:-fast debug}
JOBS=${PLU_CHECK_JOBS:-$(($(nproc) + 1))}
case $JOBS in ''|*[!0-9]*|0) plu_die "PLU_CHECK_JOBS=$JOBS: a number >= 1" ;; esac
ONLY=${PLU_CHECK_ONLY:-.}
DEBUG_ONLY=${PLU_CHECK_DEBUG_ONLY:-^abort$}
OUT=$PLU_TOP/results/check
rm -rf "$OUT"
mkdir -p "$OUT"
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }

# step_id NAME - NAME as a file name; steplog NAME - the log of step NAME.
step_id() { echo "$1" | tr -c 'a-zA-Z0-9_.-' _; }
steplog() { echo "$OUT/$(step_id "$1").log"; }

# verdict NAME RC - report one test from its exit status and its log.
verdict() {
	local log
	log=$(steplog "$1")
	if [ "$2" = 0 ]; then
		ok "$1"
	else
		not_ok "$1 (log: $log)"
		tail -n 25 "$log" | sed 's/^/#   /'
	fi
}

# step NAME CMD... - one test: CMD's exit status; output kept in a log.
step() {
	local name=$1 rc=0
	shift
	"$@" >"$(steplog "$name")" 2>&1 || rc=$?
	verdict "$name" "$rc"
}

# [BG_NICE=N] bg NAME CMD... - start CMD (a command or a function) in the
# background once fewer than JOBS are running, at niceness N if given; its
# output goes to the log of step NAME and its exit status to
# $OUT/bg/NAME.rc.  bg_wait NAME waits for it and sets BG_RC to that
# status (not a command substitution: a subshell cannot wait for it).
mkdir -p "$OUT/bg"
bg_key() { echo "$OUT/bg/$(step_id "$1")"; }
bg() {
	local name=$1 key
	shift
	key=$(bg_key "$name")
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n 2>/dev/null || true
	done
	(
		[ -z "${BG_NICE:-}" ] || renice -n "$BG_NICE" -p "$BASHPID" >/dev/null
		rc=0
		"$@" >"$(steplog "$name")" 2>&1 || rc=$?
		echo "$rc" >"$key.rc"
	) &
	echo $! >"$key.pid"
}
bg_wait() {
	local key
	key=$(bg_key "$1")
	wait "$(cat "$key.pid")" 2>/dev/null || true
	BG_RC=$(cat "$key.rc" 2>/dev/null) || BG_RC=1
}

# counted NAME LOG - add the "N passed, N failed" or kselftest totals of a
# test program's output; no such line at all is one failure.
counted() {
	local name=$1 log=$2 p f line
	line=$(grep -E '^# Totals: pass:[0-9]+ fail:[0-9]+' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(grep -E '^# Totals' "$log" |
			sed -E 's/^# Totals: pass:([0-9]+) fail:([0-9]+).*/\1/' | paste -sd+ | bc)
		f=$(grep -E '^# Totals' "$log" |
			sed -E 's/^# Totals: pass:([0-9]+) fail:([0-9]+).*/\2/' | paste -sd+ | bc)
	else
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		[ -n "$line" ] || { not_ok "$name: no test totals (log: $log)"; return; }
		p=${line%% passed*}
		f=${line#*, }
		f=${f%% failed*}
	fi
	[ "$p" -gt 0 ] || f=$((f + 1))	# ran nothing: that is a failure
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$([ "$f" = 0 ] && echo ok || echo not ok) - $name: $p passed, $f failed (log: $log)"
	[ "$f" = 0 ] || grep -E '^not ok|^# +FAIL|^#   ' "$log" | head -n 20 | sed 's/^/#   /'
}

plu_need_pkgs build-essential bc flex bison libelf-dev libssl-dev cpio kmod \
	libkmod-dev pkg-config qemu-system-x86 busybox-static kexec-tools \
	python3 socat clang libclang-rt-14-dev groff-base

# --- per kernel flavor: module, VM scenarios ------------------------------
build_module() {	# FLAVOR -> prints the .ko path
	local kdir obj
	kdir=$(scripts/build-kernel.sh --flavor "$1") || return 1
	obj=$OUT/module-$1
	rm -rf "$obj" && mkdir -p "$obj"
	cp -r dkms.conf Kbuild src include "$obj"/
	make -C "$kdir/build" M="$obj" W=1 modules >"$obj/build.log" 2>&1 || {
		cat "$obj/build.log"; return 1; }
	if grep -E 'warning:|error:' "$obj/build.log"; then
		return 1
	fi
	echo "$obj/pci_liveupdate.ko"
}

# Test-only modules (tests/vm/modules), built like the module.  Each .ko
# goes into every guest's /usr/bin (--bin), where a stage insmods it.
build_test_modules() {	# FLAVOR -> prints the .ko paths, one a line
	local kdir obj
	kdir=$(scripts/build-kernel.sh --flavor "$1") || return 1
	obj=$OUT/test-modules-$1
	rm -rf "$obj" && mkdir -p "$obj"
	cp tests/vm/modules/Kbuild tests/vm/modules/*.c "$obj"/
	if ! make -C "$kdir/build" M="$obj" W=1 modules >"$obj/build.log" 2>&1 ||
		grep -qE 'warning:|error:' "$obj/build.log"; then
		cat "$obj/build.log" >&2
		return 1
	fi
	ls "$obj"/*.ko
}
declare -A test_kos

scenario_args() {	# DIR -> vm-run.sh arguments for its stages
	local dir=$1 n=1
	while [ -f "$dir/stage$n.sh" ]; do
		printf -- '--stage%d\n%s\n' "$n" "$dir/stage$n.sh"
		n=$((n + 1))
	done
	[ -f "$dir/vm-args" ] && grep -v '^#' "$dir/vm-args"
}

# vm_run_retry WORK ARGS... - scripts/vm-run.sh, run again (at most 3
# times) only when QEMU itself crashed and nothing in the guest failed:
# QEMU 7.2's TCG dies now and then (SIGSEGV in memory_region_dispatch_write
# while a kexec'd guest sizes BARs, about 1 boot in 30 here).
vm_run_retry() {
	local work=$1 attempt out rc
	shift
	for attempt in 1 2 3; do
		out=$work/vm-run.attempt$attempt.log
		rm -f "$work/data.log"
		scripts/vm-run.sh "$@" >"$out" 2>&1
		rc=$?
		cat "$out"
		[ "$rc" = 0 ] && return 0
		grep -q '^\[vm-run\] QEMU exited with status' "$out" &&
			! grep -q 'FAIL rc=\|kernel/harness errors\|TIMEOUT' "$out" ||
			return "$rc"
		echo "[check] attempt $attempt: QEMU crashed (not the guest); running again"
	done
	return "$rc"
}

vm_step_name() { echo "vm[$1] $(basename "$2"): every stage passes, no kernel splat"; }

start_scenario() {	# FLAVOR KO DIR
	local flavor=$1 ko=$2 dir=$3 name work args=() bins=() topology
	topology=${PLU_TOPOLOGY:-default}
	# No pxb root bus on the debug kernel: see tests/vm/topologies/debug.args
	[ "$flavor" = debug ] && topology=${PLU_DEBUG_TOPOLOGY:-debug}
	name=$(basename "$dir")
	work=$OUT/vm-$flavor-$name
	mkdir -p "$work"
	mapfile -t args < <(scenario_args "$dir")
	for b in tests/vm/plu-lib.sh tests/vm/build/*_test; do
		[ -x "$b" ] || [ "${b##*.}" = sh ] && bins+=(--bin "$b")
	done
	for b in ${test_kos[$flavor]:-}; do
		bins+=(--bin "$b")
	done
	# The debug kernel's runs are the longest: everything else yields to
	# them, so they finish as early as they can and the pool's tail is short.
	BG_NICE=$([ "$flavor" = debug ] || echo 10) \
	bg "$(vm_step_name "$flavor" "$dir")" \
		vm_run_retry "$work" --flavor "$flavor" --module "$ko" "${bins[@]}" \
		--topology "$topology" \
		--qemu-args "-serial file:$work/data.log" \
		--log "$work/serial.log" "${args[@]}"
}

report_scenario() {	# FLAVOR DIR
	local flavor=$1 dir=$2 name work step
	name=$(basename "$dir")
	work=$OUT/vm-$flavor-$name
	step=$(vm_step_name "$flavor" "$dir")
	bg_wait "$step"
	verdict "$step" "$BG_RC"
	if python3 tests/vm/verify.py --has "$name"; then
		python3 tests/vm/verify.py "$name" "$work/data.log" >"$work/verify.log" 2>&1
		counted "vm[$flavor] $name: recorded results" "$work/verify.log"
	fi
	if grep -qE '^# Totals' "$work/serial.log"; then
		tr -d '\r' <"$work/serial.log" >"$work/kselftest.log"
		counted "vm[$flavor] $name: in-guest kselftests" "$work/kselftest.log"
	fi
}

# The CLI and the in-guest tests need the kernel's installed uAPI headers,
# which come with the test kernel: build (or find) the kernels first.
for flavor in $FLAVORS; do
	step "LUO test kernel ($flavor) built or cached" \
		scripts/build-kernel.sh --flavor "$flavor"
done
step "CLI builds (-Wall -Wextra -Werror)" make tools
step "in-guest test programs build" make -C tests/vm

scenarios() {	# FLAVOR -> the scenario directories to run on it
	local dir
	for dir in tests/vm/scenarios/[!_]*/; do
		dir=${dir%/}
		echo "$(basename "$dir")" | grep -qE "$ONLY" || continue
		[ "$1" = debug ] && ! basename "$dir" | grep -qE "$DEBUG_ONLY" &&
			continue
		echo "$dir"
	done
}

# Start everything in the pool, the longest first (the debug kernel's VM
# runs, the harness self-test, the fast kernel's runs, DKMS) so it stays
# full to the end, with the short host tests alongside the first module
# build; then report in a fixed order.
HOST_STEPS=("host unit tests (wire codec, plain + ASan/UBSan)"
	    "fuzz smoke run of the wire decoder" "checkpatch --strict clean")
if [ -z "${PLU_CHECK_SKIP_HOST:-}" ]; then
	bg "${HOST_STEPS[0]}" make -C tests/unit run
	bg "${HOST_STEPS[1]}" make -C tests/fuzz fuzz-smoke
	bg "${HOST_STEPS[2]}" bash -c \
		'out=$(make -s checkpatch 2>&1); echo "$out"; ! echo "$out" | grep -qE "(ERROR|WARNING|CHECK):"'
fi

want_harness=0 want_dkms=0
[ -x tests/vm/harness-selftest.sh ] && echo harness | grep -qE "$ONLY" && want_harness=1
[ -x tests/dkms/dkms-test.sh ] && echo dkms | grep -qE "$ONLY" && want_dkms=1

declare -A built
start_flavor() {	# FLAVOR: build the module, start its scenarios
	local dir ko
	ko=$(build_module "$1" 2>"$OUT/module-$1.err")
	[ -n "$ko" ] && [ -f "$ko" ] || return 0
	built[$1]=$ko
	test_kos[$1]=$(build_test_modules "$1" 2>"$OUT/test-modules-$1.err") ||
		test_kos[$1]=
	for dir in $(scenarios "$1"); do
		start_scenario "$1" "$ko" "$dir"
	done
}
case " $FLAVORS " in *" debug "*) start_flavor debug ;; esac
if [ "$want_harness" = 1 ]; then
	BG_NICE=10 bg "VM harness self-test" tests/vm/harness-selftest.sh
fi
for flavor in $FLAVORS; do
	[ "$flavor" = debug ] || start_flavor "$flavor"
done
if [ "$want_dkms" = 1 ]; then
	BG_NICE=10 bg "DKMS packaging" tests/dkms/dkms-test.sh
fi

if [ -z "${PLU_CHECK_SKIP_HOST:-}" ]; then
	bg_wait "${HOST_STEPS[0]}"
	counted "${HOST_STEPS[0]}" "$(steplog "${HOST_STEPS[0]}")"
	bg_wait "${HOST_STEPS[1]}"
	verdict "${HOST_STEPS[1]}" "$BG_RC"
	bg_wait "${HOST_STEPS[2]}"
	verdict "${HOST_STEPS[2]}" "$BG_RC"
fi

for flavor in $FLAVORS; do
	if [ -z "${built[$flavor]:-}" ]; then
		not_ok "module build against the $flavor kernel"
		sed 's/^/#   /' "$OUT/module-$flavor.err" | tail -n 20
		continue
	fi
	ok "module builds W=1 warning-free against the $flavor kernel"
	if [ -n "${test_kos[$flavor]:-}" ]; then
		ok "test modules (tests/vm/modules) build W=1 warning-free against the $flavor kernel"
	else
		not_ok "test modules (tests/vm/modules) build against the $flavor kernel"
		sed 's/^/#   /' "$OUT/test-modules-$flavor.err" | tail -n 20
	fi
	for dir in $(scenarios "$flavor"); do
		report_scenario "$flavor" "$dir"
	done
done

if [ "$want_harness" = 1 ]; then
	bg_wait "VM harness self-test"
	counted "VM harness self-test" "$(steplog "VM harness self-test")"
fi

if [ "$want_dkms" = 1 ]; then
	bg_wait "DKMS packaging"
	counted "DKMS packaging" "$(steplog "DKMS packaging")"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
