# SPDX-License-Identifier: GPL-2.0
"""hostile-body-oversize: a resealed image whose record block is larger
than its capacity; rejected for that, without a WARNING."""
from plu_verify import scenario


def verify(d):
    scenario("_corrupt").verify_hostile(
        d, "body-oversize", "record block larger than its capacity")
