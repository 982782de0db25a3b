# SPDX-License-Identifier: GPL-2.0
# Shared settings for the pci-liveupdate scripts; sourced, not run.

PLU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLU_CACHE=${PLU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pci-liveupdate}

plu_log() { printf '[pci-liveupdate] %s\n' "$*" >&2; }
plu_die() { printf '[pci-liveupdate] error: %s\n' "$*" >&2; exit 1; }

# plu_accel - print the QEMU accelerator to use: kvm or tcg.  PLU_ACCEL
# overrides.  KVM needs /dev/kvm and hardware virtualization (vmx or svm in
# the CPU flags): a /dev/kvm without them, such as the kvm_pvm module of
# some cloud sandboxes, only runs guests built for it, and an ordinary
# kernel hangs there before printing anything.
plu_accel() {
	case ${PLU_ACCEL:-} in
	kvm|tcg) echo "$PLU_ACCEL"; return ;;
	'') ;;
	*) plu_die "PLU_ACCEL=$PLU_ACCEL: kvm or tcg" ;;
	esac
	if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null &&
	   grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo kvm
	else
		echo tcg
	fi
}

# plu_vm_run_retry PREFIX ARGS... - scripts/vm-run.sh ARGS, its output on
# stdout and in PREFIX.attemptN.log, run again (at most 3 times in all)
# only when QEMU itself failed and nothing in the guest did: vm-run.sh's
# exit status 5 (QEMU lost an EOI and wedged a vCPU, which QEMU 7.2's TCG
# does now and then under load), or QEMU exited with an error and no stage
# failed, the log has no splat and no deadline passed (QEMU 7.2's TCG dies
# now and then, SIGSEGV in memory_region_dispatch_write while a kexec'd
# guest sizes BARs, about 1 boot in 30 here).  Returns vm-run.sh's status
# (also under set -e).  A --log FILE is overwritten by the next attempt.
plu_vm_run_retry() {
	local prefix=$1 attempt out rc
	shift
	rm -f "$prefix".attempt*.log
	for attempt in 1 2 3; do
		out=$prefix.attempt$attempt.log
		if "$PLU_TOP/scripts/vm-run.sh" "$@" 2>&1 | tee "$out"; then
			return 0
		fi
		rc=${PIPESTATUS[0]}
		if [ "$rc" = 5 ]; then
			echo "[pci-liveupdate] attempt $attempt: QEMU wedged a vCPU (not the guest); running again"
		elif grep -q '^\[vm-run\] QEMU exited with status' "$out" &&
			! grep -q 'FAIL rc=\|kernel/harness errors\|TIMEOUT' "$out"; then
			echo "[pci-liveupdate] attempt $attempt: QEMU crashed (not the guest); running again"
		else
			return "$rc"
		fi
	done
	return "$rc"
}

# plu_need_pkgs PKG... - apt-get install whichever packages are missing.
plu_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || plu_die "missing packages (run as root or install them): ${missing[*]}"
	# make check's tests run side by side and may install at the same
	# time: one apt-get at a time (dpkg's own lock would fail the other).
	mkdir -p "$PLU_CACHE"
	(
		flock 8
		plu_log "installing: ${missing[*]}"
		if [ ! -e "$PLU_CACHE/.apt-updated" ]; then
			apt-get update -qq || plu_die "apt-get update failed"
			touch "$PLU_CACHE/.apt-updated"
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null || plu_die "apt-get install ${missing[*]} failed"
	) 8>"$PLU_CACHE/.apt-lock" || exit 1
}

# plu_kernel_entry [NAME] - print "name package pattern" of the kernel NAME
# in tests/vm/kernels (the first line when NAME is empty); fail if unknown.
plu_kernel_entry() {
	awk -v want="$1" '!/^#/ && NF >= 3 && (want == "" || $1 == want) {
		print $1, $2, $3; found = 1; exit } END { exit !found }' "$PLU_TOP/tests/vm/kernels"
}

# plu_kernel_names - the kernel names of tests/vm/kernels, default first.
plu_kernel_names() {
	awk '!/^#/ && NF >= 3 { print $1 }' "$PLU_TOP/tests/vm/kernels"
}

# plu_private_apt - set up (once) and refresh (if never fetched) a private
# apt state under the cache: Debian unstable, experimental and
# trixie-backports (the released kernels' linux-source) from the
# archive URI(s) the machine's own apt sources use (security excluded).  The
# machine's apt configuration is not touched.  Sets PLU_APT_OPTS for
# apt-get/apt-cache calls.
plu_private_apt() {
	local dir=$PLU_CACHE/apt uris
	PLU_APT_OPTS=(-o "Dir::Etc=$dir/etc" -o "Dir::State::Lists=$dir/lists"
		      -o "Dir::Cache=$dir" -o "Dir::Cache::archives=$dir/archives"
		      -o "Dir::State::status=/var/lib/dpkg/status"
		      -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
	mkdir -p "$dir"/{lists/partial,archives/partial,etc/sources.list.d,etc/preferences.d,etc/apt.conf.d}
	if [ ! -s "$dir/etc/sources.list.d/plu.sources" ]; then
		uris=$({
			grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list |
				sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n' || true
			grep -hsE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
				sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}' || true
		} | grep -E '/debian/?$' | grep -v security | sort -u | tr '\n' ' ' || true)
		[ -n "${uris// }" ] || { plu_log "no Debian archive URI in /etc/apt/sources.list{,.d}"; return 1; }
		cat >"$dir/etc/sources.list.d/plu.sources" <<-SRC
		Types: deb
		URIs: $uris
		Suites: unstable experimental trixie-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		SRC
	fi
	compgen -G "$dir/lists/*_Packages*" >/dev/null && return 0
	plu_log "fetching package lists into the private apt state $dir"
	apt-get "${PLU_APT_OPTS[@]}" -qq update
}
