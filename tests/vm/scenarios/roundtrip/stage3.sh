# Second hop: the subset marked in stage 2 arrives.
. /usr/bin/plu-lib.sh
plu_emit in3 pci-liveupdate list --incoming --json
plu_emit retrieve3 pci-liveupdate retrieve --session rt2 --finish --json
plu_emit status3 pci-liveupdate status --json
