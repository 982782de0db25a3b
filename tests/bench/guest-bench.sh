# SPDX-License-Identifier: GPL-2.0
# In-guest part of scripts/bench.sh: the same file is every stage, 1 to
# H+2 for H = L*R kexec hops (a ladder of L set sizes, R rounds); PLU_STAGE
# says which.  Results go to the second serial port through plu-lib.sh as
# "@@NAME rc=RC@@ TEXT" lines, which tests/bench/bench_report.py reads.
#
# Kernel command line (set by bench.sh, carried across hops):
#   plu_bench_ladder=1,4,16,64,max   set sizes N; "max" = every endpoint
#                                    but the spare; larger sizes become max
#   plu_bench_iters=K,B              ioctl_bench -k K -b B
#   plu_bench_rounds=R               go through the ladder of hops R times
#
# Endpoints are the PCI functions that are neither bridges nor VFs nor
# SR-IOV PFs, in address order.  The first is the spare that ioctl_bench
# marks and unmarks; the set of size N is the next N.  The SR-IOV PFs
# (topology many: two NVMe PFs) are the SR-IOV case, in stage 1 only.
#
# Stage 1: reload the module with fault_inject=1 (for the debugfs freeze
#   trigger; LUO keeps a reference to the module after a retrieve, so this
#   is only possible before any); ioctl_bench measures every size of the
#   ladder, in turns (ioctl latency idle and preserved; the freeze callback
#   and preserve/unpreserve, sampled); then the SR-IOV case: every SR-IOV
#   PF gets its VFs enabled (up to 16, sriov_drivers_autoprobe off), and
#   ioctl_bench -V measures freeze with the PFs marked --with-vfs with 1
#   VF each and with all of them (it sets sriov_numvfs between the two),
#   and marked plainly, in turns, and the image's record count each way
#   (VFs disabled again after); then for each N, one
#   "pci-liveupdate kexec --no-reboot" (a preserve + unpreserve the way
#   users do it) and its timings.  Then a plain kexec with nothing
#   preserved, so that no later kernel has run the freeze code before its
#   real reboot.
# Stage j+1 (hop j = 1..H): retrieve + finish the set of hop j-1 (j > 1)
#   and record its retrieve/finish timings and count; mark the size
#   ((j-1) mod L)+1 of the ladder and live-update.  The reboot prints the
#   freeze callback's "outgoing set frozen: D devices in T ns" on the
#   console after a "PLU-BENCH hop" marker; the code runs cold in every
#   hop alike (under TCG that includes translating it).
# Stage H+2: retrieve + finish the last set, record, return.
. /usr/bin/plu-lib.sh

DBG=/sys/kernel/debug/pci_liveupdate
EPS=/tmp/bench-endpoints
PFS=/tmp/bench-sriov-pfs
SRIOV_VFS=16		# VFs asked of each SR-IOV PF (fewer if it has fewer)
SRIOV_VFS_LO=1		# the few-VF side of the flatness comparison

bench_fail() {
	echo "guest-bench stage $PLU_STAGE: $*" >&2
	plu_note error "stage $PLU_STAGE: $*"
	exit 1
}

ladder=1,4,16,64,max
iters=20,31
rounds=1
for w in $(cat /proc/cmdline); do
	case $w in
	plu_bench_ladder=*) ladder=${w#plu_bench_ladder=} ;;
	plu_bench_iters=*) iters=${w#plu_bench_iters=} ;;
	plu_bench_rounds=*) rounds=${w#plu_bench_rounds=} ;;
	esac
done
case $rounds in ''|0|*[!0-9]*) rounds=1 ;; esac
IFS=, read -r K B <<EOF
$iters
EOF

# Endpoints, one a line, without forking per device (busybox under TCG
# forks slowly and there are ~200 of them).
: >"$EPS"
: >"$PFS"
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/physfn" ] && continue
	read -r class <"$d/class" || continue
	case $class in 0x0604*|0x0600*) continue ;; esac
	if [ -e "$d/sriov_totalvfs" ]; then
		echo "${d##*/}" >>"$PFS"
		continue
	fi
	echo "${d##*/}" >>"$EPS"
done
nep=$(wc -l <"$EPS")
max=$((nep - 1))
[ "$max" -ge 1 ] || bench_fail "fewer than 2 endpoints"
read -r spare <"$EPS"

# The ladder as set sizes, "max" resolved, larger ones cut to max (the
# host counts on one hop per entry: a small topology repeats sizes).
sizes=
for n in $(echo "$ladder" | tr , ' '); do
	[ "$n" = max ] && n=$max
	case $n in ''|*[!0-9]*|0) bench_fail "bad ladder entry '$n'" ;; esac
	[ "$n" -le "$max" ] || n=$max
	sizes="$sizes $n"
done
# shellcheck disable=SC2086 # one word per size
set -- $sizes
nsizes=$#
[ "$nsizes" -ge 1 ] || bench_fail "empty ladder"
nhops=$((nsizes * rounds))

# size_of HOP SIZE...: the set size hop HOP (1-based) carries.
size_of() {
	i=$(( ($1 - 1) % nsizes + 1 ))
	shift
	eval "echo \${$i}"
}

# devices FROM TO: endpoints FROM..TO of the set (1-based; the spare is
# line 1 of $EPS, so set member i is line i+1).
devices() {
	sed -n "$(($1 + 1)),$(($2 + 1))p" "$EPS"
}

status_field() {	# NAME: a field of "pci-liveupdate status --json"
	pci-liveupdate status --json | tr -d ' \n' |
		sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

timings() {
	tr '\n' ' ' <"$DBG/timings"
}

# mark_to N: grow the marked set from its current size to N.
marked=0
mark_to() {
	[ "$1" -gt "$marked" ] || return 0
	# shellcheck disable=SC2046 # one argument per BDF
	out=$(pci-liveupdate mark $(devices $((marked + 1)) "$1") 2>&1) ||
		bench_fail "mark of devices $((marked + 1))..$1 failed: $out"
	marked=$1
	[ "$(status_field marked)" = "$1" ] || bench_fail "STATUS marked is not $1"
}

# sriov_case: stage 1's SR-IOV case (see the top), on the PFs in $PFS.
sriov_case() {
	pfs=$(tr '\n' ' ' <"$PFS")
	if [ -z "$pfs" ]; then
		plu_note sriov_topology "pfs=0 vfs=0"
		return 0
	fi
	hi=$SRIOV_VFS
	for pf in $pfs; do
		read -r total <"/sys/bus/pci/devices/$pf/sriov_totalvfs"
		[ "$total" -ge "$hi" ] || hi=$total
	done
	[ "$hi" -gt "$SRIOV_VFS_LO" ] ||
		bench_fail "SR-IOV PFs allow $hi VFs: not more than $SRIOV_VFS_LO"
	vfs=0
	for pf in $pfs; do
		P=/sys/bus/pci/devices/$pf
		# sriov_numvfs needs the PF's driver (nvme probes asynchronously).
		plu_wait_driver "$pf" nvme 300 || bench_fail "SR-IOV PF $pf: no nvme driver after 300 s"
		want=$hi
		if ! echo 0 >"$P/sriov_drivers_autoprobe" ||
			! echo "$want" >"$P/sriov_numvfs"; then
			bench_fail "SR-IOV PF $pf: cannot enable $want VFs"
		fi
		read -r got <"$P/sriov_numvfs"
		[ "$got" = "$want" ] || bench_fail "SR-IOV PF $pf: $got VFs enabled, not $want"
		vfs=$((vfs + want))
	done
	npf=$(wc -l <"$PFS")
	plu_note sriov_topology "pfs=$npf vfs=$vfs vfs_lo=$((npf * SRIOV_VFS_LO)) pf_list=$(tr '\n' , <"$PFS" | sed 's/,$//')"
	plu_note sriov_header "$(ioctl_bench -H -V)"
	# shellcheck disable=SC2086 # one argument per BDF
	rows=$(ioctl_bench -k "$K" -b "$B" -s bench-sriov -V -c "$SRIOV_VFS_LO,$hi" \
		"$spare" $pfs \
		2>/tmp/ioctl_bench.err) ||
		bench_fail "ioctl_bench -V failed: $(tail -n 2 /tmp/ioctl_bench.err | tr '\n' ' ')"
	for row in $rows; do
		plu_note sriov "$row"
	done
	[ "$(status_field marked)" = 0 ] || bench_fail "ioctl_bench -V left devices marked"
	for pf in $pfs; do
		echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs" ||
			bench_fail "SR-IOV PF $pf: cannot disable its VFs"
	done
}

# Uptime at the start of the stage: boot time of the hop, guest clock.
read -r up _ </proc/uptime
plu_note boot "stage=$PLU_STAGE uptime=$up endpoints=$nep"

if [ "$PLU_STAGE" = 1 ]; then
	if ! rmmod pci_liveupdate ||
		! insmod /lib/modules/pci_liveupdate.ko fault_inject=1; then
		bench_fail "cannot reload pci_liveupdate with fault_inject=1"
	fi
	[ -e "$DBG/fault" ] || bench_fail "no $DBG/fault after the reload"
	plu_note topology "endpoints=$nep spare=$spare sizes=$(echo "$*" | tr ' ' ,) rounds=$rounds iters=$K batches=$B"
	plu_note ioctl_header "$(ioctl_bench -H)"
	# shellcheck disable=SC2046 # one argument per BDF
	rows=$(ioctl_bench -k "$K" -b "$B" -s bench-ioctl -n "$(echo "$*" | tr ' ' ,)" \
		"$spare" $(devices 1 "$max") 2>/tmp/ioctl_bench.err) ||
		bench_fail "ioctl_bench failed: $(tail -n 2 /tmp/ioctl_bench.err | tr '\n' ' ')"
	for row in $rows; do
		plu_note ioctl "$row"
	done
	[ "$(status_field marked)" = 0 ] || bench_fail "ioctl_bench left devices marked"
	sriov_case
	plu-make-initrd || bench_fail "plu-make-initrd failed"
	for n in "$@"; do
		mark_to "$n"
		out=$(pci-liveupdate kexec --no-reboot --session "bench-nr$n" --kernel "$KERNEL" \
			--initrd "$INITRD" --append "$NEXT_CMDLINE" 2>&1) ||
			bench_fail "kexec --no-reboot at N=$n failed: $(echo "$out" | tail -n 3)"
		kho=$(echo "$out" | sed -n 's/.* \([0-9][0-9]*\) bytes of KHO memory.*/\1/p' | tail -n 1)
		plu_note noreboot "n=$n tracked=$(status_field outgoing) kho_bytes=${kho:-0} $(timings)"
	done
	plu-kexec
	bench_fail "plu-kexec returned"
fi

hop=$((PLU_STAGE - 1))
if [ "$hop" -gt 1 ]; then
	prev=$(size_of $((hop - 1)) "$@")
	want=$(status_field incoming)
	st=$(status_field incoming_state)
	out=$(pci-liveupdate retrieve --session "bench-hop$((hop - 1))" --finish 2>&1) ||
		bench_fail "retrieve of bench-hop$((hop - 1)) failed: $(echo "$out" | tail -n 3)"
	plu_note retrieve "hop=$((hop - 1)) n=$prev incoming=$want state_before=$st state_after=$(status_field incoming_state) $(timings)"
fi

if [ "$hop" -le "$nhops" ]; then
	n=$(size_of "$hop" "$@")
	mark_to "$n"
	plu-make-initrd || bench_fail "plu-make-initrd failed"
	tracked=$(status_field outgoing)
	plu_note hop "hop=$hop n=$n tracked=$tracked"
	plu-mark "PLU-BENCH hop $hop n=$n tracked=$tracked"
	pci-liveupdate kexec --session "bench-hop$hop" --kernel "$KERNEL" \
		--initrd "$INITRD" --append "$NEXT_CMDLINE"
	bench_fail "pci-liveupdate kexec returned"
fi
[ "$hop" = $((nhops + 1)) ] || bench_fail "stage $PLU_STAGE is past the ladder ($nhops hops)"
plu_note complete "stages=$PLU_STAGE"
exit 0
