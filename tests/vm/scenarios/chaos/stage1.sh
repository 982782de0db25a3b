# The randomized exerciser (issue 23, item 4): chaos_test's threads draw
# operations on every entry point of the module at random, from a seed,
# and check STATUS against what succeeded, the kernel log, and at the end
# an unload and kmemleak.  A fixed set of seeds; the kernel command line
# picks others (make chaos SEED=... OPS=... THREADS=...):
#   plu_chaos_seed=S1[,S2...]  plu_chaos_ops=N (per thread)
#   plu_chaos_threads=N  plu_chaos_window=MS (the amplifier's delay)
# plu_test_reg_window holds the window between the registration of the
# module's LUO file handler and of its FLB open for 20 ms at every load, so
# that loads racing PRESERVE_FD reach it (defect 1 of issue 23 lives there):
# under TCG the exerciser does about one operation per millisecond, so a
# window of a few milliseconds sees a handful of operations.  A hung task panics the test kernel; the timeout is
# lowered so that it does within the run.
. /usr/bin/plu-lib.sh
seeds="1 2 3"
ops=2500
# The debug kernel (KASAN, lockdep, kmemleak) is several times slower.
[ -e /sys/kernel/debug/kmemleak ] && { seeds="1 2"; ops=400; }
threads=4
window=20
for w in $(cat /proc/cmdline); do
	case $w in
	plu_chaos_seed=*) seeds=$(echo "${w#*=}" | tr , ' ') ;;
	plu_chaos_ops=*) ops=${w#*=} ;;
	plu_chaos_threads=*) threads=${w#*=} ;;
	plu_chaos_window=*) window=${w#*=} ;;
	esac
done
plu_note chaos_seeds "$seeds"
plu_note chaos_ops "$ops"
plu_note chaos_threads "$threads"
if [ -w /proc/sys/kernel/hung_task_timeout_secs ]; then
	echo 20 >/proc/sys/kernel/hung_task_timeout_secs
fi
plu_emit hung_task_timeout cat /proc/sys/kernel/hung_task_timeout_secs
plu_emit hung_task_panic cat /proc/sys/kernel/hung_task_panic
plu_note chaos_window "$window"
plu_emit insmod_window insmod /usr/bin/plu_test_reg_window.ko delay_ms="$window"
all_rc=0
for seed in $seeds; do
	PLU_CHAOS_SEED=$seed PLU_CHAOS_OPS=$ops PLU_CHAOS_THREADS=$threads chaos_test
	seed_rc=$?	# not "rc": plu_emit sets that one
	plu_note "chaos_rc_$seed" "$seed_rc"
	[ "$seed_rc" = 0 ] || all_rc=1
done
plu_note window_hits "$(cat /sys/module/plu_test_reg_window/parameters/hits)"
plu_emit rmmod_window rmmod plu_test_reg_window
plu_dmesg_count refcount_log "refcount_t"
plu_emit module_after cat /proc/modules
exit $all_rc
