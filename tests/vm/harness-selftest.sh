#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-selftest.sh [--flavor fast|debug] [--quick] [--keep]
#
# End-to-end tests of the VM harness itself (scripts/vm-run.sh,
# scripts/mkinitramfs.sh, scripts/guest-init, tests/vm/topologies), without
# the pci_liveupdate module:
#   - a three-stage run on the default topology: stage 1 checks every BDF of
#     the topology, the pxb root bus 0000:40 and that the NVMe PF's two VFs
#     appear, then plu-kexec (retained initrd); stage 2 checks it is stage 2,
#     has a device hot-unplugged through the host-request channel, and
#     kexecs by hand into stage 3 with an initramfs rebuilt in the guest;
#     stage 3 checks the unplugged device stayed gone
#   - negative cases that must make vm-run.sh fail: a stage exiting 1, a
#     "BUG:" line in the kernel log, a stage returning without kexec while a
#     next stage exists, a kexec'd boot whose TSC rate is 3/4 of the host's,
#     a QMP error on a host request, a failing insmod, and a hung stage
#     (--stage-timeout, exit 3, at least that long after the stage started
#     however long the boot took)
#   - the vCPU probe, against tests/vm/fake-qemu.py: a vCPU wedged by a
#     lost EOI ends the run (exit 5) and plu_vm_run_retry runs it again,
#     unless a stage failed first; a transient or busy state, or a wedge
#     while the console prints, does not; a deadline reports the vCPUs
#   - usage errors exit 2, --help works, mkinitramfs output is reproducible
# --quick skips the negative VM cases; --keep keeps the work dir (stage
# scripts, serial logs), as does any failure.  Prints TAP-like lines and
# ends with "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vmrun=$top/scripts/vm-run.sh

flavor=fast quick=0 keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--flavor) flavor=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '4,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "harness-selftest.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plu-harness-selftest.XXXXXX")
trap 'if [ "$keep" = 1 ] || [ "$failed" != 0 ]; then echo "# work dir: $tmp"; else rm -rf "$tmp"; fi' EXIT
pass=0 failed=0 n=0
t_start=$SECONDS

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# run_vm NAME EXPECTED_RC GREP_PATTERN VM-RUN-ARGS...: run vm-run.sh, check
# its exit status and that its output matches GREP_PATTERN (ERE, may be '').
# vm_env: VAR=VALUE words for vm-run.sh's environment (run_fake's).  Its
# work dirs, which it keeps on failure, go in ours.
vm_env=()
run_vm() {
	local name=$1 want=$2 pat=$3 rc t0=$SECONDS
	shift 3
	env TMPDIR="$tmp" "${vm_env[@]}" "$vmrun" --flavor "$flavor" --module none \
		--log "$tmp/$name.serial" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$pat" ] || grep -qE "$pat" "$tmp/$name.out"; }; then
		ok "$name (vm-run exit $rc, $((SECONDS - t0))s)"
		return 0
	fi
	not_ok "$name (vm-run exit $rc, wanted $want${pat:+, output matching /$pat/})"
	sed 's/^/# /' "$tmp/$name.out" | tail -40
	return 1
}

# ---- stage scripts ----
cat >"$tmp/common.sh" <<'EOF'
fail() { echo "selftest: FAIL: $*"; exit 1; }
# wait_for SECONDS CMD...: until CMD succeeds, or fail at the deadline
# (generous ones: the host may be busy, and the wait ends with the event).
wait_for() {
	end=$(($(cut -d. -f1 /proc/uptime) + $1)); shift
	until "$@"; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
		sleep 0.1
	done
}
dev=/sys/bus/pci/devices
EOF

cat >"$tmp/stage1.sh" <<'EOF'
echo "selftest: stage $PLU_STAGE, next $PLU_NEXT_STAGE, has_next $PLU_HAS_NEXT"
[ "$PLU_STAGE" = 1 ] && [ "$PLU_HAS_NEXT" = 1 ] || fail "stage env"
[ -f "$KERNEL" ] || fail "no KERNEL $KERNEL"
case " $NEXT_CMDLINE " in *" plu_stage=2 "*) ;; *) fail "NEXT_CMDLINE: $NEXT_CMDLINE" ;; esac
case " $(cat /proc/cmdline) " in *" liveupdate=on "*) ;; *) fail "no liveupdate=on" ;; esac
[ -c /dev/liveupdate ] || fail "no /dev/liveupdate (LUO off?)"
[ -d /sys/kernel/debug/kho ] || echo "selftest: note: no /sys/kernel/debug/kho"
# BDF vendor:device of default.args
while read -r bdf id; do
	[ -e "$dev/$bdf" ] || fail "missing $bdf"
	got=$(cat "$dev/$bdf/vendor"):$(cat "$dev/$bdf/device")
	[ "$got" = "$id" ] || fail "$bdf is $got, wanted $id"
done <<LIST
0000:00:02.0 0x8086:0x10d3
0000:00:03.0 0x1af4:0x1005
0000:00:04.0 0x1b36:0x000c
0000:01:00.0 0x1b36:0x0010
0000:00:05.0 0x1b36:0x000c
0000:02:00.0 0x1b36:0x0010
0000:00:06.0 0x1b36:0x000e
0000:03:01.0 0x1b36:0x0001
0000:04:01.0 0x1af4:0x1005
0000:00:07.0 0x1b36:0x000b
0000:40:00.0 0x1b36:0x000c
0000:41:00.0 0x8086:0x10d3
LIST
[ -e /sys/class/pci_bus/0000:40 ] || fail "no root bus 0000:40"
[ "$(readlink -f $dev/0000:41:00.0/..)" = "$(readlink -f $dev/0000:40:00.0)" ] ||
	fail "0000:41:00.0 is not below 0000:40:00.0"
echo "selftest: all topology BDFs present, root bus 0000:40 present"
# SR-IOV: the PF needs its driver (nvme probes asynchronously).
pf=$dev/0000:02:00.0
wait_for 300 test -e $pf/driver || fail "nvme did not bind 0000:02:00.0"
[ "$(cat $pf/sriov_totalvfs)" = 2 ] || fail "sriov_totalvfs $(cat $pf/sriov_totalvfs)"
echo 0 > $pf/sriov_drivers_autoprobe	# QEMU's VF controllers start offline
echo 2 > $pf/sriov_numvfs || fail "echo 2 > sriov_numvfs"
for vf in 0000:02:00.1 0000:02:00.2; do
	[ -e $dev/$vf/physfn ] || fail "VF $vf missing"
done
echo "selftest: VFs $(ls -d $dev/*/physfn | cut -d/ -f6 | tr '\n' ' ')enabled"
echo 0 > $pf/sriov_numvfs || fail "echo 0 > sriov_numvfs"
[ ! -e $dev/0000:02:00.1 ] || fail "VF still there"
plu-kexec
fail "plu-kexec returned"
EOF

cat >"$tmp/stage2.sh" <<'EOF'
[ "$PLU_STAGE" = 2 ] || fail "PLU_STAGE=$PLU_STAGE"
case " $(cat /proc/cmdline) " in *" plu_stage=2 "*) ;; *) fail "cmdline: $(cat /proc/cmdline)" ;; esac
[ -e $dev/0000:41:00.0 ] || fail "0000:41:00.0 gone after kexec"
plu-device-del nvme1 0000:01:00.0 || fail "device_del nvme1"
echo "selftest: nvme1 (0000:01:00.0) hot-unplugged"
plu-make-initrd --rebuild || fail "plu-make-initrd --rebuild"
kexec -s -l "$KERNEL" --initrd="$INITRD" --command-line="$NEXT_CMDLINE" && kexec -e
fail "kexec"
EOF

cat >"$tmp/stage3.sh" <<'EOF'
[ "$PLU_STAGE" = 3 ] && [ "$PLU_HAS_NEXT" = 0 ] || fail "stage env"
[ ! -e $dev/0000:01:00.0 ] || fail "0000:01:00.0 is back"
[ -e $dev/0000:02:00.0 ] || fail "0000:02:00.0 gone"
echo "selftest: stage 3 on a rebuilt initramfs"
EOF

printf 'echo "selftest: failing on purpose"\nexit 1\n' >"$tmp/exit1.sh"
printf 'echo "<3>BUG: selftest fake splat" > /dev/kmsg\n' >"$tmp/bug.sh"
printf 'echo "selftest: returning 0 with a stage 2 waiting"\n' >"$tmp/noexec.sh"
# A fake oops the way the kernel prints one (for --expect-oops), and the
# same followed by an unrelated splat.
cat >"$tmp/oops.sh" <<'EOF'
for l in "<1>selftest fake oops at here" "<4>Oops: selftest" "<4>Call Trace:" \
	"<4>---[ end trace 0000000000000000 ]---"; do echo "$l" >/dev/kmsg; done
EOF
{ cat "$tmp/oops.sh"; cat "$tmp/bug.sh"; } >"$tmp/oops-bug.sh"
printf 'exit 0\n' >"$tmp/true.sh"
cat >"$tmp/qmperr.sh" <<'EOF'
plu-host device_del no-such-device
# QMP answers in order: once nvme1 is gone, the bad request was answered.
plu-device-del nvme1 0000:01:00.0 || fail "device_del nvme1"
EOF
printf 'echo "selftest: hanging"\nexec sleep 100000\n' >"$tmp/hang.sh"
printf 'not an ELF module\n' >"$tmp/bogus.ko"
# Boot 2 with its TSC taken for 3/4 of its rate, as a starved calibration
# does (vm-run passes the host's rate as tsc_early_khz; the last one wins).
cat >"$tmp/tscskew.sh" <<'EOF'
khz=$(dmesg | sed -n 's/.*tsc: Detected \([0-9]*\)\.\([0-9][0-9][0-9]\) MHz processor.*/\1\2/p' | head -n 1)
[ -n "$khz" ] || fail "no 'tsc: Detected' line in dmesg"
NEXT_CMDLINE="$NEXT_CMDLINE tsc_early_khz=$((10#$khz * 3 / 4))" plu-kexec
fail "plu-kexec returned"
EOF
# ---- host-side checks ----
"$vmrun" --help >"$tmp/help" 2>&1 && grep -q docs/harness.md "$tmp/help" &&
	ok "vm-run.sh --help" || not_ok "vm-run.sh --help"
"$vmrun" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "no --stage1: usage error (exit 2)" || not_ok "no --stage1: exit $rc, wanted 2"
"$vmrun" --stage1 "$tmp/true.sh" --stage3 "$tmp/true.sh" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "stage gap: usage error (exit 2)" || not_ok "stage gap: exit $rc, wanted 2"
"$vmrun" --stage1 "$tmp/true.sh" --stage-timeout 0 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "--stage-timeout 0: usage error (exit 2)" || not_ok "--stage-timeout 0: exit $rc, wanted 2"

# ---- the vCPU probe, against a fake QEMU ----
# tests/vm/fake-qemu.py as qemu-system-x86_64: no guest, a console that
# goes silent, and vCPU states from PLU_FAKE_QEMU_STATES.  But for the
# deadline's, every case ends by an event (the fake exits after so many
# probes or console lines; a wedge is 3 probes), so the host's load only
# makes them slower; --timeout is the backstop should vm-run stop probing.
fakebin=$tmp/fake-bin fakek=$tmp/fake-kernel
mkdir -p "$fakebin/retry" "$fakek"
printf '#!/bin/sh\nexec python3 %s/tests/vm/fake-qemu.py "$@"\n' "$top" >"$fakebin/qemu-system-x86_64"
chmod +x "$fakebin/qemu-system-x86_64"
echo 'not a kernel' >"$fakek/bzImage"
# run_fake NAME EXPECTED_RC GREP_PATTERN VAR=VALUE... -- VM-RUN-ARGS...
run_fake() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	vm_env=("PATH=$fakebin:$PATH")
	while [ "$1" != -- ]; do vm_env+=("$1"); shift; done
	shift
	run_vm "$name" "$want" "$pat" --kernel-dir "$fakek" --probe-every 1 \
		--stage1 "$tmp/true.sh" "$@"
	rc=$?
	vm_env=()
	return "$rc"
}
run_fake probe-wedged 5 '^\[vm-run\] WEDGED: vCPU 0: halted with interrupts on and vector\(s\) 236 in service on 3 probes' \
	PLU_FAKE_QEMU_STATES=wedged -- --timeout 300
# Not a wedge (the fake exits, and vm-run reports the stage that never
# started): a vCPU wedged on every other probe only; one halted with
# interrupts off, or running with them on, and a vector in service; a
# wedged state while the console talks, or with a line during the third
# probe (the log grew: the console was not silent).
never_started='stage 1 \(true.sh\): FAIL \(never started\)'
run_fake probe-transient 1 "$never_started" \
	PLU_FAKE_QEMU_STATES=wedged,idle PLU_FAKE_QEMU_EXIT=8 -- --timeout 300
run_fake probe-halted-irqs-off 1 "$never_started" \
	PLU_FAKE_QEMU_STATES=irqoff PLU_FAKE_QEMU_EXIT=4 -- --timeout 300
run_fake probe-running 1 "$never_started" \
	PLU_FAKE_QEMU_STATES=running PLU_FAKE_QEMU_EXIT=4 -- --timeout 300
run_fake probe-console-talks 1 "$never_started" \
	PLU_FAKE_QEMU_STATES=wedged PLU_FAKE_QEMU_TICK=0.1 PLU_FAKE_QEMU_TICKS=60 -- --timeout 300
run_fake probe-line-while-probed 1 "$never_started" \
	PLU_FAKE_QEMU_STATES=wedged PLU_FAKE_QEMU_LINE_AT=3 PLU_FAKE_QEMU_EXIT=5 -- --timeout 300
# A line cut off by the wedge: a stage's failed RESULT still fails the
# run (exit 1, not run again); a host request is none (no QMP error that
# would fail it).
run_fake probe-cut-result 1 'stage 1 \(true.sh\): FAIL rc=1' PLU_FAKE_QEMU_STATES=wedged \
	PLU_FAKE_QEMU_CONSOLE='PLU-STAGE 1 START' PLU_FAKE_QEMU_PARTIAL='PLU-STAGE 1 RESULT rc=1' \
	-- --timeout 300
run_fake probe-cut-request 5 '^\[vm-run\] WEDGED: vCPU 0' PLU_FAKE_QEMU_STATES=wedged \
	PLU_FAKE_QEMU_PARTIAL='PLU-HOST device_del nvm' -- --timeout 300
# At a deadline, the report shows what the vCPUs were doing.
run_fake probe-at-timeout 3 '^\[vm-run\]   cpu 0: HLT=1 IF=1 ISR=- IRR=- PPR=0x00 RIP=' \
	PLU_FAKE_QEMU_STATES=idle -- --timeout 5
"$vmrun" --stage1 "$tmp/true.sh" --probe-every 0 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok "--probe-every 0: usage error (exit 2)" || not_ok "--probe-every 0: exit $rc, wanted 2"
# plu_vm_run_retry (scripts/common.sh) runs a wedged run again, and does
# not run again one in which a stage failed before the wedge.  The fake's
# first run wedges; later ones pass stage 1 and exit.
{
	echo '#!/bin/sh'
	echo "runs=$tmp/retry-runs"
	echo 'n=$(($(cat "$runs" 2>/dev/null || echo 0) + 1)); echo "$n" >"$runs"'
	echo '[ "$n" -ge 2 ] && export PLU_FAKE_QEMU_CONSOLE="$PLU_FAKE_QEMU_PASS" PLU_FAKE_QEMU_EXIT=0'
	echo "exec $fakebin/qemu-system-x86_64 \"\$@\""
} >"$fakebin/retry/qemu-system-x86_64"
chmod +x "$fakebin/retry/qemu-system-x86_64"
# retry_case NAME CONSOLE_OF_RUN_1: plu_vm_run_retry's status, and the runs.
retry_case() {
	rm -f "$tmp/retry-runs"
	(
		. "$top/scripts/common.sh"
		TMPDIR=$tmp PATH=$fakebin/retry:$PATH PLU_FAKE_QEMU_STATES=wedged PLU_FAKE_QEMU_CONSOLE=$2 \
		PLU_FAKE_QEMU_PASS='PLU-STAGE 1 START;PLU-STAGE 1 RESULT rc=0' \
			plu_vm_run_retry "$tmp/$1" --kernel-dir "$fakek" --module none \
			--probe-every 1 --timeout 300 --log "$tmp/$1.serial" --stage1 "$tmp/true.sh"
	) >"$tmp/$1.out" 2>&1
	echo "$? $(cat "$tmp/retry-runs" 2>/dev/null)"
}
r=$(retry_case retry-wedged '')
if [ "$r" = "0 2" ] && grep -q 'attempt 1: QEMU wedged a vCPU' "$tmp/retry-wedged.out"; then
	ok "plu_vm_run_retry: a wedged run is run again, and passes"
else
	not_ok "plu_vm_run_retry: a wedged run: status and runs '$r', wanted '0 2'"
	tail -20 "$tmp/retry-wedged.out" | sed 's/^/# /'
fi
r=$(retry_case retry-guest-failed 'PLU-STAGE 1 START;PLU-STAGE 1 RESULT rc=1')
if [ "$r" = "1 1" ] && grep -q 'stage 1 (true.sh): FAIL rc=1' "$tmp/retry-guest-failed.out"; then
	ok "plu_vm_run_retry: a stage failed, then a wedge: exit 1, not run again"
else
	not_ok "plu_vm_run_retry: a stage failed, then a wedge: status and runs '$r', wanted '1 1'"
	tail -20 "$tmp/retry-guest-failed.out" | sed 's/^/# /'
fi

kdir=$("$top/scripts/build-kernel.sh" --flavor "$flavor") || { not_ok "kernel build"; kdir=''; }
if [ -n "$kdir" ]; then
	for i in 1 2; do
		"$top/scripts/mkinitramfs.sh" --kernel "$kdir/bzImage" --out "$tmp/i$i.gz" \
			--bin "$(command -v kexec)" --stage "1:$tmp/stage1.sh" 2>/dev/null
	done
	cmp -s "$tmp/i1.gz" "$tmp/i2.gz" && [ -s "$tmp/i1.gz" ] &&
		ok "mkinitramfs.sh output is reproducible" || not_ok "mkinitramfs.sh output differs between runs"
fi

# ---- VM runs ----
# Every stage script starts with the helpers of common.sh.
for f in "$tmp"/*.sh; do
	[ "$f" = "$tmp/common.sh" ] && continue
	{ echo '#!/bin/sh'; cat "$tmp/common.sh" "$f"; } >"$f.new" && mv "$f.new" "$f"
done

run_vm default-3-stages 0 'PASS: 3 stage' --topology default \
	--stage1 "$tmp/stage1.sh" --stage2 "$tmp/stage2.sh" --stage3 "$tmp/stage3.sh"
grep -E 'stage [0-9] \(|PASS|host:' "$tmp/default-3-stages.out" | sed 's/^/# /'
grep -qE 'event DEVICE_DELETED nvme1' "$tmp/default-3-stages.out" &&
	ok "QEMU reported DEVICE_DELETED nvme1" || not_ok "no DEVICE_DELETED nvme1 event"

if [ "$quick" = 0 ]; then
	run_vm stage-exit-1 1 'stage 1 \(exit1.sh\): FAIL rc=1' --topology minimal --stage1 "$tmp/exit1.sh"
	run_vm kernel-log-BUG 1 'BUG: selftest fake splat' --topology minimal --stage1 "$tmp/bug.sh"
	run_vm expected-oops 0 'PASS: 1 stage' --topology minimal \
		--expect-oops 'selftest fake oops at' --stage1 "$tmp/oops.sh"
	run_vm expected-oops-missing 1 'wanted one oops matching /selftest fake oops at/' \
		--topology minimal --expect-oops 'selftest fake oops at' --stage1 "$tmp/true.sh"
	run_vm expected-oops-and-BUG 1 'BUG: selftest fake splat' --topology minimal \
		--expect-oops 'selftest fake oops at' --stage1 "$tmp/oops-bug.sh"
	run_vm returned-without-kexec 1 'returned without kexec' --topology minimal \
		--stage1 "$tmp/noexec.sh" --stage2 "$tmp/true.sh"
	run_vm tsc-skew 1 'boot 2: the guest took its TSC for [0-9.]+ MHz, (the host.s|boot 1.s) is' \
		--topology minimal --stage1 "$tmp/tscskew.sh" --stage2 "$tmp/true.sh"
	run_vm qmp-error 1 'error device_del no-such-device' --topology minimal --stage1 "$tmp/qmperr.sh"
	run_vm insmod-failure 1 'insmod pci_liveupdate.ko failed' --topology minimal \
		--stage1 "$tmp/true.sh" --module "$tmp/bogus.ko"
	# The hang is bounded by the stage's own deadline, which starts at its
	# START marker, so how long the boot takes (a busy host) does not
	# matter; the whole run's --timeout only bounds this case should
	# vm-run stop enforcing --stage-timeout (it then fails, with exit 3
	# but no stage TIMEOUT line).
	run_vm timeout 3 'stage 1 \(hang.sh\): FAIL \(no result\), started' \
		--topology minimal --stage-timeout 10 --timeout 600 --stage1 "$tmp/hang.sh"
	line=$(grep -E '^\[vm-run\] TIMEOUT in stage 1 \(hang.sh\) after 10s' "$tmp/timeout.out")
	if [ -z "$line" ]; then
		not_ok "timeout: no 'TIMEOUT in stage 1' line in the vm-run output"
	elif [[ $line =~ started\ \+([0-9.]+)s,\ QEMU\ killed\ \+([0-9.]+)s ]] &&
	     awk -v a="${BASH_REMATCH[1]}" -v b="${BASH_REMATCH[2]}" 'BEGIN { exit !(b - a >= 9.95) }'; then
		ok "timeout: vm-run reports the stage TIMEOUT, 10s or more after the stage started"
	else
		not_ok "timeout: the stage was not given its 10s from its start: $line"
	fi
fi

echo "# harness self-test took $((SECONDS - t_start))s"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
