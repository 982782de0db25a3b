# Shared stages of the upgrade and downgrade scenarios (symlinked there):
# a live update during which the module itself changes.  plu_modules=A,B on
# the command line (the scenario's vm-args) names the module of stage 1 and
# of stage 2: "release" is the module of the last release (RELEASES, in
# /usr/bin), "current" today's.  No module is loaded at boot (plu_noload,
# kept on the next command line too): each stage loads its own.
#
# Stage 1: module A marks every endpoint and carries the set.
. /usr/bin/plu-lib.sh
plu_swap_load 1 || exit 1
plu_emit sysfs1 plu_sysfs_json
plu_emit mark1 pci-liveupdate mark $(plu_endpoints)
plu_emit out1 pci-liveupdate list --outgoing --json
plu-make-initrd || exit 1
pci-liveupdate kexec --session swap --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
exit 1
