#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-install.sh [--kernel KVER] [--kernelsourcedir DIR] [--uninstall]
#                 [--root DIR] [--stage-only DIR]
#
# Install the pci-liveupdate module with DKMS: copy the module sources to
# /usr/src/pci-liveupdate-VERSION, then dkms add, build and install for
# KVER (default: the running kernel), and load the module at boot through
# /etc/modules-load.d/pci-liveupdate.conf.  Any version registered before is
# removed first, so re-running replaces it.
#
#   --kernel KVER          build and install for KVER instead of `uname -r`
#   --kernelsourcedir DIR  kernel build tree (default /lib/modules/KVER/build)
#   --uninstall            undo everything, for every kernel and version
#   --root DIR             use DIR/{var/lib/dkms,usr/src,lib/modules,etc}
#                          instead of the system's and skip depmod (tests)
#   --stage-only DIR       only copy the module sources to
#                          DIR/pci-liveupdate-VERSION and print that path
#
# The kernel needs CONFIG_LIVEUPDATE=y and CONFIG_KEXEC_HANDOVER=y (Linux
# 7.2+); DKMS refuses other kernels (BUILD_EXCLUSIVE_CONFIG in dkms.conf).
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; }

kver='' ksrc='' mode=install root='' stage_dir=''
while [ $# -gt 0 ]; do
	case $1 in
	--kernel|-k) [ $# -ge 2 ] || plu_die "$1 needs an argument"; kver=$2; shift 2 ;;
	--kernelsourcedir) [ $# -ge 2 ] || plu_die "$1 needs an argument"; ksrc=$2; shift 2 ;;
	--uninstall) mode=uninstall; shift ;;
	--root) [ $# -ge 2 ] || plu_die "$1 needs an argument"; root=$2; shift 2 ;;
	--stage-only) [ $# -ge 2 ] || plu_die "$1 needs an argument"; mode=stage; stage_dir=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; plu_die "dkms-install.sh: unknown option $1" ;;
	esac
done

conf_value() {	# conf_value VAR - a VAR="value" line of dkms.conf
	sed -n "s/^$1=\"\(.*\)\"[[:space:]]*\$/\1/p" "$PLU_TOP/dkms.conf" | head -n 1
}
name=$(conf_value PACKAGE_NAME)
version=$(conf_value PACKAGE_VERSION)
modname=$(conf_value 'BUILT_MODULE_NAME\[0\]')
exclusive=$(conf_value BUILD_EXCLUSIVE_CONFIG)
[ -n "$name" ] && [ -n "$version" ] && [ -n "$modname" ] ||
	plu_die "cannot read PACKAGE_NAME, PACKAGE_VERSION and BUILT_MODULE_NAME[0] from $PLU_TOP/dkms.conf"

# stage_sources DEST - copy what the module build needs, and nothing else,
# to DEST (replacing it): dkms.conf, Kbuild, the two scripts dkms.conf's
# MAKE[0] runs, and the C sources and headers of src/ and include/.  Build
# products lying in the checkout are skipped.
stage_sources() {
	local dest=$1 f
	rm -rf "$dest"
	mkdir -p "$dest"
	install -m 0644 "$PLU_TOP/dkms.conf" "$PLU_TOP/Kbuild" "$dest/"
	install -D -m 0755 "$PLU_TOP/scripts/dkms-make.sh" "$dest/scripts/dkms-make.sh"
	install -D -m 0755 "$PLU_TOP/scripts/kbuild-toolchain.sh" "$dest/scripts/kbuild-toolchain.sh"
	(cd "$PLU_TOP" && find src include -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 | sort -z) |
		while IFS= read -r -d '' f; do
			install -D -m 0644 "$PLU_TOP/$f" "$dest/$f"
		done
}

if [ "$mode" = stage ]; then
	mkdir -p "$stage_dir"
	stage_sources "$stage_dir/$name-$version"
	(cd "$stage_dir/$name-$version" && pwd)
	exit 0
fi

if [ -n "$root" ]; then
	mkdir -p "$root"
	root=$(cd "$root" && pwd)
	dkms_tree=$root/var/lib/dkms src_root=$root/usr/src
	install_tree=$root/lib/modules load_dir=$root/etc/modules-load.d
	dkms_opts=(--dkmstree "$dkms_tree" --sourcetree "$src_root"
		   --installtree "$install_tree")
	mkdir -p "$dkms_tree" "$src_root" "$install_tree"
	# DKMS keeps its module signing key in /var/lib/dkms whatever
	# --dkmstree says; only framework.conf or the environment move it.
	export mok_signing_key=$dkms_tree/mok.key mok_certificate=$dkms_tree/mok.pub
else
	[ "$(id -u)" -eq 0 ] || plu_die "run as root (e.g. sudo $0 $*)"
	dkms_tree=/var/lib/dkms src_root=/usr/src
	install_tree=/lib/modules load_dir=/etc/modules-load.d
	dkms_opts=()
fi
load_conf=$load_dir/$name.conf
# --no-depmod matters for remove, build (dkms may install on its own) and
# install: depmod always works on /lib/modules, whatever --installtree says.
[ -n "$root" ] && nodepmod=(--no-depmod) || nodepmod=()

plu_need_pkgs dkms kmod

dkms_cmd() { dkms "$@" "${dkms_opts[@]}"; }

# Every version of the module DKMS knows about.
registered_versions() {
	dkms_cmd status -m "$name" 2>/dev/null |
		sed -n "s#^$name/\([^,:]*\)[,:].*#\1#p" | sort -u
}

# Remove every registered version from every kernel, and the sources.
removed=0
remove_all() {
	local v d rc=0
	for v in $(registered_versions); do
		plu_log "removing $name/$v from DKMS (all kernels)"
		removed=1
		dkms_cmd remove -m "$name" -v "$v" --all "${nodepmod[@]}" ||
			{ plu_log "warning: dkms remove $name/$v failed"; rc=1; }
	done
	for d in "$src_root/$name"-*/; do
		[ -f "$d/dkms.conf" ] &&
			grep -qx "PACKAGE_NAME=\"$name\"" "$d/dkms.conf" || continue
		plu_log "removing ${d%/}"
		rm -rf "${d%/}"
		removed=1
	done
	return $rc
}

if [ "$mode" = uninstall ]; then
	[ -z "$kver" ] || plu_log "note: --uninstall removes $name from every kernel"
	rc=0
	remove_all || rc=1
	if [ -e "$load_conf" ]; then
		plu_log "removing $load_conf"
		rm -f "$load_conf"
		removed=1
	fi
	[ -z "$root" ] && [ -d "/sys/module/$modname" ] &&
		plu_log "note: $modname stays loaded until reboot or 'modprobe -r $modname'"
	[ $rc -eq 0 ] || plu_die "uninstall incomplete, see the messages above"
	[ $removed -eq 1 ] && plu_log "$name uninstalled" ||
		plu_log "$name was not installed: nothing to remove"
	exit 0
fi

# --- install ---------------------------------------------------------------
kver=${kver:-$(uname -r)}
ksrc_opt=()
if [ -n "$ksrc" ]; then
	[ -f "$ksrc/Makefile" ] || plu_die "--kernelsourcedir $ksrc: no kernel build tree there (no Makefile)"
	ksrc=$(cd "$ksrc" && pwd)
	ksrc_opt=(--kernelsourcedir "$ksrc")
else
	ksrc=/lib/modules/$kver/build
	[ -f "$ksrc/Makefile" ] ||
		plu_die "no kernel build tree for $kver at $ksrc: install its headers (apt-get install linux-headers-$kver) or pass --kernelsourcedir DIR"
fi
[ -z "$root" ] || mkdir -p "$install_tree/$kver"
[ -d "$install_tree/$kver" ] ||
	plu_die "$install_tree/$kver does not exist: kernel $kver is not installed here"

# why_refused - name the kernel options that DKMS's BUILD_EXCLUSIVE_CONFIG
# found missing (DKMS itself does not say which).
why_refused() {
	local o missing=()
	[ -f "$ksrc/.config" ] || return 0
	for o in $exclusive; do
		grep -qE "^$o=[ym]" "$ksrc/.config" || missing+=("$o")
	done
	[ ${#missing[@]} -eq 0 ] ||
		plu_log "kernel $kver ($ksrc/.config) lacks ${missing[*]}: $name needs a Linux 7.2+ kernel with CONFIG_LIVEUPDATE=y and CONFIG_KEXEC_HANDOVER=y"
}

# rollback WHAT - undo a failed install so nothing half-done stays behind.
rollback() {
	plu_log "$1 failed; removing $name/$version again"
	dkms_cmd remove -m "$name" -v "$version" --all "${nodepmod[@]}" >/dev/null 2>&1 || true
	rm -rf "${src_root:?}/$name-$version"
	exit 1
}

remove_all || plu_die "cannot remove the previously installed $name; fix that first (see above)"

dest=$src_root/$name-$version
plu_log "copying the module sources to $dest"
stage_sources "$dest"

plu_log "dkms add $name/$version"
dkms_cmd add -m "$name" -v "$version" || rollback "dkms add"

plu_log "dkms build $name/$version for $kver (kernel tree $ksrc)"
rc=0
dkms_cmd build -m "$name" -v "$version" -k "$kver" "${ksrc_opt[@]}" || rc=$?
if [ $rc -ne 0 ]; then
	if [ $rc -eq 77 ]; then
		plu_log "DKMS refused kernel $kver (BUILD_EXCLUSIVE_CONFIG=\"$exclusive\" in dkms.conf)"
		why_refused
	else
		log=$dkms_tree/$name/$version/build/make.log
		if [ -f "$log" ]; then
			plu_log "build failed; the end of $log:"
			tail -n 15 "$log" | sed 's/^/    /' >&2
		fi
	fi
	rollback "dkms build"
fi

plu_log "dkms install $name/$version for $kver"
dkms_cmd install -m "$name" -v "$version" -k "$kver" "${ksrc_opt[@]}" "${nodepmod[@]}" ||
	rollback "dkms install"

# LUO hands preserved files to their handlers when /dev/liveupdate is first
# opened after the kexec, so our handler must be registered by then: load
# the module at boot, before whatever opens /dev/liveupdate.
plu_log "installing $load_conf (load $modname at boot)"
install -D -m 0644 "$PLU_TOP/packaging/modules-load.d/$name.conf" "$load_conf"

plu_log "$name $version installed for kernel $kver"
if [ -z "$root" ] && [ "$kver" = "$(uname -r)" ] && [ ! -d "/sys/module/$modname" ]; then
	plu_log "load it now with: modprobe $modname"
fi
