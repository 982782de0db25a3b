// SPDX-License-Identifier: GPL-2.0
/*
 * plu_test_totalvfs: lower a PF's sriov_totalvfs as its driver may, for the
 * VM tests.  Some PF drivers limit the VFs they support with the exported
 * pci_sriov_set_totalvfs(); the PCI core allows it while VFs are disabled
 * and puts TotalVFs back when the driver is unbound.  Writing "BDF N" to
 * the parameter set_totalvfs does that call on the PF at BDF, bound or not,
 * under its device lock as a probe would; the write fails with its error
 * (-EBUSY while VFs are enabled, -EINVAL above TotalVFs).  So a test can
 * show a PF whose sriov_totalvfs differs from the one recorded before the
 * update, then put it back.  Test-only; never load it elsewhere.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

static int plu_totalvfs_set(const char *val, const struct kernel_param *kp)
{
	unsigned int seg, bus, slot, fn;
	struct pci_dev *pdev;
	u16 n;
	int ret;

	if (sscanf(val, "%x:%x:%x.%x %hu", &seg, &bus, &slot, &fn, &n) != 5 ||
	    bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(seg, bus, PCI_DEVFN(slot, fn));
	if (!pdev)
		return -ENODEV;
	device_lock(&pdev->dev);
	ret = pci_sriov_set_totalvfs(pdev, n);
	device_unlock(&pdev->dev);
	if (!ret)
		pci_info(pdev, "sriov_totalvfs set to %u by %s\n", n,
			 KBUILD_MODNAME);
	pci_dev_put(pdev);
	return ret;
}

static const struct kernel_param_ops plu_totalvfs_ops = {
	.set = plu_totalvfs_set,
};
module_param_cb(set_totalvfs, &plu_totalvfs_ops, NULL, 0200);
MODULE_PARM_DESC(set_totalvfs, "\"BDF N\": pci_sriov_set_totalvfs(BDF, N)");

MODULE_DESCRIPTION("Sets a PF's sriov_totalvfs as a PF driver may (test only)");
MODULE_LICENSE("GPL");
