# SPDX-License-Identifier: GPL-2.0
"""upgrade: a set written by the release module, read by the current one."""
from plu_verify import scenario


def verify(d):
    scenario("_module-swap").verify_swap(d, "release", "current")
