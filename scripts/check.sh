#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test of the project, ending with "N passed, N failed".
#
#   host:  wire codec unit tests (plain + ASan/UBSan), fuzz smoke run,
#          packaging (tests/packaging: one version; make deb, lintian),
#          checkpatch --strict, W=1 module build, CLI build, CLI
#          preflight (tests/cli: check's refusals, kexec --force)
#   VM:    every scenario in tests/vm/scenarios/ on the default kernel's
#          fast flavor, the abort scenario on its debug flavor (KASAN,
#          lockdep, kmemleak), plus the harness's own self-test; with
#          PLU_CHECK_MATRIX=1 (make check-full) more scenarios on debug
#          (DEBUG_FULL below) and a sample on every other kernel of
#          tests/vm/kernels and on the clang kCFI flavor
#   DKMS:  tests/dkms/dkms-test.sh
#   distro: with PLU_CHECK_MATRIX=1, tests/distro/distro-test.sh (the
#          admin's path on Debian unstable: .debs, DKMS, systemctl kexec)
#
# The VM runs, the harness self-test, the DKMS and the host tests run side
# by side, PLU_CHECK_JOBS at a time (default: the number of CPUs plus one,
# as a TCG guest spends part of its time waiting); results are reported in
# a fixed order whatever order they finish in.
#
# Environment: PLU_CHECK_FLAVORS (default "fast debug"), PLU_CHECK_ONLY
# (a regex of scenario names to run), PLU_CHECK_DEBUG_ONLY (a regex of the
# scenarios also run on the debug kernel, default ^abort$, or DEBUG_FULL
# with PLU_CHECK_MATRIX=1; "." for all of them), PLU_CHECK_MATRIX=1, PLU_CHECK_TARGETS (instead of
# all these: a list of KERNEL:FLAVOR=REGEX, e.g. "7.2:fast=^roundtrip$"),
# PLU_CHECK_JOBS, PLU_CHECK_SKIP_HOST=1, PLU_CHECK_OUT (results, default
# results/check), PLU_CHECK_DISTRO (1 or 0: the distro test or not;
# default PLU_CHECK_MATRIX's value; PLU_CHECK_ONLY must match "distro"),
# PLU_CHECK_APPEND (kernel command line words for every VM run whose
# scenario has no --append of its own; make chaos passes its seeds so).
# Everything it needs is installed on first use (apt) and the test kernels
# are built once and cached (scripts/build-kernel.sh).
#
# check.sh --build-kernels: only build (or find) every kernel the chosen
# targets need, and the distro test's image and kernel, and say which
# (make kernels, with PLU_CHECK_MATRIX=1).
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$PLU_TOP" || exit 2

FLAVORS=${PLU_CHECK_FLAVORS:-fast debug}
JOBS=${PLU_CHECK_JOBS:-$(($(nproc) + 1))}
case $JOBS in ''|*[!0-9]*|0) plu_die "PLU_CHECK_JOBS=$JOBS: a number >= 1" ;; esac
ONLY=${PLU_CHECK_ONLY:-.}
# make check-full's debug scenarios: those whose module paths differ, where
# KASAN, lockdep and kmemleak see something the fast kernel cannot: the
# whole round trip and its aborts, every ioctl, the SR-IOV restore, the
# races with SR-IOV, rescan, insmod, a preserve during load, hotplug and unplug, the stress
# load, the failing allocations and hostile memory of the image, and the
# rebind and mark-refresh paths (so each defect of issues 11 and 23 has a
# test on both flavors), and the randomized exerciser (chaos, two fixed
# seeds there).  The variants left out (more corruptions and
# hostile bodies, verdicts, module swaps) run the same code as one that is
# in, on fast as always; the decoder's bounds are the ASan fuzzer's.  Under TCG a debug
# run costs two to four minutes of CPU, and CI has 90 minutes for all of
# check-full.
DEBUG_FULL='^(roundtrip|abort|lifecycle|ioctl|stress|sriov-restore|sriov-race|sriov-freeze-race|rescan-race|insmod-race|preserve-race|hotplug|frozen-unplug|hostile-memfd|hostile-nomem|corrupt-flip|rebind-long-name|rebind-bound-elsewhere|mark-refresh|chaos)$'
if [ "${PLU_CHECK_MATRIX:-0}" = 1 ]; then
	DEBUG_ONLY=${PLU_CHECK_DEBUG_ONLY:-$DEBUG_FULL}
else
	DEBUG_ONLY=${PLU_CHECK_DEBUG_ONLY:-^abort$}
fi

# --- targets: a kernel (tests/vm/kernels) and a flavor, with the scenarios
# to run there.  The first kernel of tests/vm/kernels is the default.
DEFAULT_KERNEL=$(plu_kernel_names | head -n 1)
MATRIX_SCENARIOS='^(roundtrip|abort|ioctl|verdicts)$'
CFI_SCENARIOS='^(roundtrip|abort|ioctl|lifecycle|cfi-trap)$'
declare -A target_re
TARGETS=()
add_target() {	# KERNEL:FLAVOR REGEX
	TARGETS+=("$1")
	target_re[$1]=$2
}
if [ -n "${PLU_CHECK_TARGETS:-}" ]; then
	for t in $PLU_CHECK_TARGETS; do
		case $t in
		*:*=*) add_target "${t%%=*}" "${t#*=}" ;;
		*:*) add_target "$t" . ;;
		*) plu_die "PLU_CHECK_TARGETS: '$t' is not KERNEL:FLAVOR[=REGEX]" ;;
		esac
	done
else
	for flavor in $FLAVORS; do
		case $flavor in
		debug) add_target "$DEFAULT_KERNEL:debug" "$DEBUG_ONLY" ;;
		*) add_target "$DEFAULT_KERNEL:$flavor" . ;;
		esac
	done
	if [ "${PLU_CHECK_MATRIX:-0}" = 1 ]; then
		for k in $(plu_kernel_names | tail -n +2); do
			add_target "$k:fast" "$MATRIX_SCENARIOS"
		done
		add_target "$DEFAULT_KERNEL:cfi" "$CFI_SCENARIOS"
	fi
fi
# The Debian system test (tests/distro, about 16 minutes warm): its own
# VM with its own kernel flavor and image, in make check-full (or with
# PLU_CHECK_DISTRO=1); make check leaves it to make check-distro.
want_distro=${PLU_CHECK_DISTRO:-${PLU_CHECK_MATRIX:-0}}
[ "$want_distro" = 1 ] && echo distro | grep -qE "$ONLY" || want_distro=0
t_kernel() { echo "${1%%:*}"; }
t_flavor() { echo "${1#*:}"; }
t_id() { echo "${1/:/-}"; }
# t_kdir TARGET - its kernel's build-kernel.sh directory (built on first
# use); once the kernel steps below have found it, from target_kdir.
declare -A target_kdir
t_kdir() {
	if [ -n "${target_kdir[$1]:-}" ]; then
		echo "${target_kdir[$1]}"
	else
		PLU_KERNEL=$(t_kernel "$1") scripts/build-kernel.sh --flavor "$(t_flavor "$1")"
	fi
}

if [ "${1:-}" = --build-kernels ]; then
	rc=0
	for t in "${TARGETS[@]}"; do
		start=$(date +%s)
		if kdir=$(t_kdir "$t"); then
			echo "$t: $kdir ($(($(date +%s) - start)) s)"
		else
			echo "$t: build failed" >&2
			rc=1
		fi
	done
	if [ "$want_distro" = 1 ]; then
		start=$(date +%s)
		if img=$(tests/distro/mkimage.sh); then
			echo "distro image and kernels: $img ($(($(date +%s) - start)) s)"
		else
			echo "distro image: build failed" >&2
			rc=1
		fi
	fi
	exit "$rc"
fi

OUT=${PLU_CHECK_OUT:-$PLU_TOP/results/check}
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
# output goes to the log of step NAME, its exit status to $OUT/bg/NAME.rc
# and its wall time (seconds, then NAME) to $OUT/bg/NAME.time.  bg_wait NAME waits for it and sets BG_RC to that
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
		rc=0 start=$(date +%s)
		"$@" >"$(steplog "$name")" 2>&1 || rc=$?
		printf '%d\t%s\n' "$(($(date +%s) - start))" "$name" >"$key.time"
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
	python3 clang libclang-rt-14-dev groff-base

# --- per kernel flavor: module, VM scenarios ------------------------------
kbuild() {	# KDIR OBJ ARGS... - make an external module, kernel's compiler
	local kdir=$1 obj=$2 tc
	shift 2
	tc=$(scripts/kbuild-toolchain.sh "$kdir/build") || return 1
	# shellcheck disable=SC2086
	make -C "$kdir/build" M="$obj" $tc "$@"
}

build_module() {	# TARGET -> prints the .ko path
	local kdir obj
	kdir=$(t_kdir "$1") || return 1
	obj=$OUT/module-$(t_id "$1")
	rm -rf "$obj" && mkdir -p "$obj"
	cp -r dkms.conf Kbuild src include "$obj"/
	kbuild "$kdir" "$obj" W=1 modules >"$obj/build.log" 2>&1 || {
		cat "$obj/build.log"; return 1; }
	if grep -E 'warning:|error:' "$obj/build.log"; then
		return 1
	fi
	echo "$obj/pci_liveupdate.ko"
}

# Test-only modules (tests/vm/modules), built like the module.  Each .ko
# goes into every guest's /usr/bin (--bin), where a stage insmods it.
build_test_modules() {	# TARGET -> prints the .ko paths, one a line
	local kdir obj
	kdir=$(t_kdir "$1") || return 1
	obj=$OUT/test-modules-$(t_id "$1")
	rm -rf "$obj" && mkdir -p "$obj"
	cp tests/vm/modules/Kbuild tests/vm/modules/*.c "$obj"/
	if ! kbuild "$kdir" "$obj" W=1 modules >"$obj/build.log" 2>&1 ||
		grep -qE 'warning:|error:' "$obj/build.log"; then
		cat "$obj/build.log" >&2
		return 1
	fi
	ls "$obj"/*.ko
}
declare -A test_kos

# The module of the last release (RELEASES), for the upgrade and downgrade
# scenarios: its source from git, built like ours but without W=1 (its
# warnings are history), installed in the guest as
# /usr/bin/pci_liveupdate-release.ko.
build_release_module() {	# TARGET -> prints the .ko path
	local kdir obj commit
	kdir=$(t_kdir "$1") || return 1
	commit=$(awk '!/^#/ && NF >= 2 { c = $2 } END { print c }' RELEASES)
	obj=$OUT/release-module-$(t_id "$1")
	rm -rf "$obj" && mkdir -p "$obj"
	git archive "$commit" | tar -x -C "$obj" ||
		{ echo "cannot read release commit $commit (RELEASES) from git" >&2; return 1; }
	kbuild "$kdir" "$obj" modules >"$obj/build.log" 2>&1 || {
		cat "$obj/build.log" >&2; return 1; }
	cp "$obj/pci_liveupdate.ko" "$obj/pci_liveupdate-release.ko"
	echo "$obj/pci_liveupdate-release.ko"
}
declare -A release_kos

scenario_args() {	# DIR -> vm-run.sh arguments for its stages
	local dir=$1 n=1
	while [ -f "$dir/stage$n.sh" ]; do
		printf -- '--stage%d\n%s\n' "$n" "$dir/stage$n.sh"
		n=$((n + 1))
	done
	[ -f "$dir/vm-args" ] && grep -v '^#' "$dir/vm-args"
}

# t_label TARGET - how a target is named in the report: the flavor alone
# on the default kernel, "KERNEL FLAVOR" on the others.
t_label() {
	if [ "$(t_kernel "$1")" = "$DEFAULT_KERNEL" ]; then
		t_flavor "$1"
	else
		echo "$(t_kernel "$1") $(t_flavor "$1")"
	fi
}
vm_step_name() { echo "vm[$(t_label "$1")] $(basename "$2"): every stage passes, no kernel splat"; }

start_scenario() {	# TARGET KO DIR
	local t=$1 flavor ko=$2 dir=$3 name work args=() bins=() topology kdir
	flavor=$(t_flavor "$t")
	kdir=$(t_kdir "$t") || return 1
	topology=${PLU_TOPOLOGY:-default}
	# No pxb root bus on the debug kernel: see tests/vm/topologies/debug.args
	[ "$flavor" = debug ] && topology=${PLU_DEBUG_TOPOLOGY:-debug}
	name=$(basename "$dir")
	work=$OUT/vm-$(t_id "$t")-$name
	mkdir -p "$work"
	mapfile -t args < <(scenario_args "$dir")
	# PLU_CHECK_APPEND: kernel command line words for the runs (make chaos
	# passes its seeds so); a scenario's own --append (vm-args) wins.
	[ -z "${PLU_CHECK_APPEND:-}" ] || args=(--append "$PLU_CHECK_APPEND" "${args[@]}")
	for b in tests/vm/plu-lib.sh tests/vm/build/*_test; do
		[ -x "$b" ] || [ "${b##*.}" = sh ] && bins+=(--bin "$b")
	done
	for b in ${test_kos[$t]:-}; do
		bins+=(--bin "$b")
	done
	if [ -f "$dir/release-module" ]; then
		bins+=(--bin "${release_kos[$t]}")
	fi
	# The debug kernel's runs are the longest: everything else yields to
	# them, so they finish as early as they can and the pool's tail is short.
	BG_NICE=$([ "$flavor" = debug ] || echo 10) \
	bg "$(vm_step_name "$t" "$dir")" \
		plu_vm_run_retry "$work/vm-run" --flavor "$flavor" --kernel-dir "$kdir" \
		--module "$ko" "${bins[@]}" \
		--topology "$topology" \
		--qemu-args "-serial file:$work/data.log" \
		--log "$work/serial.log" "${args[@]}"
}

report_scenario() {	# TARGET DIR
	local t=$1 flavor dir=$2 name work step
	flavor=$(t_label "$t")
	name=$(basename "$dir")
	work=$OUT/vm-$(t_id "$t")-$name
	step=$(vm_step_name "$t" "$dir")
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

# write_matrix - the kernel x flavor table of what passed, as Markdown:
# make check-full's is the README's Requirements table.
declare -A t_passed t_failed
write_matrix() {
	local t kdir src cc p f
	echo "| kernel | source (Debian package version) | flavor | compiler | scenarios passed |"
	echo "|---|---|---|---|---|"
	for t in "${TARGETS[@]}"; do
		kdir=$(t_kdir "$t" 2>/dev/null) || continue
		src=$(sed 's/_all.deb//; s/_/ /' "$kdir/src/.plu-unpacked" 2>/dev/null)
		cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$kdir/build/.config")
		cc="$(echo "$cc" | grep -oE 'clang|gcc' | head -n 1) $(echo "$cc" |
			grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
		read -ra p <<<"${t_passed[$t]:-}"
		read -ra f <<<"${t_failed[$t]:-}"
		echo "| $(t_kernel "$t") | ${src:-?} | $(t_flavor "$t") | ${cc:-?} |" \
			"${#p[@]}/$((${#p[@]} + ${#f[@]}))${p[*]:+: ${p[*]}}${f[*]:+; FAILED: ${f[*]}} |"
	done
}

# The CLI and the in-guest tests need the kernel's installed uAPI headers,
# which come with the test kernel: build (or find) the kernels first.
for t in "${TARGETS[@]}"; do
	step "LUO test kernel ($(t_label "$t")) built or cached" t_kdir "$t"
	# Found once: every later use (modules, each VM run) takes it from here.
	target_kdir[$t]=$(t_kdir "$t" 2>/dev/null) || target_kdir[$t]=
done
step "CLI builds (-Wall -Wextra -Werror)" make tools
step "in-guest test programs build" make -C tests/vm

# scenarios TARGET - the scenario directories to run on it: those its
# regex and PLU_CHECK_ONLY select, but a scenario with a "flavors" file
# only on the flavors that file lists.
scenarios() {
	local dir name
	for dir in tests/vm/scenarios/[!_]*/; do
		dir=${dir%/}
		name=$(basename "$dir")
		echo "$name" | grep -qE "$ONLY" || continue
		echo "$name" | grep -qE "${target_re[$1]}" || continue
		if [ -f "$dir/flavors" ]; then
			grep -v '^#' "$dir/flavors" | grep -qw -- "$(t_flavor "$1")" || continue
		fi
		echo "$dir"
	done
}

# Start everything in the pool, the longest first (the debug kernel's VM
# runs, the harness self-test, the fast kernel's runs, DKMS) so it stays
# full to the end, with the short host tests alongside the first module
# build; then report in a fixed order.
HOST_STEPS=("host unit tests (wire codec, plain + ASan/UBSan)"
	    "fuzz smoke run of the wire decoder" "checkpatch --strict clean"
	    "packaging: one version, Debian packages lintian clean"
	    "CLI preflight: check refusals, kexec --force (tests/cli)")
if [ -z "${PLU_CHECK_SKIP_HOST:-}" ]; then
	bg "${HOST_STEPS[0]}" make -C tests/unit run
	bg "${HOST_STEPS[1]}" make -C tests/fuzz fuzz-smoke
	bg "${HOST_STEPS[2]}" bash -c \
		'out=$(make -s checkpatch 2>&1); echo "$out"; ! echo "$out" | grep -qE "(ERROR|WARNING|CHECK):"'
	bg "${HOST_STEPS[3]}" tests/packaging/packaging-test.sh
	bg "${HOST_STEPS[4]}" tests/cli/preflight-test.sh
fi

want_harness=0 want_dkms=0
[ -x tests/vm/harness-selftest.sh ] && echo harness | grep -qE "$ONLY" && want_harness=1
[ -x tests/dkms/dkms-test.sh ] && echo dkms | grep -qE "$ONLY" && want_dkms=1

declare -A built
start_target() {	# TARGET: build the modules, start its scenarios
	local t=$1 dir ko id
	id=$(t_id "$t")
	ko=$(build_module "$t" 2>"$OUT/module-$id.err")
	[ -n "$ko" ] && [ -f "$ko" ] || return 0
	built[$t]=$ko
	test_kos[$t]=$(build_test_modules "$t" 2>"$OUT/test-modules-$id.err") ||
		test_kos[$t]=
	for dir in $(scenarios "$t"); do
		if [ -f "$dir/release-module" ]; then
			# Built (or failed) once, for the first scenario that needs it.
			[ -n "${release_kos[$t]+set}" ] ||
				release_kos[$t]=$(build_release_module "$t" 2>"$OUT/release-module-$id.err") ||
				release_kos[$t]=
			[ -n "${release_kos[$t]}" ] || continue
		fi
		start_scenario "$t" "$ko" "$dir"
	done
}
# The longest single run first.
DISTRO_STEP="distro: the admin's path on Debian unstable (tests/distro), VM run"
if [ "$want_distro" = 1 ]; then
	bg "$DISTRO_STEP" tests/distro/distro-test.sh --out "$OUT/distro"
fi
for t in "${TARGETS[@]}"; do
	[ "$(t_flavor "$t")" = debug ] && start_target "$t"
done
if [ "$want_harness" = 1 ]; then
	BG_NICE=10 bg "VM harness self-test" tests/vm/harness-selftest.sh
fi
for t in "${TARGETS[@]}"; do
	[ "$(t_flavor "$t")" = debug ] || start_target "$t"
done
if [ "$want_dkms" = 1 ]; then
	# A clang kernel in the run: DKMS is tested against it too.
	clang_kdir=
	for t in "${TARGETS[@]}"; do
		[ "$(t_flavor "$t")" = cfi ] && clang_kdir=$(t_kdir "$t" 2>/dev/null) && break
	done
	PLU_DKMS_CLANG_KDIR=$clang_kdir BG_NICE=10 bg "DKMS packaging" tests/dkms/dkms-test.sh
fi

if [ -z "${PLU_CHECK_SKIP_HOST:-}" ]; then
	bg_wait "${HOST_STEPS[0]}"
	counted "${HOST_STEPS[0]}" "$(steplog "${HOST_STEPS[0]}")"
	bg_wait "${HOST_STEPS[1]}"
	verdict "${HOST_STEPS[1]}" "$BG_RC"
	bg_wait "${HOST_STEPS[2]}"
	verdict "${HOST_STEPS[2]}" "$BG_RC"
	bg_wait "${HOST_STEPS[3]}"
	counted "${HOST_STEPS[3]}" "$(steplog "${HOST_STEPS[3]}")"
	bg_wait "${HOST_STEPS[4]}"
	counted "${HOST_STEPS[4]}" "$(steplog "${HOST_STEPS[4]}")"
fi

for t in "${TARGETS[@]}"; do
	id=$(t_id "$t") label=$(t_label "$t")
	if [ -z "${built[$t]:-}" ]; then
		not_ok "module build against the $label kernel"
		sed 's/^/#   /' "$OUT/module-$id.err" | tail -n 20
		continue
	fi
	ok "module builds W=1 warning-free against the $label kernel"
	if [ -n "${test_kos[$t]:-}" ]; then
		ok "test modules (tests/vm/modules) build W=1 warning-free against the $label kernel"
	else
		not_ok "test modules (tests/vm/modules) build against the $label kernel"
		sed 's/^/#   /' "$OUT/test-modules-$id.err" | tail -n 20
	fi
	if [ -n "${release_kos[$t]+set}" ]; then
		if [ -n "${release_kos[$t]}" ]; then
			ok "release module (RELEASES) builds against the $label kernel"
		else
			not_ok "release module (RELEASES) build against the $label kernel"
			sed 's/^/#   /' "$OUT/release-module-$id.err" | tail -n 20
		fi
	fi
	for dir in $(scenarios "$t"); do
		if [ -f "$dir/release-module" ] && [ -z "${release_kos[$t]}" ]; then
			continue
		fi
		before=$failed
		report_scenario "$t" "$dir"
		if [ "$failed" = "$before" ]; then
			t_passed[$t]+=" $(basename "$dir")"
		else
			t_failed[$t]+=" $(basename "$dir")"
		fi
	done
done
write_matrix >"$OUT/matrix.md"

if [ "$want_harness" = 1 ]; then
	bg_wait "VM harness self-test"
	counted "VM harness self-test" "$(steplog "VM harness self-test")"
fi

if [ "$want_dkms" = 1 ]; then
	bg_wait "DKMS packaging"
	counted "DKMS packaging" "$(steplog "DKMS packaging")"
fi

if [ "$want_distro" = 1 ]; then
	bg_wait "$DISTRO_STEP"
	verdict "$DISTRO_STEP" "$BG_RC"
	if [ -f "$OUT/distro/check.log" ]; then
		counted "distro: recorded results (tests/distro/check.py)" "$OUT/distro/check.log"
	else
		not_ok "distro: no recorded results (log: $(steplog "$DISTRO_STEP"))"
	fi
fi

# Where the time went: the slowest steps, and the whole run (CI has a
# time limit: this is what to look at when it is near).
echo "# slowest steps (seconds; all in $OUT/times.tsv):"
cat "$OUT"/bg/*.time 2>/dev/null | sort -rn >"$OUT/times.tsv"
head -n 8 "$OUT/times.tsv" | sed 's/^/#   /'
echo "# whole run: $SECONDS s, $JOBS jobs at a time"
echo "# kernel matrix ($OUT/matrix.md):"
sed 's/^/#   /' "$OUT/matrix.md"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
