// SPDX-License-Identifier: GPL-2.0
/*
 * plu_test_vf_trap: a PCI driver for the VM tests that claims every SR-IOV
 * VF of QEMU's nvme (1b36:0010) that probes while it is loaded and has no
 * driver_override naming another driver.  It probes synchronously, so it
 * binds such a VF during the sriov_numvfs write that creates it, before
 * nvme (which prefers asynchronous probing) gets to it.  A restore that
 * lets a VF probe before setting its driver_override thus leaves the VF
 * on this driver, and the scenario's driver and verdict checks fail.
 * PFs are refused.  Probing only logs; the device is not touched.
 */
#include <linux/module.h>
#include <linux/pci.h>

static const struct pci_device_id plu_test_vf_trap_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0010) },
	{ }
};
MODULE_DEVICE_TABLE(pci, plu_test_vf_trap_ids);

static int plu_test_vf_trap_probe(struct pci_dev *pdev,
				  const struct pci_device_id *id)
{
	if (!pdev->is_virtfn)
		return -ENODEV;
	pci_info(pdev, "VF bound to %s\n", KBUILD_MODNAME);
	return 0;
}

static void plu_test_vf_trap_remove(struct pci_dev *pdev)
{
}

static struct pci_driver plu_test_vf_trap_driver = {
	.name = KBUILD_MODNAME,
	.id_table = plu_test_vf_trap_ids,
	.probe = plu_test_vf_trap_probe,
	.remove = plu_test_vf_trap_remove,
	.driver.probe_type = PROBE_FORCE_SYNCHRONOUS,
};
module_pci_driver(plu_test_vf_trap_driver);

MODULE_DESCRIPTION("PCI driver that takes QEMU nvme VFs probed without an override (test only)");
MODULE_LICENSE("GPL");
