# SPDX-License-Identifier: GPL-2.0
"""Checks of the scenarios that share _corrupt's stages.

Not a scenario itself: corrupt-*/check.py and hostile-body-*/check.py,
hostile-unfrozen/check.py call these.  corrupt-* break the image (the
header CRC no longer matches); hostile-* reseal a well-formed image that
lies about its record block.
"""
from plu_verify import check, reject_reason


def verify_corrupt(d):
    out1 = d.json("out1")
    check(d.rc("mark1") == 0 and out1, "stage 1: devices marked")
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "rejected",
          "stage 2: the corrupted image is rejected", st)
    check(st.get("incoming_error") == -22 and st.get("incoming") == 0,
          "stage 2: STATUS reports -EINVAL and no incoming records", st)
    check(int(d.text("reject_log") or -1) == 1,
          "stage 2: exactly one log line explains the rejection",
          d.text("reject_log"))
    check(d.json("in2") == [], "stage 2: nothing from the image is listed",
          d.text("in2"))
    check(d.rc("retrieve2") == 1,
          "stage 2: retrieve reports the rejected set (exit 1)")
    st = d.json("status2b") or {}
    check(st.get("incoming_state") == "rejected",
          "stage 2: still rejected after the session finished", st)
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and
          any(r["marked"] for r in out2),
          "stage 2: marking for the next update still works")


def verify_hostile(d, mode, why):
    """A hostile but well-formed image (CRC resealed by the fault mode)."""
    check(d.text("armed") == mode,
          "stage 1: debugfs fault '%s' armed" % mode, d.text("armed"))
    verify_corrupt(d)
    reason = reject_reason(d.text("reject_line"))
    check(reason is not None and reason.startswith(why),
          "stage 2: the log line says: %s" % why, d.text("reject_line"))
    check(d.text("warn_log") == "0", "stage 2: no WARNING in the kernel log",
          d.text("warn_log"))
