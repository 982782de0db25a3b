// SPDX-License-Identifier: GPL-2.0
/*
 * plu_test_cfi_trap - the negative control of the kCFI kernel flavor.
 *
 * Writing 1 to /sys/module/plu_test_cfi_trap/parameters/trigger calls a
 * function of type int (int) through a pointer of type long (long, long).
 * With CONFIG_CFI enforcing, the caller checks the type hash stored in
 * front of the callee before the call, finds another one, and traps: the
 * kernel logs "CFI failure at plu_cfi_call" and oopses, killing the writer.
 * Without kCFI the call just happens and the module says so.  The cfi-trap
 * scenario asserts the trap, which is what makes the cfi flavor's passing
 * runs mean that LUO's and the VFS's indirect calls into pci_liveupdate
 * were checked.  Test-only; never load it elsewhere.
 */
#include <linux/compiler.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

typedef long (*plu_cfi_wrong_type)(long a, long b);

static int plu_cfi_target(int x)
{
	return x + 1;
}

static noinline int plu_cfi_call(void)
{
	/* Through void *: the mismatch is the point, not a cast warning. */
	plu_cfi_wrong_type fn = (plu_cfi_wrong_type)(void *)plu_cfi_target;

	OPTIMIZER_HIDE_VAR(fn);	/* keep the call indirect */
	return fn(1, 2);
}

static int plu_cfi_trigger_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	if (!on)
		return 0;
	pr_info("calling int (int) through a long (long, long) pointer\n");
	ret = plu_cfi_call();
	pr_info("the mismatched call returned %d: no kCFI check trapped\n", ret);
	return 0;
}

static const struct kernel_param_ops plu_cfi_trigger_ops = {
	.set = plu_cfi_trigger_set,
};
module_param_cb(trigger, &plu_cfi_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger, "1: make a type-mismatched indirect call");

MODULE_DESCRIPTION("pci-liveupdate test: a kCFI violation on demand");
MODULE_LICENSE("GPL");
