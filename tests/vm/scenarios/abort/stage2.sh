. /usr/bin/plu-lib.sh
plu_emit in2 pci-liveupdate list --incoming --json
plu_emit retrieve2 pci-liveupdate retrieve --session ab --finish --json
