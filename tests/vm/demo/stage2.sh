# make demo, new kernel: what came through, checked against this boot.
. /usr/bin/plu-lib.sh
show() { tag=$1; shift; "$@" 2>&1 | sed "s/^/@@$tag@@ /" >"$PLU_DATA"; plu_data_drain; }
show after pci-liveupdate retrieve --session demo --finish
show after pci-liveupdate status
