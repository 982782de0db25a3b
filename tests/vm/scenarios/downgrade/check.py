# SPDX-License-Identifier: GPL-2.0
"""downgrade: a set written by the current module, read by the release one."""
from plu_verify import scenario


def verify(d):
    scenario("_module-swap").verify_swap(d, "current", "release")
