# SPDX-License-Identifier: GPL-2.0
"""insmod-race: the module loaded while the session is being finished
(insmod_race_test): one of two consistent outcomes, never a refcount report."""
from plu_verify import check, same_records


def verify(d):
    out1 = d.json("out1") or []
    check(d.rc("mark1") == 0 and out1, "stage 1: devices marked")
    check(d.text("loaded_at_start") == "0",
          "stage 2: the module is not loaded at boot (plu_noload)",
          d.text("loaded_at_start"))
    check(d.text("insmod_race_rc") == "0",
          "stage 2: insmod_race_test passes", d.text("insmod_race_rc"))
    words = d.text("outcome").split()
    outcome = words[0] if words else ""
    print("# insmod-race outcome: %s" % (d.text("outcome") or "none"))
    check(outcome in ("finished", "eio"),
          "stage 2: a consistent outcome was recorded", d.text("outcome"))
    st = d.json("status2") or {}
    nh = int(d.text("no_handler_log") or -1)
    if outcome == "finished":
        check(st.get("incoming_state") == "finished",
              "finished: the session finished and so did the incoming set",
              st)
        check(nh == 0, "finished: LUO matched our file to its handler",
              d.text("no_handler_log"))
    elif outcome == "eio":
        check(st.get("incoming_state") == "active" and
              st.get("incoming") == len(out1),
              "eio: the incoming set is still active, every record kept", st)
        check(nh >= 1, "eio: LUO logged the missing handler",
              d.text("no_handler_log"))
    check(d.text("refcount_log") == "0",
          "stage 2: no refcount_t report in the kernel log",
          d.text("refcount_log"))
    same_records("stage 2: the incoming set equals the outgoing set",
                 d.json("in2"), out1)
    check(d.rc("retrieve_after") == 1,
          "stage 2: the session cannot be retrieved again (finished, or "
          "LUO unusable this boot)", d.text("retrieve_after"))
