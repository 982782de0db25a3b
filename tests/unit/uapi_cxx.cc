// SPDX-License-Identifier: GPL-2.0
// The uAPI header must be usable from C++ as well as C: no member may be
// named after a C++ keyword (such as "class").  Built with g++, not run.
#include "linux/pci_liveupdate.h"

static_assert(sizeof(struct pci_liveupdate_device) % 8 == 0,
	      "pci_liveupdate_device keeps its alignment in C++");

int main()
{
	struct pci_liveupdate_device d = {};

	d.class_code = 0x010802;
	return d.class_code == 0x010802 ? 0 : 1;
}
