# The kCFI negative control: a type-mismatched indirect call must trap on
# the cfi kernel (tests/vm/modules/plu_test_cfi_trap.c).  The writer of the
# trigger is killed by the oops; the call never returns.  Also records that
# pci_liveupdate itself loaded on this kernel (its handlers are reached
# through indirect calls that kCFI checks: the cfi flavor's other scenarios).
. /usr/bin/plu-lib.sh
plu_note plu_loaded "$(grep -c '^pci_liveupdate ' /proc/modules)"
plu_emit insmod_trap insmod /usr/bin/plu_test_cfi_trap.ko
sh -c 'echo 1 >/sys/module/plu_test_cfi_trap/parameters/trigger'
plu_note trigger_rc $?
plu_dmesg_count cfi_log "CFI failure at plu_cfi_call"
plu_dmesg_count returned_log "the mismatched call returned"
plu_dmesg_count calling_log "calling int (int) through a long (long, long) pointer"
exit 0
