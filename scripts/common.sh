# SPDX-License-Identifier: GPL-2.0
# Shared settings for the pci-liveupdate scripts; sourced, not run.

PLU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLU_CACHE=${PLU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pci-liveupdate}

plu_log() { printf '[pci-liveupdate] %s\n' "$*" >&2; }
plu_die() { printf '[pci-liveupdate] error: %s\n' "$*" >&2; exit 1; }

# plu_need_pkgs PKG... - apt-get install whichever packages are missing.
plu_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || plu_die "missing packages (run as root or install them): ${missing[*]}"
	plu_log "installing: ${missing[*]}"
	if [ ! -e "$PLU_CACHE/.apt-updated" ]; then
		apt-get update -qq || plu_die "apt-get update failed"
		mkdir -p "$PLU_CACHE" && touch "$PLU_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null || plu_die "apt-get install ${missing[*]} failed"
}
