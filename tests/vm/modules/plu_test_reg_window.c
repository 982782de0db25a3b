// SPDX-License-Identifier: GPL-2.0
/*
 * plu_test_reg_window - hold open the window between the registration of
 * pci_liveupdate's LUO file handler and of its FLB.
 *
 * A kprobe on liveupdate_register_flb() busy-waits @delay_ms milliseconds
 * before LUO registers any FLB, so that whoever registered a file handler
 * just before (pci_liveupdate's init) stays for that long with the handler
 * registered and the FLB not.  A file preserved then must be refused by
 * the handler (scenario preserve-race); without the refusal LUO preserves
 * it without the FLB in every round, not once in many.  @hits counts the
 * calls delayed.  Test-only; never load it elsewhere.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned int delay_ms = 20;
module_param(delay_ms, uint, 0644);
MODULE_PARM_DESC(delay_ms, "Milliseconds to wait at each liveupdate_register_flb() call");

static atomic_t hits = ATOMIC_INIT(0);

static int plu_hits_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hits));
}

static const struct kernel_param_ops plu_hits_ops = {
	.get = plu_hits_get,
};
module_param_cb(hits, &plu_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "liveupdate_register_flb() calls delayed so far");

/* Atomic context: a busy wait, which is the point. */
static int plu_window_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&hits);
	mdelay(READ_ONCE(delay_ms));
	return 0;
}

static struct kprobe plu_window_kp = {
	.symbol_name = "liveupdate_register_flb",
	.pre_handler = plu_window_pre,
};

static int __init plu_window_init(void)
{
	return register_kprobe(&plu_window_kp);
}

static void __exit plu_window_exit(void)
{
	unregister_kprobe(&plu_window_kp);
}

module_init(plu_window_init);
module_exit(plu_window_exit);

MODULE_DESCRIPTION("Widen pci_liveupdate's LUO registration window (test only)");
MODULE_LICENSE("GPL");
