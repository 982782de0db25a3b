# Lifecycle in the new kernel: unload refused while the incoming set is
# held, finishing twice fails the second time, and the module stays loaded
# after finish (a reload would re-read freed KHO memory).
. /usr/bin/plu-lib.sh
plu_emit rmmod_incoming rmmod pci_liveupdate
plu_emit retrieve_1 pci-liveupdate retrieve --session lc --finish
plu_emit retrieve_2 pci-liveupdate retrieve --session lc --finish
plu_emit rmmod_finished rmmod pci_liveupdate
plu_emit status2 pci-liveupdate status --json
