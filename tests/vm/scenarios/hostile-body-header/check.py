# SPDX-License-Identifier: GPL-2.0
"""hostile-body-header: a resealed image whose record block is its header
page; rejected for that, without a WARNING."""
from plu_verify import scenario


def verify(d):
    scenario("_corrupt").verify_hostile(
        d, "body-header", "record block overlaps the header page")
