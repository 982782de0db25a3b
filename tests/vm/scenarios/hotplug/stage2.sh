# Unplug an incoming device before finish: reported missing, then finish.
. /usr/bin/plu-lib.sh
plu_emit in2a pci-liveupdate list --incoming --json
plu-device-del nvmepf 0000:02:00.0 || exit 1
plu_emit in2b pci-liveupdate list --incoming --json
plu_emit query_missing pci-liveupdate query 0000:02:00.0 --json
plu_emit retrieve2 pci-liveupdate retrieve --session hp --finish --json
