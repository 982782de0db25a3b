# Every ioctl, success and error paths, abuse loop (in-guest kselftest).
. /usr/bin/plu-lib.sh
plu_enable_vfs || exit 1
ioctl_test
