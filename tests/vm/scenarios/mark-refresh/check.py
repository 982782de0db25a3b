# SPDX-License-Identifier: GPL-2.0
"""mark-refresh: an AUTO bridge marked later is recorded as it is then."""
from plu_verify import check, record_of


def verify(d):
    auto = record_of(d.json("out_auto"), "0000:00:04.0")
    check(d.rc("mark_child") == 0 and auto.get("auto") and
          not auto.get("marked") and auto.get("driver") == "pcieport",
          "the root port is tracked for its child, bound to pcieport", auto)
    check(d.text("rp_driver") == "",
          "its driver was unbound before it is marked", d.text("rp_driver"))
    now = record_of(d.json("out_marked"), "0000:00:04.0")
    check(d.rc("mark_rp") == 0 and now.get("marked") and now.get("auto"),
          "marking it keeps it AUTO for its child and adds MARKED", now)
    check(now.get("driver") == "",
          "its record has the driver it has now (none), not pcieport", now)
