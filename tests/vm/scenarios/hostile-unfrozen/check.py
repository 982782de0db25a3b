# SPDX-License-Identifier: GPL-2.0
"""hostile-unfrozen: a resealed image that LUO freeze never sealed;
rejected for that, without a WARNING."""
from plu_verify import scenario


def verify(d):
    scenario("_corrupt").verify_hostile(
        d, "unfrozen", "image was not sealed by LUO freeze")
