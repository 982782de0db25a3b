// SPDX-License-Identifier: GPL-2.0
/*
 * plu_test_long_stub: a PCI driver for the VM tests whose name is longer
 * than the 16 bytes pci_liveupdate keeps across an update.  It matches no
 * device by itself (no ID table); a test binds one to it through
 * driver_override.  Probing only logs; the device is not touched.
 */
#include <linux/module.h>
#include <linux/pci.h>

static int plu_test_long_stub_probe(struct pci_dev *pdev,
				    const struct pci_device_id *id)
{
	pci_info(pdev, "bound to %s\n", KBUILD_MODNAME);
	return 0;
}

static struct pci_driver plu_test_long_stub_driver = {
	.name = KBUILD_MODNAME,
	.probe = plu_test_long_stub_probe,
};
module_pci_driver(plu_test_long_stub_driver);

MODULE_DESCRIPTION("PCI driver with a long name, bound only through driver_override (test only)");
MODULE_LICENSE("GPL");
