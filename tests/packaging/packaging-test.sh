#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/packaging/packaging-test.sh [--static] - host tests of the
# packaging; ends with "N passed, N failed".
#
#   version  PACKAGE_VERSION in dkms.conf is the one version: debian/
#            changelog's (upstream part), the man page's, what tools/Makefile
#            passes to the CLI and what Kbuild passes to MODULE_VERSION
#   files    dkms.conf refuses kernels without the options Kbuild requires;
#            the initramfs hook, the dracut and modules-load.d files name
#            the module; the unit runs "hold" with a preserved fd store
#            and is skipped, not failed, without the module; the packages
#            restart it through the trigger pci-liveupdate-module
#   trigger  dpkg runs pci-liveupdate's postinst after -dkms's build in
#            every order of installation (stand-in packages, private root)
#   deb      (not with --static) scripts/build-deb.sh builds both packages
#            and lintian finds no error in them; each holds what it should,
#            at the package's version, and the CLI in it says that version
#
# --static runs all but deb (no build; debian/rules runs them).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

static=0
[ "${1:-}" = --static ] && static=1
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() {	# check DESCRIPTION CMD... - one test from CMD's exit status
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# A make of its own, not a sub-make of whatever runs this (debian/rules).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }
conf_value() {	# conf_value VAR - a VAR="value" line of dkms.conf
	sed -n "s/^$1=\"\(.*\)\"[[:space:]]*\$/\1/p" dkms.conf | head -n 1
}

version=$(conf_value PACKAGE_VERSION)
name=$(conf_value PACKAGE_NAME)
mod=$(conf_value 'BUILT_MODULE_NAME\[0\]')
check "version: dkms.conf has PACKAGE_VERSION ('$version')" test -n "$version"

# --- version --------------------------------------------------------------
if command -v dpkg-parsechangelog >/dev/null; then
	debver=$(dpkg-parsechangelog -S Version 2>/dev/null)
else
	debver=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
fi
upstream=${debver%-*}	# without a Debian revision
upstream=${upstream#*:}	# nor an epoch
check "version: debian/changelog's $debver has upstream version $version" \
	test "$upstream" = "$version"
src=$(sed -n '1s/^\([^ ]*\) .*/\1/p' debian/changelog)
check "version: debian/changelog's source name '$src' is PACKAGE_NAME '$name'" \
	test "$src" = "$name"
th=$(sed -n 's/^\.TH .* "pci-liveupdate \([^"]*\)".*/\1/p' tools/pci-liveupdate.8)
check "version: the man page's .TH says pci-liveupdate $th" test "$th" = "$version"
# What the CLI is compiled with (make -n builds nothing).
cli=$(mk -s -n -B -C tools UAPI_HEADERS= "$PWD/tools/pci-liveupdate.o" 2>/dev/null |
	sed -n "s/.*-DPLU_VERSION='\"\([^\"]*\)\"'.*/\1/p" | head -n 1)
check "version: tools/Makefile compiles the CLI with PLU_VERSION \"$cli\"" \
	test "$cli" = "$version"
# What Kbuild gives MODULE_VERSION, evaluated like kbuild does (src = here).
kb=$(mk -s -f - <<EOF 2>/dev/null
src := $PWD
$(sed -n '/^PLU_VERSION :=/,/^ccflags-y += -DPLU_VERSION/p' Kbuild)
\$(info \$(ccflags-y))
all: ;
EOF
)
check "version: Kbuild passes -DPLU_VERSION=\"$version\" ($kb)" \
	test "$kb" = "-DPLU_VERSION='\"$version\"'"
check "version: src/main.c sets MODULE_VERSION(PLU_VERSION) and the plu_wire_version modinfo field" \
	bash -c 'grep -qx "MODULE_VERSION(PLU_VERSION);" src/main.c &&
		 grep -q "^MODULE_INFO(plu_wire_version, __stringify(PLU_WIRE_VERSION));" src/main.c'
stray=$(git grep -nE '(VERSION|version)[[:space:]]*[:?]?=[[:space:]]*"?[0-9]+\.[0-9]+' -- \
	Makefile Kbuild tools/Makefile debian/rules 2>/dev/null)
check "version: no other version number in the Makefiles${stray:+: $stray}" test -z "$stray"

# --- files ----------------------------------------------------------------
excl=$(conf_value BUILD_EXCLUSIVE_CONFIG)
need=$(sed -n 's/^ifneq (\$(\(CONFIG_[A-Z0-9_]*\)),y)$/\1/p' Kbuild | head -n 1)
check "files: BUILD_EXCLUSIVE_CONFIG ($excl) has $need, which Kbuild requires" \
	bash -c "echo ' $excl ' | grep -q ' $need ' && echo ' $excl ' | grep -q ' CONFIG_KEXEC_HANDOVER '"
check "files: debian/pci-liveupdate-dkms.dkms installs the upstream dkms.conf" \
	test "$(cat debian/pci-liveupdate-dkms.dkms)" = dkms.conf
hook=packaging/initramfs-tools/hooks/pci-liveupdate
check "files: $hook is executable, parses with sh -n, force_loads $mod" \
	bash -c "test -x $hook && sh -n $hook && grep -qx 'force_load $mod' $hook"
check "files: the dracut configuration force-loads $mod" \
	grep -qx "force_drivers+=\" $mod \"" packaging/dracut/pci-liveupdate.conf
check "files: modules-load.d lists $mod" \
	bash -c "test \"\$(grep -vE '^[[:space:]]*(#|\$)' packaging/modules-load.d/pci-liveupdate.conf)\" = $mod"
unit=packaging/systemd/pci-liveupdate.service
check "files: $unit is Type=notify, runs 'pci-liveupdate hold', keeps a preserved fd store" \
	bash -c "grep -qx 'Type=notify' $unit &&
		 grep -qx 'ExecStart=/usr/sbin/pci-liveupdate hold' $unit &&
		 grep -qxE 'FileDescriptorStoreMax=[1-9][0-9]*' $unit &&
		 grep -qx 'FileDescriptorStorePreserve=yes' $unit"
# Issue 25: dpkg may configure pci-liveupdate before pci-liveupdate-dkms
# has built the module; the unit must then be skipped, not failed.
check "files: $unit is skipped (ExecCondition=) while $mod is neither loaded nor installed" \
	bash -c "grep -qE '^ExecCondition=.*test -d /sys/module/$mod \|\| modinfo .*$mod' $unit"
check "files: pci-liveupdate-dkms's postinst activates the trigger pci-liveupdate-module after DKMS's build (#DEBHELPER#)" \
	bash -c "sed -n '/^#DEBHELPER#/,\$p' debian/pci-liveupdate-dkms.postinst |
		 grep -qx '[[:space:]]*dpkg-trigger --no-await pci-liveupdate-module'"
check "files: pci-liveupdate is interested in pci-liveupdate-module and starts its unit when triggered" \
	bash -c "grep -qx 'interest-noawait pci-liveupdate-module' debian/pci-liveupdate.triggers &&
		 grep -q '\"\$1\" = triggered' debian/pci-liveupdate.postinst &&
		 grep -q 'deb-systemd-invoke start pci-liveupdate.service' debian/pci-liveupdate.postinst"
check "files: debian/pci-liveupdate.service is the unit in packaging/systemd" \
	cmp -s debian/pci-liveupdate.service "$unit"
# Issue 24: the SR-IOV restore at boot, a oneshot the admin enables.
runit=packaging/systemd/pci-liveupdate-restore-vfs.service
check "files: $runit is a oneshot after pci-liveupdate.service running 'pci-liveupdate restore-vfs --wait'" \
	bash -c "grep -qx 'Type=oneshot' $runit &&
		 grep -qE '^ExecStart=/usr/sbin/pci-liveupdate restore-vfs --wait [1-9][0-9]*$' $runit &&
		 grep -qx 'After=pci-liveupdate.service' $runit &&
		 grep -qx 'WantedBy=multi-user.target' $runit"
check "files: debian/pci-liveupdate.pci-liveupdate-restore-vfs.service is the unit in packaging/systemd" \
	cmp -s debian/pci-liveupdate.pci-liveupdate-restore-vfs.service "$runit"
if command -v systemd-analyze >/dev/null; then
	# Allowed: the CLI not installed here, and a systemd older than 254
	# not knowing FileDescriptorStorePreserve= (it ignores the key).
	out=$(systemd-analyze verify --man=no "$PWD/$unit" "$PWD/$runit" 2>&1)
	bad=$(grep -vE "Unknown key( name)? 'FileDescriptorStorePreserve'|Command /usr/sbin/pci-liveupdate is not executable" <<<"$out")
	check "files: systemd-analyze verify finds nothing wrong with the units${bad:+: $bad}" test -z "$bad"
	[ -z "$out" ] || sed 's/^/#   systemd-analyze: /' <<<"$out"
fi

# --- trigger --------------------------------------------------------------
# dpkg's side of the trigger pci-liveupdate-module, in a private dpkg root,
# with two stand-in packages: one has pci-liveupdate's triggers file, the
# other runs the dpkg-trigger line of pci-liveupdate-dkms's postinst on
# configure; each postinst logs how it was called.  In every order of
# installation, pci-liveupdate's postinst must run (configure or
# triggered) after pci-liveupdate-dkms's configure, the build.
if command -v dpkg-deb >/dev/null && command -v dpkg >/dev/null; then
	tt=$(mktemp -d)
	tline=$(sed -n '/^#DEBHELPER#/,$p' debian/pci-liveupdate-dkms.postinst | grep -m 1 'dpkg-trigger' | sed 's/^[[:space:]]*//')
	stub() {	# stub NAME POSTINST-LINE [TRIGGERS-FILE]
		mkdir -p "$tt/$1/DEBIAN"
		printf 'Package: plu-%s-stub\nVersion: 1\nArchitecture: all\nMaintainer: test <test@example.org>\nDescription: stand-in\n' \
			"$1" >"$tt/$1/DEBIAN/control"
		printf '#!/bin/sh\necho "%s $*" >>"%s/log"\n%s\nexit 0\n' "$1" "$tt" "$2" >"$tt/$1/DEBIAN/postinst"
		chmod 755 "$tt/$1/DEBIAN/postinst"
		[ -z "${3:-}" ] || cp "$3" "$tt/$1/DEBIAN/triggers"
		dpkg-deb -b "$tt/$1" "$tt/$1.deb" >/dev/null
	}
	stub main ':' debian/pci-liveupdate.triggers
	stub dkms "[ \"\$1\" = configure ] || exit 0; $tline"
	fdpkg() {
		env -u DPKG_ROOT -u DPKG_ADMINDIR dpkg --root="$tt/root" --log=/dev/null \
			--force-not-root --force-script-chrootless "$@" >>"$tt/dpkg.out" 2>&1
	}
	trigger_order() {	# trigger_order WHAT DPKG-ARGS... [-- DPKG-ARGS...]...
		local what=$1 args=()
		shift
		rm -rf "$tt/root" "$tt/log"
		mkdir -p "$tt/root/var/lib/dpkg/info" "$tt/root/var/lib/dpkg/updates"
		: >"$tt/root/var/lib/dpkg/status"
		while [ $# -gt 0 ]; do
			if [ "$1" = -- ]; then fdpkg "${args[@]}"; args=(); else args+=("$1"); fi
			shift
		done
		fdpkg "${args[@]}"
		check "trigger: $what: pci-liveupdate's postinst runs after -dkms's configure ($(sed 's/ *$//' "$tt/log" | paste -sd, -))" \
			awk '/^dkms configure/ { d = NR } /^main (configure|triggered)/ { m = NR }
			     END { exit !(d && m > d) }' "$tt/log"
	}
	check "trigger: pci-liveupdate-dkms's postinst has a dpkg-trigger line ($tline)" test -n "$tline"
	trigger_order "both at once" -i "$tt/dkms.deb" "$tt/main.deb"
	trigger_order "both unpacked, pci-liveupdate configured first (apt's order in issue 25)" \
		--unpack "$tt/dkms.deb" "$tt/main.deb" -- --configure plu-main-stub -- \
		--configure plu-dkms-stub -- --configure --pending
	trigger_order "-dkms, then pci-liveupdate" -i "$tt/dkms.deb" -- -i "$tt/main.deb"
	trigger_order "pci-liveupdate, then -dkms" -i "$tt/main.deb" -- -i "$tt/dkms.deb"
	rm -rf "$tt"
fi

# --- deb ------------------------------------------------------------------
# postinst_policy DKMS_DEB: the -dkms postinst as built (dh_dkms's snippet
# in it) with DKMS's common.postinst failing and succeeding, run in a
# private mount namespace where /usr/lib/dkms is a stand-in and dpkg,
# dpkg-trigger, update-initramfs and logger only log their calls (issue
# 25 item 3).  A failed build must leave the package configured (exit 0),
# say so on stderr and in the journal, and activate no trigger.
postinst_policy() {
	local pt=$out/postinst-policy rc err calls
	rm -rf "$pt"
	mkdir -p "$pt/dkms" "$pt/bin"
	dpkg-deb --ctrl-tarfile "$1" | tar -xO ./postinst >"$pt/postinst"
	cat >"$pt/dkms/common.postinst" <<EOF
#!/bin/sh
echo "common.postinst \$*" >>"$pt/calls"
[ "\$PLU_STUB_RC" = 0 ] || echo "Error! Bad return status for module build on kernel: stand-in" >&2
exit \$PLU_STUB_RC
EOF
	for c in dpkg-trigger update-initramfs logger; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$c" "$pt" >"$pt/bin/$c"
	done
	printf '#!/bin/sh\necho "dpkg $*" >>"%s/calls"\necho /usr/src/%s-%s\n' \
		"$pt" "$name" "$version" >"$pt/bin/dpkg"
	chmod 755 "$pt/dkms/common.postinst" "$pt/bin"/*
	for stub_rc in 10 0; do
		: >"$pt/calls"
		rc=0
		err=$(PLU_STUB_RC=$stub_rc PATH="$pt/bin:$PATH" unshare -rm sh -c \
			'mount --bind "$1/dkms" /usr/lib/dkms && exec sh "$1/postinst" configure 0.2.0' \
			sh "$pt" 2>&1 >/dev/null) || rc=$?
		calls=$(paste -sd, "$pt/calls")
		check "postinst: DKMS's common.postinst ran as dh_dkms's snippet calls it ($calls)" \
			grep -q "^common.postinst $name $version " "$pt/calls"
		if [ "$stub_rc" = 10 ]; then
			check "postinst: a failed DKMS build (exit 10) leaves $name-dkms configured: exit 0 (got $rc)" \
				test "$rc" = 0
			check "postinst: it says so on stderr, naming dkms status, make.log and the recovery" \
				bash -c 'grep -q "DKMS could not build or install pci_liveupdate $1 (exit status 10)" <<<"$0" &&
					 grep -q "/var/lib/dkms/$2/$1/build/make.log" <<<"$0" &&
					 grep -q "dpkg-reconfigure $2-dkms" <<<"$0"' "$err" "$version" "$name"
			check "postinst: and in the journal (logger -p user.err)" \
				grep -q '^logger .*-p user.err .*could not build' "$pt/calls"
			check "postinst: and activates no trigger, renews no initramfs ($calls)" \
				bash -c '! grep -qE "^(dpkg-trigger|update-initramfs) " "$0"' "$pt/calls"
		else
			check "postinst: a DKMS build that succeeds: exit 0 ($rc), the trigger pci-liveupdate-module activated" \
				bash -c 'test "$1" = 0 && grep -qx "dpkg-trigger --no-await pci-liveupdate-module" "$0"' \
				"$pt/calls" "$rc"
			check "postinst: and nothing said on stderr${err:+: $err}" test -z "$err"
		fi
	done
}

if [ "$static" = 0 ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	if changes=$(scripts/build-deb.sh --out "$out" 2>"$out/stderr" | tail -n 1) &&
	   [ -f "$changes" ]; then
		ok "deb: make deb (scripts/build-deb.sh) builds and lintian finds no error"
		grep -E '^[EWI]: ' "$out/lintian.log" | sed 's/^/#   lintian: /'
		arch=$(dpkg --print-architecture)
		dkms_deb=$out/${name}-dkms_${debver}_all.deb
		cli_deb=$out/${name}_${debver}_$arch.deb
		dk=$(dpkg-deb -c "$dkms_deb" 2>/dev/null | awk '{ print $6 }' | sed 's#^\./#/#')
		missing=()
		for f in /usr/src/$name-$version/dkms.conf /usr/src/$name-$version/Kbuild \
			 /usr/src/$name-$version/src/main.c \
			 /usr/src/$name-$version/scripts/dkms-make.sh \
			 /usr/src/$name-$version/scripts/kbuild-toolchain.sh \
			 /usr/src/$name-$version/include/uapi/linux/pci_liveupdate.h \
			 /usr/share/initramfs-tools/hooks/pci-liveupdate \
			 /usr/lib/dracut/dracut.conf.d/pci-liveupdate.conf \
			 /usr/lib/modules-load.d/pci-liveupdate.conf; do
			grep -qx "$f" <<<"$dk" || missing+=("$f")
		done
		check "deb: $name-dkms holds the DKMS tree, the hook, dracut and modules-load.d files${missing:+ (missing: ${missing[*]})}" \
			test ${#missing[@]} -eq 0
		extra=$(grep -E '^/usr/src/.*(\.o|\.ko|\.cmd|/tests/|/tools/)' <<<"$dk")
		check "deb: its DKMS tree has no build products, tests or tools${extra:+: $extra}" test -z "$extra"
		# The trigger as built: dh_dkms's build comes before its activation.
		dkpi=$(dpkg-deb -I "$dkms_deb" postinst 2>/dev/null)
		b=$(grep -n 'dkms' <<<"$dkpi" | grep -v 'pci-liveupdate-dkms' | head -n 1 | cut -d: -f1)
		t=$(grep -n 'dpkg-trigger --no-await pci-liveupdate-module' <<<"$dkpi" | head -n 1 | cut -d: -f1)
		check "deb: $name-dkms's postinst activates pci-liveupdate-module after the DKMS build (lines ${b:-none}, ${t:-none})" \
			test -n "$b" -a -n "$t" -a "${t:-0}" -gt "${b:-0}"
		postinst_policy "$dkms_deb"
		check "deb: $name's control files declare interest in pci-liveupdate-module" \
			bash -c "dpkg-deb -I '$cli_deb' triggers 2>/dev/null | grep -qx 'interest-noawait pci-liveupdate-module'"
		check "deb: $name-dkms depends on dkms with BUILD_EXCLUSIVE_CONFIG support" \
			bash -c "dpkg-deb -f '$dkms_deb' Depends | grep -qE 'dkms \\(>= 3'"
		cl=$(dpkg-deb -c "$cli_deb" 2>/dev/null | awk '{ print $6 }' | sed 's#^\./#/#')
		missing=()
		for f in /usr/sbin/pci-liveupdate /usr/share/man/man8/pci-liveupdate.8.gz \
			 /usr/include/linux/pci_liveupdate.h; do
			grep -qx "$f" <<<"$cl" || missing+=("$f")
		done
		grep -qE '^/(usr/)?lib/systemd/system/pci-liveupdate\.service$' <<<"$cl" ||
			missing+=(pci-liveupdate.service)
		grep -qE '^/(usr/)?lib/systemd/system/pci-liveupdate-restore-vfs\.service$' <<<"$cl" ||
			missing+=(pci-liveupdate-restore-vfs.service)
		check "deb: $name holds the CLI, man page, uAPI header and units${missing:+ (missing: ${missing[*]})}" \
			test ${#missing[@]} -eq 0
		clpi=$(dpkg-deb -I "$cli_deb" postinst 2>/dev/null)
		check "deb: $name's postinst enables and starts pci-liveupdate.service" \
			bash -c "grep -q \"deb-systemd-helper enable 'pci-liveupdate.service'\" <<<\"\$1\" &&
				 grep -qE \"deb-systemd-invoke .*start .*'?pci-liveupdate.service\" <<<\"\$1\"" _ "$clpi"
		# dh_installsystemd --no-enable: enabled again on upgrade only if
		# the admin had enabled it (debian-installed), never started.
		check "deb: $name's postinst neither enables (unless the admin did) nor starts pci-liveupdate-restore-vfs.service" \
			bash -c "awk '/debian-installed .pci-liveupdate-restore-vfs.service/ { guard = 1 }
				      /enable .pci-liveupdate-restore-vfs.service/ && !guard { bad = 1 }
				      /deb-systemd-invoke.*pci-liveupdate-restore-vfs/ { bad = 1 }
				      END { exit bad }' <<<\"\$1\" &&
				 grep -q \"update-state 'pci-liveupdate-restore-vfs.service'\" <<<\"\$1\"" _ "$clpi"
		mkdir -p "$out/x"
		dpkg-deb -x "$cli_deb" "$out/x"
		v=$("$out/x/usr/sbin/pci-liveupdate" --version 2>&1)
		check "deb: the packaged CLI says '$v'" grep -q "^pci-liveupdate $version " <<<"$v"
		check "deb: the packaged uAPI header is include/uapi/linux/pci_liveupdate.h" \
			cmp -s "$out/x/usr/include/linux/pci_liveupdate.h" include/uapi/linux/pci_liveupdate.h
	else
		not_ok "deb: make deb (scripts/build-deb.sh) builds and lintian finds no error"
		tail -n 30 "$out/stderr" | sed 's/^/#   /'
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
