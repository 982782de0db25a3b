#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/dkms/dkms-test.sh - DKMS packaging tests for pci-liveupdate.
#
#   A  dkms add/build/install against the cached LUO test kernel
#      (scripts/build-kernel.sh); the module's vermagic matches it
#   B  Debian's stock 7.3 headers (7.2 if 7.3 is gone), which lack
#      CONFIG_LIVEUPDATE/CONFIG_KEXEC_HANDOVER: DKMS refuses them, and
#      the Kbuild file refuses them with a message naming the option
#   C  the staged source tree holds what the build needs and nothing else;
#      the modules-load.d file names the module
#   D  scripts/dkms-install.sh: install (replacing older versions),
#      uninstall, and a refused kernel leaving nothing of ours behind
#      (DKMS's own signing key, which its first build makes where it
#      can sign, is DKMS's, not ours)
#   E  none of this touched the machine's DKMS state
#   F  (with PLU_DKMS_CLANG_KDIR, a clang-built test kernel's directory)
#      the module is built by that kernel's clang, whatever DKMS appends
#
# Every DKMS call uses a private tree (--dkmstree/--sourcetree/
# --installtree, and --no-depmod) under a scratch directory, kept when a
# test fails (or PLU_KEEP=1).  The stock headers are downloaded with the
# private apt state of scripts/kernel-source.sh and unpacked into the cache,
# not installed.  FLAVOR selects the test kernel (default fast).
# Output: "ok N - ..." / "not ok N - ..." lines, then "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
cd "$PLU_TOP" || exit 2

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
note() { echo "# $*"; }
# detail FILE... - failure details, indented so scripts/check.sh shows them
detail() { tail -n 15 "$@" 2>/dev/null | sed 's/^/#   /'; }
# verdict DESC STATUS - one assertion: ok when STATUS is 0; returns STATUS
verdict() {
	if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
	return "$2"
}
t_start=$SECONDS
lap() { note "$1 took $((SECONDS - t_start))s"; t_start=$SECONDS; }

conf_value() {
	sed -n "s/^$1=\"\(.*\)\"[[:space:]]*\$/\1/p" dkms.conf | head -n 1
}
name=$(conf_value PACKAGE_NAME)
version=$(conf_value PACKAGE_VERSION)
mod=$(conf_value 'BUILT_MODULE_NAME\[0\]')
dest_loc=$(conf_value 'DEST_MODULE_LOCATION\[0\]')
make0=$(conf_value 'MAKE\[0\]')
arch=$(uname -m)
[ -n "$name" ] && [ -n "$version" ] && [ -n "$mod" ] && [ -n "$make0" ] || {
	not_ok "dkms.conf has PACKAGE_NAME, PACKAGE_VERSION, BUILT_MODULE_NAME[0], MAKE[0]"
	echo "$passed passed, $failed failed"
	exit 1
}

plu_need_pkgs dkms kmod make gcc debian-archive-keyring ca-certificates

work=$(mktemp -d "${TMPDIR:-/tmp}/plu-dkms-test.XXXXXX")
finish() {
	if [ "$failed" -eq 0 ] && [ "${PLU_KEEP:-0}" != 1 ]; then
		rm -rf "$work"
	else
		note "scratch directory kept: $work"
	fi
}
trap finish EXIT

# What DKMS could leave on this machine; must not change (test E).
footprint() {
	find /var/lib/dkms -maxdepth 3 2>/dev/null
	ls -d /usr/src/"$name"-* /lib/modules/*/updates/dkms/"$mod".ko* \
		/etc/modules-load.d/"$name".conf 2>/dev/null
}
footprint_before=$(footprint | sort)

# new_tree NAME - a private DKMS tree in $work/NAME with the module sources
# staged in its source tree, the way dkms-install.sh stages /usr/src.
new_tree() {
	local t=$work/$1
	mkdir -p "$t/dkms" "$t/src" "$t/lib"
	scripts/dkms-install.sh --stage-only "$t/src" >"$t/stage.log" 2>&1 ||
		{ detail "$t/stage.log" >&2; return 1; }
	echo "$t"
}
# dk TREE ARGS... - dkms on a private tree.  DKMS signs modules whenever it
# finds a sign-file for the kernel (e.g. Debian's linux-kbuild-X.Y is
# installed), creating its key in /var/lib/dkms whatever --dkmstree says;
# the key paths are only settable in /etc/dkms/framework.conf or, as here,
# the environment.
dk() {
	local t=$1
	shift
	mok_signing_key=$t/dkms/mok.key mok_certificate=$t/dkms/mok.pub \
		dkms "$@" --dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/lib"
}
# dk_status TREE - "name/version, kernel, arch: state" lines of the tree
dk_status() { dk "$1" status -m "$name" 2>/dev/null | grep "^$name/"; }

# ---------------------------------------------------------------------------
# Debian's stock headers, unpacked into the cache (not installed).
#
# The linux-headers-*-<arch> tree's Makefile includes the -common tree by
# absolute path (/usr/src/...) and sets KBUILD_OUTPUT to its own absolute
# path; those are re-pointed into the cache.  The scripts/ and tools/ links
# to linux-kbuild are relative and work as unpacked; any absolute symlink is
# made relative.  linux-kbuild is unpacked, never run as a package: on an
# older Debian it cannot even be installed (it wants a newer libc6).

hdr_cache=$PLU_CACHE/stock-headers
# The private apt state of scripts/common.sh, shared with kernel-source.sh.
apt_dir=$PLU_CACHE/apt
private_apt() { plu_private_apt && apt_opts=("${PLU_APT_OPTS[@]}"); }
apt_update() { apt-get "${apt_opts[@]}" -qq update; }

# The newest linux-headers-7.3[.N][+debN]-ARCH (else 7.2), its version and
# its -common and linux-kbuild dependencies as name=version.
pick_headers() {
	local flav v pkg ver deps d out
	flav=$(dpkg --print-architecture)
	for v in '7\.3' '7\.2'; do
		pkg=$(apt-cache "${apt_opts[@]}" pkgnames linux-headers- |
			grep -E "^linux-headers-$v(\.[0-9]+)?(\+deb[0-9]+)?(-[0-9]+)?-$flav\$" |
			sort -V | tail -n 1)
		[ -n "$pkg" ] && break
	done
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n 1)
	deps=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" | sed -n 's/^Depends: //p' |
		head -n 1 | tr ',' '\n' | sed -E 's/^ +//; s/ *\|.*//' |
		grep -E '^linux-(headers-[^ ]+-common|kbuild-[^ ]+)( |$)' |
		sed -E 's/^([^ ]+) \(= ([^)]+)\)$/\1=\2/; s/ .*//')
	out="$pkg=$ver"
	for d in $deps; do
		[[ $d == *=* ]] ||
			d=$d=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$d" | sed -n 's/^Version: //p' | head -n 1)
		out+=" $d"
	done
	echo "$out"
}

# fixup_tree ROOT TREE - make the unpacked headers work from the cache
fixup_tree() {
	local root=$1 tree=$2 l t mk
	find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$root$t")" "$l"
	done
	for mk in "$root"/usr/src/linux-headers-*/Makefile; do
		grep -qE '/usr/(src/linux-headers-|lib/linux-kbuild-)' "$mk" || continue
		sed -i -E "s#(^|[[:space:]=])/usr/(src/linux-headers-|lib/linux-kbuild-)#\1$root/usr/\2#g" "$mk"
	done
	! grep -qE '(^|[[:space:]=])/usr/(src|lib)/' "$tree/Makefile" &&
		[ -f "$tree/.config" ] && [ -f "$tree/include/config/auto.conf" ] &&
		[ -f "$tree/include/config/kernel.release" ] && [ -f "$tree/Module.symvers" ] &&
		[ -d "$tree/scripts/basic" ]
}

# tree_ok TREE - the cached tree is complete and still points into itself
tree_ok() {
	local inc
	inc=$(sed -n 's/^include[[:space:]]\+//p' "$1/Makefile" 2>/dev/null | head -n 1)
	[ -f "$1/.config" ] && { [ -z "$inc" ] || [ -f "$inc" ]; }
}

# stock_headers - print the path of the unpacked stock headers tree
stock_headers() {
	local d pkgs pkgv pkg ver dir rel deb spec
	for d in $(ls -d "$hdr_cache"/*/ 2>/dev/null | sort -V -r); do
		[ -f "$d/.plu-ready" ] && tree_ok "$d/$(cat "$d/.plu-ready")" &&
			{ echo "${d%/}/$(cat "$d/.plu-ready")"; return 0; }
	done
	private_apt || return 1
	pkgs=$(pick_headers) || { apt_update && pkgs=$(pick_headers); } ||
		{ echo "no linux-headers-7.3/7.2 for $(dpkg --print-architecture) in unstable/experimental" >&2; return 1; }
	read -ra pkgv <<<"$pkgs"
	pkg=${pkgv[0]%%=*} ver=${pkgv[0]#*=}
	echo "downloading ${pkgv[*]}" >&2
	(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "${pkgv[@]}") ||
		{ apt_update && (cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "${pkgv[@]}"); } ||
		{ echo "apt-get download $pkgs failed" >&2; return 1; }
	dir=$hdr_cache/${pkg}_$ver
	rm -rf "$dir"
	mkdir -p "$dir/root"
	for spec in "${pkgv[@]}"; do
		deb=$(ls "$apt_dir/archives/${spec%%=*}_${spec#*=}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || { echo "no .deb for $spec in $apt_dir/archives" >&2; return 1; }
		dpkg-deb -x "$deb" "$dir/root" || return 1
	done
	rel=usr/src/$pkg
	fixup_tree "$dir/root" "$dir/root/$rel" ||
		{ echo "unpacked $pkg in $dir is not a usable kernel build tree" >&2; return 1; }
	echo "root/$rel" >"$dir/.plu-ready"
	echo "$dir/root/$rel"
}

# ---------------------------------------------------------------------------
note "A: build and install against the cached LUO test kernel"
kdir=$(scripts/build-kernel.sh --flavor "${FLAVOR:-fast}" --print 2>"$work/kernel.log")
if [ -n "$kdir" ] && [ ! -f "$kdir/.done" ]; then
	note "test kernel not cached: building it (scripts/build-kernel.sh, ~15 min)"
	kdir=$(scripts/build-kernel.sh --flavor "${FLAVOR:-fast}" 2>"$work/kernel.log" | tail -n 1)
fi
if [ -z "$kdir" ] || [ ! -f "$kdir/.done" ]; then
	not_ok "A: LUO test kernel available (scripts/build-kernel.sh)"
	detail "$work/kernel.log"
	krel='' kbuild=''
else
	krel=$(cat "$kdir/kernelrelease")
	kbuild=$kdir/build
	note "test kernel $krel in $kbuild"
fi

if [ -n "$krel" ] && t=$(new_tree A); then
	mkdir -p "$t/lib/$krel"
	dk "$t" add -m "$name" -v "$version" >"$t/add.log" 2>&1
	verdict "A: dkms add $name/$version" $? || detail "$t/add.log"
	dk "$t" build -m "$name" -v "$version" -k "$krel" --kernelsourcedir "$kbuild" \
		>"$t/build.log" 2>&1
	verdict "A: dkms build -k $krel --kernelsourcedir <test kernel build tree>" $? ||
		detail "$t/build.log" "$t/dkms/$name/$version/build/make.log"
	dk "$t" install --no-depmod -m "$name" -v "$version" -k "$krel" --kernelsourcedir "$kbuild" \
		>"$t/install.log" 2>&1
	verdict "A: dkms install into the private install tree" $? || detail "$t/install.log"
	built=$t/dkms/$name/$version/$krel/$arch/module/$mod.ko
	inst=$t/lib/$krel$dest_loc/$mod.ko
	vm=$(modinfo -F vermagic "$inst" 2>/dev/null)
	[ -n "$vm" ] && [ "${vm%% *}" = "$krel" ] && cmp -s "$built" "$inst" &&
		[ "$(modinfo -F name "$inst")" = "$mod" ]
	verdict "A: installed $mod.ko (= built one) has vermagic '${vm%% *}' = '$krel'" $? ||
		printf '#   %s\n' "built: $built" "installed: $inst" "vermagic: $vm"
	st=$(dk_status "$t")
	[ "$st" = "$name/$version, $krel, $arch: installed" ]
	verdict "A: dkms status: $st" $?
else
	[ -z "$krel" ] || not_ok "A: stage the module sources (dkms-install.sh --stage-only)"
fi
lap A

# ---------------------------------------------------------------------------
note "B: Debian's stock headers (no CONFIG_LIVEUPDATE) are refused"
compgen -G "$hdr_cache/*/.plu-ready" >/dev/null ||
	note "first run: downloading Debian's headers (private apt) into $hdr_cache"
stree=$(stock_headers 2>"$work/stock.log")
if [ -z "$stree" ]; then
	not_ok "B: Debian stock 7.3/7.2 headers downloaded and unpacked in $hdr_cache"
	detail "$work/stock.log"
else
	srel=$(cat "$stree/include/config/kernel.release")
	note "stock headers $srel: $stree"
	cfg=$stree/.config
	grep -qx 'CONFIG_MODULES=y' "$cfg" &&
		! grep -qE '^CONFIG_(LIVEUPDATE|KEXEC_HANDOVER)=[ym]' "$cfg"
	verdict "B: stock $srel .config is a real config without CONFIG_LIVEUPDATE and CONFIG_KEXEC_HANDOVER" $? ||
		grep -E 'CONFIG_(MODULES|LIVEUPDATE|KEXEC_HANDOVER)=' "$cfg" | detail -

	# B1: DKMS refuses it (BUILD_EXCLUSIVE_CONFIG).
	if t=$(new_tree B1); then
		dk "$t" add -m "$name" -v "$version" >"$t/add.log" 2>&1
		rc=0
		dk "$t" build -m "$name" -v "$version" -k "$srel" --kernelsourcedir "$stree" \
			>"$t/build.log" 2>&1 || rc=$?
		[ $rc -ne 0 ] && grep -q 'BUILD_EXCLUSIVE' "$t/build.log" &&
			[ -z "$(find "$t" -name '*.ko')" ]
		verdict "B1: dkms build for stock $srel refused (exit $rc) by BUILD_EXCLUSIVE, nothing built" $? ||
			detail "$t/build.log"
		if grep -q CONFIG_LIVEUPDATE "$t/build.log"; then
			note "B1: DKMS names the missing option"
		elif grep -q 'BUILD_EXCLUSIVE' "$t/build.log"; then
			note "B1: DKMS's message does not name the missing option:"
			grep -m1 'BUILD_EXCLUSIVE' "$t/build.log" | sed 's/^/#     /'
		fi
	else
		not_ok "B1: stage the module sources"
	fi

	# B2: what DKMS would run (dkms.conf MAKE[0]) stops in our Kbuild.
	m=$work/B2/$name-$version
	mkdir -p "$work/B2"
	if scripts/dkms-install.sh --stage-only "$work/B2" >/dev/null 2>&1; then
		cmd=${make0//'${kernel_source_dir}'/$stree}
		cmd=${cmd//'${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build'/$m}
		cmd="$cmd KERNELRELEASE=$srel"
		if [[ $cmd == *'$'* ]]; then
			not_ok "B2: dkms.conf MAKE[0] uses only \${kernel_source_dir} and the build dir: $make0"
		else
			read -ra cmdv <<<"$cmd"
			rc=0
			"${cmdv[@]}" >"$work/B2/make.log" 2>&1 || rc=$?
			[ $rc -ne 0 ] &&
				grep -q '^Kbuild:[0-9]*: \*\*\* pci-liveupdate: .* lacks CONFIG_LIVEUPDATE=y' "$work/B2/make.log" &&
				[ -z "$(find "$m" -name '*.o')" ]
			verdict "B2: '$make0' fails (exit $rc) at Kbuild: 'lacks CONFIG_LIVEUPDATE=y', nothing compiled" $? ||
				detail "$work/B2/make.log"
		fi
	else
		not_ok "B2: stage the module sources"
	fi

	# B3: a headers tree without .config: DKMS 3.0.10 then skips its
	# BUILD_EXCLUSIVE_CONFIG check entirely, so the Kbuild check is what
	# stops the build.
	shadow=$work/B3/tree
	mkdir -p "$work/B3"
	mkdir -p "$shadow"
	for e in "$stree"/* "$stree"/.[!.]*; do
		case ${e##*/} in .config|Makefile) ;; *) ln -s "$e" "$shadow/" ;; esac
	done
	sed "s#$stree#$shadow#g" "$stree/Makefile" >"$shadow/Makefile"
	if [ -f "$shadow/Makefile" ] && t=$(new_tree B3/dkms); then
		rc=0
		dk "$t" build -m "$name" -v "$version" -k "$srel" --kernelsourcedir "$shadow" \
			>"$t/build.log" 2>&1 || rc=$?
		mlog=$t/dkms/$name/$version/build/make.log
		if grep -q 'BUILD_EXCLUSIVE' "$t/build.log"; then
			how="DKMS refused it (BUILD_EXCLUSIVE)"
		else
			how="DKMS skipped BUILD_EXCLUSIVE_CONFIG; Kbuild refused it"
		fi
		[ $rc -ne 0 ] && [ -z "$(find "$t" -name '*.ko')" ] &&
			{ grep -q 'BUILD_EXCLUSIVE' "$t/build.log" ||
			  grep -q 'lacks CONFIG_LIVEUPDATE=y' "$mlog"; }
		verdict "B3: stock $srel tree without .config refused (exit $rc): $how" $? ||
			detail "$t/build.log" "$mlog"
	else
		not_ok "B3: a copy of the stock tree without .config"
	fi
fi
lap B

# ---------------------------------------------------------------------------
note "C: staged sources and the modules-load.d file"
mkdir -p "$work/C"
if st=$(scripts/dkms-install.sh --stage-only "$work/C" 2>"$work/C/stage.log"); then
	(cd "$st" && find . -mindepth 1 \( -type f -o -type l \) | sed 's#^\./##' | sort) >"$work/C/list"
	sed 's/^/#     /' "$work/C/list"
	missing=()
	# Everything git tracks under src/ and include/, plus dkms.conf and
	# Kbuild, identical to the checkout,
	if git rev-parse --git-dir >/dev/null 2>&1; then
		need=$(git ls-files dkms.conf Kbuild src include)
	else
		need=$(find dkms.conf Kbuild src include -type f \( -name '*.[ch]' -o -name Kbuild -o -name dkms.conf \))
	fi
	# and the scripts dkms.conf's MAKE[0] runs.
	for f in $need scripts/dkms-make.sh scripts/kbuild-toolchain.sh; do
		cmp -s "$f" "$st/$f" || missing+=("$f")
	done
	# Every object Kbuild links has its source.
	for o in $(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$st/Kbuild" |
		   sed -n 's/^[A-Za-z0-9_]*-y[[:space:]]*[:+]\{0,1\}=//p' | tr ' \t' '\n\n' | grep '\.o$'); do
		[ -f "$st/${o%.o}.c" ] || [ -f "$st/${o%.o}.S" ] || missing+=("${o%.o}.c (for $o)")
	done
	# Every #include "..." resolves inside the staged tree.
	while IFS= read -r f; do
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$st/$f"); do
			[ -f "$(dirname "$st/$f")/$inc" ] || missing+=("$inc (included by $f)")
		done
	done < <(grep -E '\.(c|h|S)$' "$work/C/list")
	[ ${#missing[@]} -eq 0 ]
	verdict "C: staged tree has dkms.conf, Kbuild, every source Kbuild and #include need" $? ||
		printf '#   missing: %s\n' "${missing[@]}"
	extra=$({ grep -vE '^(dkms\.conf|Kbuild|scripts/(dkms-make|kbuild-toolchain)\.sh|(src|include)/.*\.(c|h|S))$' "$work/C/list"
		grep -E '(^|/)(tests|tools)/|(^|/)\.|\.(o|ko|mod|cmd|a|d)$|\.mod\.c$|Module\.symvers|modules\.order' "$work/C/list"
		} | sort -u)
	[ -z "$extra" ]
	verdict "C: staged tree has nothing from tests/, tools/ or the build (only dkms.conf, Kbuild, MAKE[0]'s two scripts, src/, include/)" $? ||
		sed 's/^/#   extra: /' <<<"$extra"
else
	not_ok "C: dkms-install.sh --stage-only"
	detail "$work/C/stage.log"
fi
lc=packaging/modules-load.d/$name.conf
lines=$(grep -vE '^[[:space:]]*(#|$)' "$lc" 2>/dev/null)
[ "$lines" = "$mod" ] && grep -qE "^obj-m[[:space:]]*:?=[[:space:]]*$mod\.o\$" Kbuild
verdict "C: $lc lists exactly '$mod' (= BUILT_MODULE_NAME[0], Kbuild obj-m)" $? ||
	sed 's/^/#   non-comment line: /' <<<"$lines"
lap C

# ---------------------------------------------------------------------------
note "D: scripts/dkms-install.sh in a private root (--root)"
# rt ARGS... - dkms on the trees of the root $R
rt() {
	mok_signing_key=$R/var/lib/dkms/mok.key mok_certificate=$R/var/lib/dkms/mok.pub \
		dkms "$@" --dkmstree "$R/var/lib/dkms" --sourcetree "$R/usr/src" --installtree "$R/lib/modules"
}
rt_status() { rt status -m "$name" 2>/dev/null | grep "^$name/"; }
if [ -n "$krel" ]; then
	R=$work/D/root
	# A stale older version and this version, both registered, as left
	# by earlier installs: the installer must replace both.
	mkdir -p "$R/usr/src" "$R/var/lib/dkms" "$R/lib/modules"
	scripts/dkms-install.sh --stage-only "$R/usr/src" >/dev/null 2>&1
	cp -a "$R/usr/src/$name-$version" "$R/usr/src/$name-0.0.1"
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="0.0.1"/' "$R/usr/src/$name-0.0.1/dkms.conf"
	rt add -m "$name" -v 0.0.1 >"$work/D/pre.log" 2>&1
	rt add -m "$name" -v "$version" >>"$work/D/pre.log" 2>&1
	pre=$(rt_status | tr '\n' ' ')
	rc=0
	scripts/dkms-install.sh --root "$R" --kernel "$krel" --kernelsourcedir "$kbuild" \
		>"$work/D/install.log" 2>&1 || rc=$?
	st=$(rt_status)
	ko=$R/lib/modules/$krel$dest_loc/$mod.ko
	vm=$(modinfo -F vermagic "$ko" 2>/dev/null)
	[ $rc -eq 0 ] && [ "$st" = "$name/$version, $krel, $arch: installed" ] &&
		[ "$(ls "$R/usr/src")" = "$name-$version" ] && [ "${vm%% *}" = "$krel" ]
	verdict "D1: install over [${pre% }]: exit $rc, now only '$st', vermagic ${vm%% *}" $? ||
		detail "$work/D/pre.log" "$work/D/install.log"
	cmp -s "$R/etc/modules-load.d/$name.conf" "packaging/modules-load.d/$name.conf"
	verdict "D1: modules-load.d file installed" $?

	rc=0
	scripts/dkms-install.sh --root "$R" --uninstall >"$work/D/uninstall.log" 2>&1 || rc=$?
	scripts/dkms-install.sh --root "$R" --uninstall >>"$work/D/uninstall.log" 2>&1 || rc=$((rc + 100))
	left=$(rt_status; find "$R/usr/src" "$R/lib/modules" "$R/etc" -type f 2>/dev/null
	       ls -d "$R/var/lib/dkms/$name" 2>/dev/null)
	[ $rc -eq 0 ] && [ -z "$left" ]
	verdict "D2: --uninstall (twice) exits 0 and removes module, sources, registration, modules-load.d" $? ||
		{ [ -z "$left" ] || sed 's/^/#   left: /' <<<"$left"; detail "$work/D/uninstall.log"; }
else
	not_ok "D1: (no test kernel)"
fi

if [ -n "${stree:-}" ]; then
	R=$work/D/root-stock
	rc=0
	# As on a machine with Debian's linux-kbuild installed, where DKMS
	# signs: its sign-file is the unpacked one (DKMS reads sign_file from
	# the environment), so that this runs the same on every machine.
	sfile=$(ls "$stree"/../../lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | head -n 1)
	[ -n "$sfile" ] || note "D3: no sign-file in the unpacked linux-kbuild: DKMS will not sign"
	sign_file=$sfile scripts/dkms-install.sh --root "$R" --kernel "$srel" --kernelsourcedir "$stree" \
		>"$work/D/stock.log" 2>&1 || rc=$?
	# "Nothing" is nothing of this package's.  Where DKMS finds a
	# sign-file for the kernel (Debian's linux-kbuild), its first build
	# makes DKMS's own signing key, mok.key and mok.pub at the top of its
	# tree, before it looks at BUILD_EXCLUSIVE_CONFIG: that key serves
	# every DKMS module, is enrolled once, and no -dkms package removes
	# it.  Everything else must go.
	mok=$(ls "$R/var/lib/dkms/mok.key" "$R/var/lib/dkms/mok.pub" 2>/dev/null | wc -l)
	left=$(rt_status 2>/dev/null
	       find "$R/usr/src" "$R/etc" "$R/var/lib/dkms" -type f 2>/dev/null |
		grep -vxF -e "$R/var/lib/dkms/mok.key" -e "$R/var/lib/dkms/mok.pub")
	note "D3: DKMS's signing key pair $([ "$mok" = 2 ] && echo "was made (DKMS signs here)" || echo "was not made")"
	[ $rc -ne 0 ] && grep -q 'lacks CONFIG_LIVEUPDATE' "$work/D/stock.log" && [ -z "$left" ] &&
		{ [ "$mok" = 0 ] || [ "$mok" = 2 ]; }
	verdict "D3: install for stock $srel fails (exit $rc), names CONFIG_LIVEUPDATE, leaves nothing of $name's (DKMS's own signing key aside)" $? ||
		{ [ -z "$left" ] || sed 's/^/#   left: /' <<<"$left"; detail "$work/D/stock.log"; }
else
	not_ok "D3: (no stock headers)"
fi
lap D

# ---------------------------------------------------------------------------
# F: a kernel built with clang (the cfi flavor, PLU_DKMS_CLANG_KDIR: its
# build-kernel.sh directory, set by check.sh when that kernel is in the
# run).  DKMS 3.0 appends CC=clang LD=ld.lld for such a kernel; the module
# must still be built by the kernel's own clang (dkms.conf runs
# scripts/dkms-make.sh), or kCFI's type hashes would not match.
if [ -n "${PLU_DKMS_CLANG_KDIR:-}" ]; then
	note "F: build against the clang kernel $PLU_DKMS_CLANG_KDIR"
	crel=$(cat "$PLU_DKMS_CLANG_KDIR/kernelrelease")
	cbuild=$PLU_DKMS_CLANG_KDIR/build
	kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$cbuild/.config")
	if t=$(new_tree F); then
		mkdir -p "$t/lib/$crel"
		dk "$t" add -m "$name" -v "$version" >"$t/add.log" 2>&1
		dk "$t" build -m "$name" -v "$version" -k "$crel" --kernelsourcedir "$cbuild" \
			>"$t/build.log" 2>&1
		verdict "F: dkms build -k $crel against the clang kernel ($kcc)" $? ||
			detail "$t/build.log" "$t/dkms/$name/$version/build/make.log"
		built=$t/dkms/$name/$version/$crel/$arch/module/$mod.ko
		comment=$(readelf -p .comment "$built" 2>/dev/null | grep -o 'clang version [0-9.]*' | sort -u)
		[ -n "$comment" ] && [[ $kcc == *"$comment"* ]]
		verdict "F: the module was compiled by the kernel's compiler ('${comment:-none}')" $?
	else
		not_ok "F: stage the module sources"
	fi
	lap F
else
	note "F: no clang kernel in this run (PLU_DKMS_CLANG_KDIR unset): not run"
fi

# ---------------------------------------------------------------------------
footprint_after=$(footprint | sort)
[ "$footprint_before" = "$footprint_after" ]
verdict "E: /var/lib/dkms, /usr/src/$name-*, /lib/modules/*/updates/dkms, /etc/modules-load.d untouched" $? ||
	diff <(echo "$footprint_before") <(echo "$footprint_after") | sed 's/^/#   /'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
