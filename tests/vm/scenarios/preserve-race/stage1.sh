# A LUO session preserving /dev/pci_liveupdate while the module loads
# (issue 23): the file must carry the set whenever LUO takes it, also when
# it is tried between the registration of the file handler and of the FLB
# (plu_test_reg_window holds that window open).  Then a
# module whose FLB registration fails (fault_flb_register): it stays
# loaded, refuses to be preserved, says so in STATUS and sysfs, the CLI
# refuses both kinds of kexec, and it unloads cleanly.
. /usr/bin/plu-lib.sh
# with_stderr CMD... - CMD with its stderr (the CLI's refusals) recorded too
with_stderr() { "$@" 2>&1; }
plu_emit rmmod_boot rmmod pci_liveupdate
# Each load holds the window open for 20 ms (a kprobe busy-waits in
# liveupdate_register_flb()), so that every round reaches into it.
plu_emit insmod_window insmod /usr/bin/plu_test_reg_window.ko delay_ms=20
PLU_RACE_ROUNDS=10 preserve_race_test
race_rc=$?	# not "rc": plu_emit sets that one
plu_note preserve_race_rc "$race_rc"
plu_note window_hits "$(cat /sys/module/plu_test_reg_window/parameters/hits)"
plu_emit rmmod_window rmmod plu_test_reg_window

plu_emit insmod_noflb insmod /lib/modules/pci_liveupdate.ko fault_inject=1 fault_flb_register=1
plu_emit status_noflb pci-liveupdate status --json
plu_emit sysfs_noflb cat /sys/class/misc/pci_liveupdate/luo_ready
plu_dmesg_count noflb_log "cannot register LUO FLB pci-liveupdate-set-v1: -28"
set -- $(plu_endpoints)
plu_emit mark_noflb pci-liveupdate mark "$1"
plu_emit kexec_noflb with_stderr pci-liveupdate kexec --force --no-reboot --session pr-noflb \
	--kernel "$KERNEL" --append "$NEXT_CMDLINE"
# --systemctl, with a systemctl that says the service's fd store holds
# the file ("systemctl show"), and what the preflight needs to pass
# otherwise.
mkdir -p /tmp/fake-bin
printf '#!/bin/sh\nprintf "ActiveState=active\\nSubState=running\\nNFileDescriptorStore=1\\n"\n' >/tmp/fake-bin/systemctl
chmod +x /tmp/fake-bin/systemctl
plu-make-initrd || exit 1
PATH=/tmp/fake-bin:$PATH plu_emit systemctl_noflb with_stderr pci-liveupdate kexec --systemctl \
	--dry-run --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
plu_emit rmmod_noflb rmmod pci_liveupdate
plu_emit insmod_ready insmod /lib/modules/pci_liveupdate.ko
plu_emit status_ready pci-liveupdate status --json
plu_emit sysfs_ready cat /sys/class/misc/pci_liveupdate/luo_ready
PATH=/tmp/fake-bin:$PATH plu_emit systemctl_ready with_stderr pci-liveupdate kexec --systemctl \
	--dry-run --kernel "$KERNEL" --initrd "$INITRD" --append "$NEXT_CMDLINE"
plu_dmesg_count refcount_log "refcount_t"
exit $race_rc
