#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/cli/preflight-test.sh - host tests of "pci-liveupdate check" and of
# the refusal of "pci-liveupdate kexec" (tools/preflight*.c, initramfs.c).
#
# Each test builds a fake system under a scratch directory and points the
# CLI at it with PLU_ROOT: /lib/modules, /boot, /proc/cmdline, /sys and
# /dev/pci_liveupdate are read below it.  The pieces are made here, no
# kernel needed:
#   - a bzImage that is only an x86 setup header ("HdrS", kernel_version
#     pointing at "REL (test@host) #1 SMP ...");
#   - pci_liveupdate.ko: an empty ELF object with a .modinfo section
#     (plu_wire_version, srcversion), plain, .ko.zst or .ko.xz;
#   - initramfs images: an uncompressed early cpio (microcode) followed by
#     a compressed main cpio (or the main one alone), with or without the
#     module (its modinfo fields, its compression) and what loads it;
#   - /boot/config-REL, /proc/cmdline, and the running module's sysfs files
#     (/sys/module/pci_liveupdate/srcversion matching the module file of the
#     running release, /sys/class/misc/pci_liveupdate/counts and
#     luo_ready).
# Every refusal is asserted as its exact line, and so is its going away
# once the fake system is fixed.  kexec runs with --dry-run, which stops
# before anything is changed; "kexec --systemctl" asks a fake systemctl put
# first in PATH whether pci-liveupdate.service is active.  The initramfs tests run with the built-in
# cpio reader and, when lsinitramfs is found (PATH, or PLU_TEST_LSINITRAMFS),
# with lsinitramfs too.
#
# CLI: $PLU_CLI (default tools/pci-liveupdate, built by "make tools").
# Output: "ok N - ..." / "not ok N - ..." lines, then "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
top=$PWD

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
note() { echo "# $*"; }
finish() {
	echo "$passed passed, $failed failed"
	if [ "$failed" -eq 0 ] && [ "${PLU_KEEP:-0}" != 1 ]; then
		rm -rf "$work"
	else
		note "scratch directory kept: $work"
	fi
}

CLI=${PLU_CLI:-$top/tools/pci-liveupdate}
work=$(mktemp -d "${TMPDIR:-/tmp}/plu-preflight-test.XXXXXX")
trap finish EXIT
if [ ! -x "$CLI" ]; then
	not_ok "the CLI $CLI exists (make tools)"
	exit 1
fi
for tool in python3 cpio gzip xz objcopy as; do
	command -v "$tool" >/dev/null || { not_ok "$tool is installed"; exit 1; }
done

# A compressed module: .ko.zst as Debian's kernels have them, .ko.xz
# without zstd.
ZKO=zst
command -v zstd >/dev/null || { ZKO=xz; note "no zstd: .ko.xz instead of .ko.zst"; }
REL=7.3.99-plu-test		# the target kernel
OTHER=7.3.98-plu-other		# another release
RUN=$(uname -r)			# the running one
ROOT=$work/root
export PLU_ROOT=$ROOT PLU_LSINITRAMFS=

# --- building blocks -------------------------------------------------------

# mkbz FILE RELEASE - a bzImage that is only its setup header
mkbz() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
img = bytearray(8 * 512)            # boot sector + 7 setup sectors
img[0x1f1] = 7                      # setup_sects
img[0x1fe:0x200] = b"\x55\xaa"
img[0x202:0x206] = b"HdrS"
struct.pack_into("<H", img, 0x206, 0x020f)   # boot protocol 2.15
ver = (sys.argv[2] + " (test@host) #1 SMP PREEMPT_DYNAMIC").encode() + b"\0"
struct.pack_into("<H", img, 0x20e, 0x600)    # string at 0x600 + 0x200
img[0x800:0x800 + len(ver)] = ver
open(sys.argv[1], "wb").write(bytes(img))
EOF
}

# mkko FILE [KEY=VALUE]... - an ELF object whose .modinfo holds the fields
mkko() {
	local f=$1 kv
	shift
	: >"$work/modinfo"
	for kv in "$@" name=pci_liveupdate; do
		printf '%s\0' "$kv" >>"$work/modinfo"
	done
	[ -f "$work/empty.o" ] || as /dev/null -o "$work/empty.o"
	mkdir -p "$(dirname "$f")"
	case $f in
	*.zst) objcopy --add-section .modinfo="$work/modinfo" \
		--set-section-flags .modinfo=alloc,readonly "$work/empty.o" "$f.tmp" &&
		zstd -q --rm "$f.tmp" -o "$f" ;;
	*.xz) objcopy --add-section .modinfo="$work/modinfo" \
		--set-section-flags .modinfo=alloc,readonly "$work/empty.o" "$f.tmp" &&
		xz -c "$f.tmp" >"$f" && rm -f "$f.tmp" ;;
	*.gz) objcopy --add-section .modinfo="$work/modinfo" \
		--set-section-flags .modinfo=alloc,readonly "$work/empty.o" "$f.tmp" &&
		gzip -c "$f.tmp" >"$f" && rm -f "$f.tmp" ;;
	*) objcopy --add-section .modinfo="$work/modinfo" \
		--set-section-flags .modinfo=alloc,readonly "$work/empty.o" "$f" ;;
	esac
}

# The module in the image: its modinfo fields (by default those of the
# module good_root puts on disk) and its compression (IKO_EXT: "", .zst,
# .xz, .gz).  EARLY=0 leaves the early cpio out.
IKO_GOOD=(plu_wire_version=2 srcversion=TARGETSRC "vermagic=$REL SMP preempt mod_unload modversions")
IKO=("${IKO_GOOD[@]}") IKO_EXT= EARLY=1

# mkinitrd FILE COMPRESSOR SPEC... - early microcode cpio + compressed main.
# SPEC: "module" (lib/modules/REL/updates/dkms/pci_liveupdate.ko$IKO_EXT
# with the fields in IKO), "badko" (that file is no ELF object),
# "module:RELEASE", "conf" (conf/modules names it), "conf-other" (it
# names another module), "script" (scripts/init-top/plu modprobes it),
# "load.d" (etc/modules-load.d/plu.conf), "cmdline.d" (dracut's
# rd.driver.pre=), "systemd" (usr/lib/systemd/systemd, the image's
# init), "usr" (the module under usr/lib/modules).
mkinitrd() {
	local f=$1 comp=$2 spec d early
	shift 2
	d=$work/initrd.d
	early=$work/early.d
	rm -rf "$d" "$early"
	mkdir -p "$d/conf" "$d/scripts/init-top" "$d/bin" \
		"$early/kernel/x86/microcode"
	echo microcode >"$early/kernel/x86/microcode/GenuineIntel.bin"
	echo '#!/bin/sh' >"$d/init"
	echo "# comment: modprobe pci_liveupdate would be here" >"$d/scripts/init-top/other"
	printf 'virtio_pci\n' >"$d/conf/modules.host"
	for spec in "$@"; do
		case $spec in
		module) mkko "$d/lib/modules/$REL/updates/dkms/pci_liveupdate.ko$IKO_EXT" "${IKO[@]}" ;;
		badko) mkdir -p "$d/lib/modules/$REL/updates/dkms"
			echo "not an ELF object" >"$d/lib/modules/$REL/updates/dkms/pci_liveupdate.ko" ;;
		module:*) mkko "$d/lib/modules/${spec#module:}/updates/dkms/pci_liveupdate.ko" ;;
		usr) mkko "$d/usr/lib/modules/$REL/updates/dkms/pci_liveupdate.ko" "${IKO[@]}" ;;
		conf) printf '# modules\nvirtio_pci\npci_liveupdate\n' >"$d/conf/modules" ;;
		conf-other) printf 'virtio_pci\n# pci_liveupdate\n' >"$d/conf/modules" ;;
		script) printf '#!/bin/sh\nPREREQ=""\nmodprobe -q pci_liveupdate || true\n' \
			>"$d/scripts/init-top/plu" ;;
		load.d) mkdir -p "$d/etc/modules-load.d"
			printf '; dracut\npci-liveupdate\n' >"$d/etc/modules-load.d/plu.conf" ;;
		cmdline.d) mkdir -p "$d/etc/cmdline.d"
			echo 'rd.driver.pre=virtio_pci,pci_liveupdate' >"$d/etc/cmdline.d/20-force_drivers.conf" ;;
		systemd) mkdir -p "$d/usr/lib/systemd"
			echo ELF >"$d/usr/lib/systemd/systemd" ;;
		esac
	done
	: >"$f"
	[ "$EARLY" = 0 ] ||
		(cd "$early" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$f"
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		case $comp in
		gzip) gzip -9 ;;
		zstd) zstd -q -19 ;;
		xz) xz --check=crc32 ;;
		lz4) lz4 -l -q ;;
		none) cat ;;
		esac >>"$f"
}

# good_root - a system on which a live update into REL keeps the set
good_root() {
	rm -rf "$ROOT"
	mkdir -p "$ROOT/boot" "$ROOT/proc" "$ROOT/lib/modules/$REL" \
		"$ROOT/sys/module/pci_liveupdate" "$ROOT/sys/class/misc/pci_liveupdate"
	mkbz "$ROOT/boot/vmlinuz-$REL" "$REL"
	printf 'CONFIG_KEXEC_HANDOVER=y\nCONFIG_LIVEUPDATE=y\n# CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT is not set\n' \
		>"$ROOT/boot/config-$REL"
	mkko "$ROOT/lib/modules/$REL/updates/dkms/pci_liveupdate.ko" \
		plu_wire_version=2 srcversion=TARGETSRC
	echo "updates/dkms/pci_liveupdate.ko:" >"$ROOT/lib/modules/$REL/modules.dep"
	mkinitrd "$ROOT/boot/initrd.img-$REL" gzip module conf
	echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro liveupdate=on kho=on" >"$ROOT/proc/cmdline"
	# The running module: loaded (sysfs), its file is that of the running
	# release (same srcversion), two devices marked.
	echo RUNNINGSRC >"$ROOT/sys/module/pci_liveupdate/srcversion"
	echo "marked 2 outgoing 5 removed 0 incoming 0" >"$ROOT/sys/class/misc/pci_liveupdate/counts"
	echo 1 >"$ROOT/sys/class/misc/pci_liveupdate/luo_ready"
	mkko "$ROOT/lib/modules/$RUN/updates/dkms/pci_liveupdate.ko" \
		plu_wire_version=2 srcversion=RUNNINGSRC
	echo "updates/dkms/pci_liveupdate.ko:" >"$ROOT/lib/modules/$RUN/modules.dep"
}

# --- assertions ------------------------------------------------------------

BZ=$ROOT/boot/vmlinuz-$REL
INITRD=$ROOT/boot/initrd.img-$REL

# check ARGS... - run "pci-liveupdate check --kernel BZ ARGS..."; $out, $rc
check() {
	out=$("$CLI" check --kernel "$BZ" "$@" 2>&1)
	rc=$?
}
# kexec ARGS... - a dry-run kexec into BZ with the good initrd and cmdline
kexec_dry() {
	out=$("$CLI" kexec --dry-run --session plu-test --kernel "$BZ" "$@" 2>&1)
	rc=$?
}
# kexec_sd ARGS... - the same with --systemctl, the fake systemctl in PATH
kexec_sd() {
	out=$(PATH="$work/sd:$PATH" "$CLI" kexec --dry-run --systemctl --kernel "$BZ" "$@" 2>&1)
	rc=$?
}
# fake_systemctl RC [ACTIVE SUB NFDS]: a systemctl that logs its arguments,
# prints "systemctl show"'s lines for pci-liveupdate.service and exits RC.
fake_systemctl() {
	mkdir -p "$work/sd"
	{
		printf '#!/bin/sh\necho "$*" >>"%s/systemctl.log"\n' "$work"
		[ $# -lt 4 ] ||
			printf 'printf "ActiveState=%s\\nSubState=%s\\nNFileDescriptorStore=%s\\n"\n' "$2" "$3" "$4"
		printf 'exit %s\n' "$1"
	} >"$work/sd/systemctl"
	chmod +x "$work/sd/systemctl"
	: >"$work/systemctl.log"
}
show() { echo "$out" | sed 's/^/#   /'; }
# has DESC LINE - the last output has exactly this line
has() {
	if grep -qxF -- "$2" <<<"$out"; then ok "$1"; else not_ok "$1"; echo "#   expected: $2"; show; fi
}
# lacks DESC LINE - ... and not this one
lacks() {
	if grep -qxF -- "$2" <<<"$out"; then not_ok "$1"; echo "#   unexpected: $2"; show; else ok "$1"; fi
}
# lacks_re DESC REGEX
lacks_re() {
	if grep -qE -- "$2" <<<"$out"; then not_ok "$1"; echo "#   unexpected: /$2/"; show; else ok "$1"; fi
}
status() {
	if [ "$rc" = "$2" ]; then ok "$1"; else not_ok "$1 (exit status $rc, not $2)"; show; fi
}
# usage_error DESC LINE - exit status 2 (cmd_usage) and this line
usage_error() {
	if [ "$rc" = 2 ] && grep -qxF -- "$2" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1 (exit status $rc)"; echo "#   expected: $2"; show
	fi
}
# has_lacks_re DESC LINE REGEX - this line, and no line matching REGEX
has_lacks_re() {
	if ! grep -qxF -- "$2" <<<"$out"; then
		not_ok "$1"; echo "#   expected: $2"; show
	elif grep -qE -- "$3" <<<"$out"; then
		not_ok "$1"; echo "#   unexpected: /$3/"; show
	else
		ok "$1"
	fi
}
# systemctl_called DESC ARGS - the fake systemctl ran once, with ARGS
systemctl_called() {
	if [ "$(cat "$work/systemctl.log")" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1"; echo "#   expected: systemctl $2"; sed 's/^/#   ran: systemctl /' "$work/systemctl.log"
	fi
}

# --- the good system -------------------------------------------------------

good_root
check
status "check: a good system passes (exit 0)" 0
has "check: the release comes from the bzImage's setup header" "ok: kernel $BZ: release $REL"
has "check: config has LUO" "ok: /boot/config-$REL has CONFIG_LIVEUPDATE=y"
has "check: liveupdate=on found in /proc/cmdline" "ok: the next command line has liveupdate=on"
has "check: kho=on found in /proc/cmdline" "ok: the next command line has kho=on"
has "check: the module found through modules.dep" "ok: module /lib/modules/$REL/updates/dkms/pci_liveupdate.ko"
has "check: the default initramfs loads it (conf/modules)" \
	"ok: initramfs /boot/initrd.img-$REL loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko early (conf/modules)"
has "check: says it read the image itself" \
	"ok: initramfs /boot/initrd.img-$REL: read by the built-in cpio reader (no lsinitramfs)"
has "check: running wire version from the matching module file" \
	"ok: wire version: the running module writes version 2, the module of $REL reads version 2"
has "check: the wire version of the initramfs's module" \
	"ok: wire version: the running module writes version 2, the module in initramfs /boot/initrd.img-$REL reads version 2"
has "check: marked devices counted from sysfs" "ok: 2 devices marked"
has "check: summary line" "0 failed, 0 warnings: kexec would go ahead"
lacks_re "check: a good system has no warn:/fail: line" '^(warn|fail):'

check --json
status "check --json: exit 0" 0
cat >"$work/check_json.py" <<'EOF'
import json, sys
d = json.load(sys.stdin)
rel = sys.argv[1]
assert d["release"] == rel, d["release"]
assert d["module"] == "/lib/modules/%s/updates/dkms/pci_liveupdate.ko" % rel
assert d["initrd"] == "/boot/initrd.img-%s" % rel
assert d["wire_version"] == {"running": 2, "target": 2, "initramfs": 2}, d["wire_version"]
assert d["marked"] == 2 and d["failures"] == 0 and d["warnings"] == 0
assert all(c["result"] == "ok" for c in d["checks"]), d["checks"]
assert {c["check"] for c in d["checks"]} >= {"kernel", "config", "cmdline", "module", "initramfs", "wire", "marked"}
EOF
if python3 "$work/check_json.py" "$REL" <<<"$out" 2>"$work/json.err"; then
	ok "check --json: one document with release, module, initrd, wire versions and checks"
else
	not_ok "check --json: one document with release, module, initrd, wire versions and checks"
	sed 's/^/#   /' "$work/json.err"; show
fi

kexec_dry --initrd "$INITRD" --append "root=/dev/vda1 liveupdate=on kho=on"
status "kexec --dry-run: a good system goes ahead (exit 0)" 0
has "kexec --dry-run: stops before the session" \
	"dry run: would preserve /dev/pci_liveupdate in LUO session 'plu-test', load $BZ and initrd $INITRD with command line \"root=/dev/vda1 liveupdate=on kho=on\" and reboot into it"
has "kexec --dry-run: preflight summary" "preflight: 0 failed, 0 warnings"

# --- the target kernel -----------------------------------------------------

good_root
head -c 4096 /dev/zero >"$work/not-a-bzimage"
out=$("$CLI" check --kernel "$work/not-a-bzimage" 2>&1); rc=$?
status "check: an image without HdrS fails" 1
has "check: an image without HdrS is named" \
	"fail: kernel $work/not-a-bzimage: not an x86 bzImage (no HdrS signature at 0x202); the checks that need its release are skipped"
lacks_re "check: ... and nothing is looked up for a release" '/lib/modules/|/boot/config'
check
lacks_re "check: a real bzImage header: no kernel failure" '^fail: kernel'

# --- the module ------------------------------------------------------------

good_root
rm -r "$ROOT/lib/modules/$REL/updates"
: >"$ROOT/lib/modules/$REL/modules.dep"
check
status "check: no module for REL fails" 1
has "check: no module for REL is named" \
	"fail: no pci_liveupdate.ko for $REL under /lib/modules/$REL (DKMS has not built it: dkms autoinstall -k $REL)"
mkko "$ROOT/lib/modules/$REL/updates/dkms/pci_liveupdate.ko.$ZKO" plu_wire_version=2
echo "updates/dkms/pci_liveupdate.ko.$ZKO:" >"$ROOT/lib/modules/$REL/modules.dep"
check
status "check: a .ko.$ZKO in modules.dep passes" 0
lacks "check: the missing-module line is gone" \
	"fail: no pci_liveupdate.ko for $REL under /lib/modules/$REL (DKMS has not built it: dkms autoinstall -k $REL)"
has "check: the .ko.$ZKO is the module" "ok: module /lib/modules/$REL/updates/dkms/pci_liveupdate.ko.$ZKO"
has "check: the wire version is read from the .ko.$ZKO" \
	"ok: wire version: the running module writes version 2, the module of $REL reads version 2"

good_root
rm -r "$ROOT/lib/modules/$REL/updates"
mkko "$ROOT/lib/modules/$REL/extra/pci_liveupdate.ko.xz" plu_wire_version=2
check
has "check: a .ko.xz in extra/ is found by the walk" "ok: module /lib/modules/$REL/extra/pci_liveupdate.ko.xz"
has "check: ... and is not in modules.dep" \
	"warn: /lib/modules/$REL/extra/pci_liveupdate.ko.xz is not in /lib/modules/$REL/modules.dep: modprobe does not find it (depmod $REL)"
status "check: a module missing from modules.dep only warns" 0
rm "$ROOT/lib/modules/$REL/modules.dep"
rm -r "$ROOT/lib/modules/$REL/extra"
mkko "$ROOT/lib/modules/$REL/kernel/drivers/pci/pci_liveupdate.ko" plu_wire_version=2
check
has "check: kernel/ is walked too" "ok: module /lib/modules/$REL/kernel/drivers/pci/pci_liveupdate.ko"
has "check: no modules.dep at all" \
	"warn: no /lib/modules/$REL/modules.dep: modprobe does not find pci_liveupdate (depmod $REL)"

# --- the initramfs ---------------------------------------------------------

# initrd_tests LABEL - the initramfs cases, with the lister in PLU_LSINITRAMFS
initrd_tests() {
	local l=$1 c hint="add pci_liveupdate to /etc/initramfs-tools/modules and run update-initramfs -u -k $REL"
	local lacks_line="fail: initramfs /boot/initrd.img-$REL lacks pci_liveupdate.ko for $REL; $hint"
	local noload_line="fail: initramfs /boot/initrd.img-$REL has pci_liveupdate.ko but nothing in it loads it early (conf/modules, a boot script, rd.driver.pre=); $hint"
	local iwire_ok="ok: wire version: the running module writes version 2, the module in initramfs /boot/initrd.img-$REL reads version 2"
	local stale_fail="fail: wire version: the running module writes version 2, the module in initramfs /boot/initrd.img-$REL reads only version 1"
	local other_warn="warn: initramfs /boot/initrd.img-$REL holds another pci_liveupdate.ko than /lib/modules/$REL/updates/dkms/pci_liveupdate.ko: srcversion OLDSRC, not TARGETSRC; rebuild it (update-initramfs -u -k $REL)"

	good_root
	mkinitrd "$INITRD" gzip conf
	check
	status "$l: an initramfs without the module fails" 1
	has "$l: an initramfs without the module is named" "$lacks_line"
	mkinitrd "$INITRD" gzip conf module:$OTHER
	check
	has "$l: an initramfs with the module of another release says so" \
		"fail: initramfs /boot/initrd.img-$REL lacks pci_liveupdate.ko for $REL (it has one for $OTHER); $hint"
	mkdir -p "$ROOT/etc/initramfs-tools"
	printf '# list\npci_liveupdate\n' >"$ROOT/etc/initramfs-tools/modules"
	check
	has "$l: the hint names /etc/initramfs-tools/modules when it asks for the module" \
		"fail: initramfs /boot/initrd.img-$REL lacks pci_liveupdate.ko for $REL (it has one for $OTHER); /etc/initramfs-tools/modules asks for it: rebuild the image (update-initramfs -u -k $REL)"
	rm -r "$ROOT/etc/initramfs-tools"

	mkinitrd "$INITRD" gzip module
	check
	status "$l: the module in the image, nothing loading it, fails" 1
	has "$l: the module not loaded early is named" "$noload_line"
	mkinitrd "$INITRD" gzip module conf-other
	check
	has "$l: a commented-out conf/modules line does not count" "$noload_line"

	for c in gzip zstd xz lz4 none; do
		command -v "$c" >/dev/null || [ "$c" = none ] ||
			{ note "$c not installed: skipping that compression"; continue; }
		mkinitrd "$INITRD" "$c" module conf
		check
		status "$l: early cpio + $c main with module and conf/modules passes" 0
		lacks "$l: ... the no-module line is gone ($c)" "$lacks_line"
		lacks "$l: ... the not-loaded line is gone ($c)" "$noload_line"
		has "$l: ... its module's wire version is read ($c)" "$iwire_ok"
		lacks "$l: ... and it is the disk's module ($c)" "$other_warn"
		# A stale image: its module is older than the disk's.
		IKO=(plu_wire_version=1 srcversion=OLDSRC)
		mkinitrd "$INITRD" "$c" module conf
		check
		status "$l: early cpio + $c main with a stale module fails" 1
		has "$l: ... its module does not read the running version ($c)" "$stale_fail"
		has "$l: ... it is not the disk's module ($c)" "$other_warn"
		lacks_re "$l: ... the disk's module passes the wire check ($c)" "^fail: wire version: .* module of $REL"
		IKO=("${IKO_GOOD[@]}")
	done

	# The main cpio alone, uncompressed and compressed.
	EARLY=0
	for c in none gzip; do
		IKO=(plu_wire_version=1 srcversion=OLDSRC)
		mkinitrd "$INITRD" "$c" module conf
		check
		status "$l: $c main cpio alone, stale module: fails" 1
		has "$l: ... named ($c alone)" "$stale_fail"
		IKO=("${IKO_GOOD[@]}")
		mkinitrd "$INITRD" "$c" module conf
		check
		status "$l: $c main cpio alone, the disk's module: passes" 0
		has "$l: ... its wire version is read ($c alone)" "$iwire_ok"
	done
	EARLY=1

	# The module compressed inside the image.
	for x in zst xz gz; do
		[ "$x" != zst ] || command -v zstd >/dev/null || continue
		IKO_EXT=.$x IKO=(plu_wire_version=1 srcversion=OLDSRC)
		mkinitrd "$INITRD" gzip module conf
		check
		has "$l: a stale .ko.$x in the image is read" "$stale_fail"
		has "$l: ... and is not the disk's module (.ko.$x)" "$other_warn"
		IKO=("${IKO_GOOD[@]}")
		mkinitrd "$INITRD" gzip module conf
		check
		status "$l: the disk's module as .ko.$x in the image passes" 0
		has "$l: ... its wire version is read (.ko.$x)" "$iwire_ok"
		IKO_EXT=
	done

	# One wire version ahead of the running module: read, only another build.
	IKO=(plu_wire_version=3 srcversion=NEWSRC "vermagic=$REL SMP mod_unload")
	mkinitrd "$INITRD" gzip module conf
	check
	status "$l: a newer module in the image, reading the running version, only warns" 0
	has "$l: ... it reads the running version" \
		"ok: wire version: the running module writes version 2, the module in initramfs /boot/initrd.img-$REL reads versions 3 and 2"
	has "$l: ... it is another build than the disk's" \
		"warn: initramfs /boot/initrd.img-$REL holds another pci_liveupdate.ko than /lib/modules/$REL/updates/dkms/pci_liveupdate.ko: srcversion NEWSRC, not TARGETSRC; rebuild it (update-initramfs -u -k $REL)"
	IKO=(plu_wire_version=2 srcversion=TARGETSRC "vermagic=$OTHER SMP mod_unload")
	mkinitrd "$INITRD" gzip module conf
	check
	has "$l: a module built for another release is named" \
		"warn: initramfs /boot/initrd.img-$REL holds a pci_liveupdate.ko built for $OTHER (vermagic), not $REL: the kernel may refuse it; rebuild it (update-initramfs -u -k $REL)"
	status "$l: ... only a warning" 0
	IKO=(srcversion=TARGETSRC)
	mkinitrd "$INITRD" gzip module conf
	check
	has "$l: a module in the image without the wire field: unknown" \
		"warn: unknown wire version: lib/modules/$REL/updates/dkms/pci_liveupdate.ko in initramfs /boot/initrd.img-$REL has no plu_wire_version field"
	status "$l: ... only a warning" 0
	IKO=("${IKO_GOOD[@]}")
	mkinitrd "$INITRD" gzip badko conf
	check
	has "$l: a module in the image that is no ELF object: unknown" \
		"warn: unknown wire version: cannot read the modinfo of lib/modules/$REL/updates/dkms/pci_liveupdate.ko in initramfs /boot/initrd.img-$REL: Exec format error"

	mkinitrd "$INITRD" gzip usr script
	check
	has "$l: usr/lib/modules and a boot script's modprobe count" \
		"ok: initramfs /boot/initrd.img-$REL loads usr/lib/modules/$REL/updates/dkms/pci_liveupdate.ko early (scripts/init-top/plu)"
	mkinitrd "$INITRD" gzip module cmdline.d
	check
	has "$l: dracut's rd.driver.pre= in etc/cmdline.d counts (shell init)" \
		"ok: initramfs /boot/initrd.img-$REL loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko early (etc/cmdline.d/20-force_drivers.conf)"
	mkinitrd "$INITRD" gzip module cmdline.d systemd
	check
	status "$l: rd.driver.pre= under systemd only warns" 0
	has "$l: rd.driver.pre= under systemd may be too late" \
		"warn: initramfs /boot/initrd.img-$REL loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko from systemd (etc/cmdline.d/20-force_drivers.conf), maybe after PID 1 first opens /dev/liveupdate"
	mkinitrd "$INITRD" gzip module load.d systemd
	check
	has "$l: modules-load.d under systemd may be too late" \
		"warn: initramfs /boot/initrd.img-$REL loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko from systemd (etc/modules-load.d/plu.conf), maybe after PID 1 first opens /dev/liveupdate"
	mkinitrd "$INITRD" gzip module load.d
	check
	has "$l: modules-load.d without systemd does not count (nothing reads it)" "$noload_line"
	mkinitrd "$INITRD" gzip module conf systemd
	check
	has "$l: conf/modules counts whatever the init" \
		"ok: initramfs /boot/initrd.img-$REL loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko early (conf/modules)"

	printf 'this is not an initramfs\n' >"$INITRD"
	check
	has "$l: garbage is not an initramfs" \
		"fail: initramfs /boot/initrd.img-$REL cannot be read: unknown data at offset 0 (neither cpio nor a known compression)"

	rm "$INITRD"
	check
	status "$l: no initramfs for REL fails" 1
	has "$l: no initramfs for REL is named" \
		"fail: no initramfs for $REL: /boot/initrd.img-$REL does not exist"
	mkinitrd "$work/other-initrd" gzip module conf
	check --initrd "$work/other-initrd"
	status "$l: --initrd names the image to check" 0
	has "$l: --initrd is the image checked" \
		"ok: initramfs $work/other-initrd loads lib/modules/$REL/updates/dkms/pci_liveupdate.ko early (conf/modules)"
}

initrd_tests "initramfs (built-in reader)"
LS=${PLU_TEST_LSINITRAMFS:-$(command -v lsinitramfs)}
if [ -n "$LS" ]; then
	PLU_LSINITRAMFS=$LS initrd_tests "initramfs (lsinitramfs)"
	good_root
	PLU_LSINITRAMFS=$LS check
	has "check: says lsinitramfs listed the image" \
		"ok: initramfs /boot/initrd.img-$REL: listed by $LS"
else
	note "no lsinitramfs (initramfs-tools-core): its case is not run"
fi
good_root
TMPDIR=$work/no-such-dir check
has "check: no temporary directory for the image's module: unknown" \
	"warn: unknown wire version: cannot read the modinfo of lib/modules/$REL/updates/dkms/pci_liveupdate.ko in initramfs /boot/initrd.img-$REL: cannot make a temporary file: No such file or directory"
status "check: ... only a warning" 0
PLU_LSINITRAMFS=$work/no-such-lsinitramfs check
has "check: a missing lister falls back to the built-in reader" \
	"ok: initramfs /boot/initrd.img-$REL: read by the built-in cpio reader (no lsinitramfs)"
printf '#!/bin/sh\nexit 3\n' >"$work/bad-ls" && chmod +x "$work/bad-ls"
PLU_LSINITRAMFS=$work/bad-ls check
has "check: a failing lister is said so, and the image read anyway" \
	"ok: initramfs /boot/initrd.img-$REL: $work/bad-ls failed (exit status 3), read by the built-in cpio reader"
status "check: ... and the image still passes" 0

# --- the command line ------------------------------------------------------

good_root
check --append "root=/dev/vda1 ro"
status "check: --append without liveupdate=on fails" 1
has "check: liveupdate=on missing" "fail: the next command line lacks liveupdate=on"
has "check: kho=on missing, config without ENABLE_DEFAULT" \
	"fail: the next command line lacks kho=on (/boot/config-$REL lacks CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)"
check --append "root=/dev/vda1 -- liveupdate=on kho=on"
has "check: liveupdate=on after -- is init's, not the kernel's" "fail: the next command line lacks liveupdate=on"
check --append "liveupdate=on liveupdate=off kho=on"
has "check: the last liveupdate= counts" "fail: the next command line lacks liveupdate=on"
check --append "liveupdate=1 kho=off"
has "check: kho=off is named" "fail: the next command line turns KHO off (kho=off)"
lacks "check: liveupdate=1 is liveupdate=on" "fail: the next command line lacks liveupdate=on"
check --append "liveupdate=on kho=on"
status "check: --append with both passes" 0
lacks "check: the liveupdate=on line is gone" "fail: the next command line lacks liveupdate=on"
echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro" >"$ROOT/proc/cmdline"
check
has "check: /proc/cmdline without liveupdate=on" "fail: the next command line lacks liveupdate=on"
check --reuse-cmdline --append "liveupdate=on kho=on"
status "check: --reuse-cmdline --append adds to /proc/cmdline" 0
echo "CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y" >>"$ROOT/boot/config-$REL"
check --append "liveupdate=on"
status "check: no kho=on needed with ENABLE_DEFAULT=y" 0
has "check: KHO on by default is said" \
	"ok: KHO is on by default in $REL (CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)"

# The module blacklisted on the next command line: the kernel refuses it
# (module_blacklist=, its last one counts), the loaders that apply kmod's
# blacklist skip it (modprobe.blacklist=, every one counts).
good_root
KBL="the kernel refuses to load pci_liveupdate"
MBL="udev, systemd-modules-load and modprobe -b do not load pci_liveupdate"
for bl in "module_blacklist=pci_liveupdate:$KBL" "module_blacklist=a,pci_liveupdate,b:$KBL" \
	"module_blacklist=pci-liveupdate:$KBL" "module-blacklist=virtio_pci,pci_liveupdate:$KBL" \
	"modprobe.blacklist=pci_liveupdate:$MBL" "modprobe.blacklist=virtio_pci,pci-liveupdate:$MBL"; do
	check --append "liveupdate=on kho=on ${bl%%:*}"
	status "blacklist: ${bl%%:*} fails" 1
	has "blacklist: ${bl%%:*} is named" "fail: the next command line has ${bl%%:*}: ${bl#*:}"
done
check --append "liveupdate=on kho=on module_blacklist=pci_liveupdatex,xpci_liveupdate modprobe.blacklist=pci"
status "blacklist: other modules blacklisted pass" 0
check --append "liveupdate=on kho=on module_blacklist=pci_liveupdate module_blacklist=virtio_pci"
status "blacklist: a later module_blacklist= replaces an earlier one" 0
check --append "liveupdate=on kho=on modprobe.blacklist=pci_liveupdate modprobe.blacklist=virtio_pci"
has "blacklist: every modprobe.blacklist= counts" \
	"fail: the next command line has modprobe.blacklist=pci_liveupdate: $MBL"
check --append "liveupdate=on kho=on -- module_blacklist=pci_liveupdate"
status "blacklist: after -- it is init's, not the kernel's" 0
echo "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro module_blacklist=nouveau,pci_liveupdate" >"$ROOT/proc/cmdline"
check --reuse-cmdline --append "liveupdate=on kho=on"
has "blacklist: carried over by --reuse-cmdline" \
	"fail: the next command line has module_blacklist=nouveau,pci_liveupdate: $KBL"
kexec_dry --initrd "$INITRD" --reuse-cmdline --append "liveupdate=on kho=on"
status "blacklist: kexec refuses it (exit 1)" 1
has "blacklist: kexec names it" \
	"fail: the next command line has module_blacklist=nouveau,pci_liveupdate: $KBL"

# --- the config ------------------------------------------------------------

good_root
sed -i '/CONFIG_LIVEUPDATE/d' "$ROOT/boot/config-$REL"
echo "# CONFIG_LIVEUPDATE is not set" >>"$ROOT/boot/config-$REL"
check
status "check: a config without LUO fails" 1
has "check: a config without LUO is named" \
	"fail: /boot/config-$REL lacks CONFIG_LIVEUPDATE=y: $REL has no Live Update Orchestrator"
rm "$ROOT/boot/config-$REL"
check
status "check: no config is only a warning" 0
has "check: no config: LUO unknown" "warn: LUO support of $REL unknown: no /boot/config-$REL"
lacks "check: no config: the LUO failure is gone" \
	"fail: /boot/config-$REL lacks CONFIG_LIVEUPDATE=y: $REL has no Live Update Orchestrator"
check --append "liveupdate=on"
has "check: no config, no kho=on: unknown" \
	"warn: the next command line lacks kho=on; whether $REL turns KHO on by default is unknown (no /boot/config-$REL)"
status "check: ... still only a warning" 0

# --- wire versions ---------------------------------------------------------

# wire TARGET RUNNING - module versions of the target and the running one
wire() {
	good_root
	mkko "$ROOT/lib/modules/$REL/updates/dkms/pci_liveupdate.ko" ${1:+plu_wire_version=$1}
	mkko "$ROOT/lib/modules/$RUN/updates/dkms/pci_liveupdate.ko" \
		plu_wire_version="$2" srcversion=RUNNINGSRC
	check
}
wire 3 2
status "wire: a target one version ahead passes" 0
has "wire: it reads this version and the one before" \
	"ok: wire version: the running module writes version 2, the module of $REL reads versions 3 and 2"
wire 4 2
status "wire: a target two versions ahead fails" 1
has "wire: two versions ahead is named" \
	"fail: wire version: the running module writes version 2, the module of $REL reads only versions 4 and 3"
wire 2 3
status "wire: a downgrade across a wire version fails" 1
has "wire: the downgrade is named" \
	"fail: wire version: the running module writes version 3, the module of $REL reads only version 2"
wire 2 1
has "wire: version 1 predates the policy" \
	"fail: wire version: the running module writes version 1, the module of $REL reads only version 2"
wire "" 2
status "wire: a module without the field only warns" 0
has "wire: a module without the field is unknown" \
	"warn: unknown wire version: /lib/modules/$REL/updates/dkms/pci_liveupdate.ko has no plu_wire_version field"
good_root
echo OTHERSRC >"$ROOT/sys/module/pci_liveupdate/srcversion"
check
has "wire: the running module's file is not the loaded one: unknown" \
	"warn: unknown wire version of the running module (/dev/pci_liveupdate: No such file or directory, and no module file of $RUN is the loaded one)"
status "wire: ... only a warning" 0

# --- the running module ----------------------------------------------------

good_root
echo "marked 0 outgoing 0 removed 0 incoming 0" >"$ROOT/sys/class/misc/pci_liveupdate/counts"
check
status "marked: nothing marked is only a warning" 0
has "marked: nothing marked is said" "warn: no device is marked: no PCI device will be kept"
has "marked: the summary counts it" "0 failed, 1 warning: kexec would go ahead"
good_root
check
has "luo: a registered module is ok" \
	"ok: pci_liveupdate is registered with LUO: a preserved /dev/pci_liveupdate carries the set"
echo 0 >"$ROOT/sys/class/misc/pci_liveupdate/luo_ready"
check
status "luo: a module not registered with LUO fails" 1
has "luo: ... and says so" \
	"fail: pci_liveupdate is not registered with LUO (see dmesg; unload and load it again): /dev/pci_liveupdate cannot carry the set"
rm "$ROOT/sys/class/misc/pci_liveupdate/luo_ready"
check
status "luo: a module that does not tell (uAPI version 1) only warns" 0
has "luo: ... and says so" \
	"warn: cannot tell whether pci_liveupdate is registered with LUO (a module older than uAPI version 2)"
rm -r "$ROOT/sys/module/pci_liveupdate"
check
status "running: no module loaded fails" 1
has "running: no module loaded is named" \
	"fail: pci_liveupdate is not loaded in the running kernel: there is no device set to hand over"

# --- kexec refuses, --force goes ahead -------------------------------------

good_root
kexec_dry --initrd "$INITRD" --append "root=/dev/vda1 kho=on"
status "kexec: refuses a command line without liveupdate=on (exit 1)" 1
has "kexec: the problem is one line" "fail: the next command line lacks liveupdate=on"
has "kexec: says it refused and how to override" \
	"pci-liveupdate: kexec refused: 1 preflight check failed (see 'pci-liveupdate check'; --force goes ahead anyway)"
lacks_re "kexec: refused before the dry-run step" '^dry run:'
lacks_re "kexec: prints no ok: lines" '^ok:'
kexec_dry --initrd "$INITRD" --append "root=/dev/vda1 kho=on" --force
status "kexec --force: goes ahead (exit 0)" 0
has "kexec --force: says so" \
	"pci-liveupdate: --force: going ahead although 1 preflight check failed"
has "kexec --force: reaches the dry-run step" \
	"dry run: would preserve /dev/pci_liveupdate in LUO session 'plu-test', load $BZ and initrd $INITRD with command line \"root=/dev/vda1 kho=on\" and reboot into it"
kexec_dry --append "liveupdate=on kho=on"
status "kexec: no --initrd refuses" 1
has "kexec: no --initrd means no initramfs, not /boot's" \
	"fail: no initramfs is passed (--initrd): nothing loads pci_liveupdate before /dev/liveupdate is first opened"
rm -r "$ROOT/lib/modules/$REL/updates"
mkinitrd "$INITRD" gzip conf
kexec_dry --initrd "$INITRD" --append "kho=on"
status "kexec: several problems refuse" 1
has "kexec: counts them" \
	"pci-liveupdate: kexec refused: 3 preflight checks failed (see 'pci-liveupdate check'; --force goes ahead anyway)"
has "kexec: one line: no module" \
	"fail: no pci_liveupdate.ko for $REL under /lib/modules/$REL (DKMS has not built it: dkms autoinstall -k $REL)"
has "kexec: one line: not in the initramfs" \
	"fail: initramfs $INITRD lacks pci_liveupdate.ko for $REL; add pci_liveupdate to /etc/initramfs-tools/modules and run update-initramfs -u -k $REL"
has "kexec: one line: liveupdate=on" "fail: the next command line lacks liveupdate=on"
kexec_dry --initrd "$INITRD" --append "kho=on" --reuse-cmdline
has "kexec --reuse-cmdline: /proc/cmdline's liveupdate=on counts" \
	"pci-liveupdate: kexec refused: 2 preflight checks failed (see 'pci-liveupdate check'; --force goes ahead anyway)"
out=$("$CLI" kexec --dry-run --session plu-test --kernel "$work/not-a-bzimage" \
	--initrd "$INITRD" --append "liveupdate=on kho=on" 2>&1); rc=$?
status "kexec: a kernel that is no bzImage refuses" 1

# --- kexec --systemctl: the preflight, then pci-liveupdate.service ---------

SDCMD="root=/dev/vda1 liveupdate=on kho=on"
SDDRY="dry run: would load $BZ and initrd $INITRD with command line \"$SDCMD\" and run systemctl kexec"
EMPTY="pci-liveupdate.service's fd store is empty (inactive, dead): nothing carries /dev/pci_liveupdate across systemctl kexec"
SHOW="show -p ActiveState -p SubState -p NFileDescriptorStore pci-liveupdate.service"
good_root
fake_systemctl 0 inactive dead 0
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: a stopped pci-liveupdate.service with an empty fd store refuses (exit 1)" 1
has "kexec --systemctl: the refusal is one line" \
	"pci-liveupdate: kexec refused: $EMPTY (--force goes ahead anyway)"
has_lacks_re "kexec --systemctl: refused after the preflight, before the dry-run step" \
	"preflight: 0 failed, 0 warnings" '^dry run:'
systemctl_called "kexec --systemctl: asks systemctl show for the unit's state and fd store" "$SHOW"
kexec_sd --initrd "$INITRD" --append "$SDCMD" --force
status "kexec --systemctl --force: goes ahead with the store empty (exit 0)" 0
has "kexec --systemctl --force: says so" \
	"pci-liveupdate: --force: going ahead although $EMPTY"
has "kexec --systemctl --force: reaches the dry-run step" "$SDDRY"
fake_systemctl 0 active running 0
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: an active service whose store is empty refuses (exit 1)" 1
has "kexec --systemctl: ... saying so" \
	"pci-liveupdate: kexec refused: pci-liveupdate.service's fd store is empty (active, running): nothing carries /dev/pci_liveupdate across systemctl kexec (--force goes ahead anyway)"
fake_systemctl 1
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: a systemctl show that fails refuses (exit 1)" 1
has "kexec --systemctl: ... naming its exit status" \
	"pci-liveupdate: kexec refused: systemctl show pci-liveupdate.service failed (exit status 1) or did not say how many fds its store holds (--force goes ahead anyway)"

fake_systemctl 0 inactive dead-resources-pinned 1
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: a stopped service whose store is pinned goes ahead (exit 0)" 0
has "kexec --systemctl: says the stopped unit's store holds the file" \
	"pci-liveupdate.service's fd store holds /dev/pci_liveupdate for systemctl kexec (inactive, dead-resources-pinned)"

fake_systemctl 0 active running 1
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: an active service goes ahead (exit 0)" 0
has "kexec --systemctl: says the service's store holds the file" \
	"pci-liveupdate.service's fd store holds /dev/pci_liveupdate for systemctl kexec (active, running)"
has_lacks_re "kexec --systemctl --dry-run: would load and run systemctl kexec, no LUO session of its own" \
	"$SDDRY" 'LUO session|preserve'
systemctl_called "kexec --systemctl --dry-run: runs no systemctl kexec" "$SHOW"
echo 0 >"$ROOT/sys/class/misc/pci_liveupdate/luo_ready"
kexec_sd --initrd "$INITRD" --append "$SDCMD"
status "kexec --systemctl: a module not registered with LUO refuses (exit 1)" 1
has "kexec --systemctl: ... with the preflight's line" \
	"fail: pci_liveupdate is not registered with LUO (see dmesg; unload and load it again): /dev/pci_liveupdate cannot carry the set"
lacks_re "kexec --systemctl: ... before the dry-run step" '^dry run:'
echo 1 >"$ROOT/sys/class/misc/pci_liveupdate/luo_ready"
kexec_sd --initrd "$INITRD" --append "root=/dev/vda1 kho=on"
status "kexec --systemctl: the preflight still refuses (exit 1)" 1
has "kexec --systemctl: the preflight refusal" \
	"pci-liveupdate: kexec refused: 1 preflight check failed (see 'pci-liveupdate check'; --force goes ahead anyway)"

kexec_dry --systemctl --initrd "$INITRD" --append "$SDCMD"
usage_error "kexec: --session with --systemctl is a usage error (exit 2)" \
	"pci-liveupdate kexec: --session and --systemctl exclude each other: systemd's LUO session carries the file"
kexec_sd --no-reboot --initrd "$INITRD" --append "$SDCMD"
usage_error "kexec: --no-reboot with --systemctl is a usage error (exit 2)" \
	"pci-liveupdate kexec: --no-reboot and --systemctl exclude each other: systemctl kexec reboots"

# No systemctl in PATH; gzip is there, for the initramfs.
mkdir -p "$work/nosd"
ln -sf "$(command -v gzip)" "$work/nosd/gzip"
out=$(PATH="$work/nosd" "$CLI" kexec --dry-run --systemctl --kernel "$BZ" \
	--initrd "$INITRD" --append "$SDCMD" 2>&1); rc=$?
status "kexec --systemctl: no systemctl refuses (exit 1)" 1
has "kexec --systemctl: no systemctl is named" \
	"pci-liveupdate: kexec refused: systemctl cannot be run (No such file or directory) to ask about pci-liveupdate.service's fd store (--force goes ahead anyway)"
