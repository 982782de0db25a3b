# SPDX-License-Identifier: GPL-2.0
"""hostile-body-order: a resealed image whose record block is not the size
of its folio; rejected for that, without a WARNING."""
from plu_verify import scenario


def verify(d):
    scenario("_corrupt").verify_hostile(
        d, "body-order", "record block is not the size of its folio")
