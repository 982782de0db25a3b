# SPDX-License-Identifier: GPL-2.0
"""hostile-nomem: no memory to decode the incoming set: reported, never
returned."""
from plu_verify import check


def verify(d):
    check(d.rc("mark1") == 0 and d.json("out1"), "stage 1: devices marked")
    check(d.rc("insmod_nomem") == 0,
          "stage 2: the module loads with fault_retrieve_nomem=1",
          d.text("insmod_nomem"))
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "rejected" and
          st.get("incoming_error") == -12 and st.get("incoming") == 0,
          "stage 2: STATUS says rejected with -ENOMEM, no records", st)
    check(d.text("reject_log") == "1" and
          "incoming device set rejected: out of memory" in
          d.text("reject_line"),
          "stage 2: one log line says the set was rejected for lack of memory",
          d.text("reject_line"))
    check(d.json("in2") == [], "stage 2: nothing is listed", d.text("in2"))
    check(d.rc("retrieve2") == 1,
          "stage 2: retrieve --finish reports the rejected set (exit 1)",
          d.text("retrieve2"))
    st = d.json("status2b") or {}
    check(st.get("incoming_state") == "rejected" and
          d.text("finish_log") == "1",
          "stage 2: the session finished, FLB finish ran once", st)
    check(d.text("warn_log") == "0",
          "stage 2: no WARNING (LUO did not see a failed retrieve)",
          d.text("warn_log"))
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and any(r["marked"] for r in out2),
          "stage 2: marking for the next update still works")
