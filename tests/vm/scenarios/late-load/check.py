# SPDX-License-Identifier: GPL-2.0
"""late-load: the module loaded after /dev/liveupdate was first opened:
the session is lost, the incoming set stays readable."""
from plu_verify import check, same_records


def verify(d):
    check(d.rc("mark1") == 0 and d.json("out1"), "stage 1: devices marked")
    check(d.text("loaded_at_start") == "0",
          "stage 2: the module is not loaded at boot (plu_noload)",
          d.text("loaded_at_start"))
    check(d.rc("insmod_late") == 0,
          "stage 2: the module loads after /dev/liveupdate was opened",
          d.text("insmod_late"))
    check(int(d.text("no_handler_log") or 0) >= 1,
          "stage 2: LUO logs that no handler matched our file",
          d.text("no_handler_log"))
    check(d.text("first_open_rc") not in ("", "0"),
          "stage 2: the first open of /dev/liveupdate fails",
          d.text("first_open_rc"))
    check(d.text("second_open_rc") not in ("", "0"),
          "stage 2: /dev/liveupdate cannot be opened after the module "
          "loaded either", d.text("second_open_rc"))
    check(d.rc("retrieve_late") != 0,
          "stage 2: the session cannot be retrieved", d.text("retrieve_late"))
    st = d.json("status2") or {}
    n = len(d.json("out1") or [])
    check(st.get("incoming_state") == "active" and st.get("incoming") == n,
          "stage 2: the incoming set is still readable (active, %d records)"
          % n, st)
    same_records("stage 2: incoming equals outgoing", d.json("in2"),
                 d.json("out1"))
    check(d.rc("rmmod_late") != 0,
          "stage 2: the module cannot be unloaded (FLB never finishes)")
