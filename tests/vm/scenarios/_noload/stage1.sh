# Shared stage 1 of hostile-nomem, insmod-race and late-load (symlinked
# there): preserve two devices and live-update into a boot that leaves the
# loading of the module to its stage (plu_noload), so that stage 2 loads it
# its own way: with the retrieve allocation failing (hostile-nomem), racing
# a session finish (insmod-race), after /dev/liveupdate was first opened
# (late-load).  plu_session=NAME on the command line (the scenario's
# vm-args) names the LUO session; stage 2 retrieves it by that name.
. /usr/bin/plu-lib.sh
session=$(sed -n 's/.*plu_session=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
[ -n "$session" ] || { echo "no plu_session= on the command line"; exit 1; }
set -- $(plu_endpoints)
plu_emit mark1 pci-liveupdate mark "$1" "$2"
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session "$session" --kernel "$KERNEL" \
	--initrd "$INITRD" --append "$NEXT_CMDLINE plu_noload"
exit 1
