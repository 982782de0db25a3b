# SPDX-License-Identifier: GPL-2.0
"""rescan-race: devices below bridges cross the update; remove/rescan
racing LIST_INCOMING, QUERY and debugfs (rescan_race_test)."""
from plu_verify import check, check_records, same_records


def verify(d):
    marked = ["0000:04:01.0", "0000:01:00.0", "0000:00:02.0"]
    out1 = d.json("out1")
    check(d.rc("mark1") == 0, "stage 1: devices below the bridges marked")
    check_records("stage 1 outgoing", out1, d.json("sysfs1") or [], marked)
    check(d.rc("rescan_race_rc") is not None,
          "stage 2: rescan_race_test ran to the end")
    check(d.text("rescan_race_rc") == "0",
          "stage 2: remove/rescan racing LIST_INCOMING, QUERY, debugfs pass",
          d.text("rescan_race_rc"))
    in2 = d.json("in2")
    check_records("stage 2 incoming after the last rescan", in2,
                  d.json("sysfs2") or [], marked, incoming=True)
    same_records("stage 2: incoming equals stage 1 outgoing", in2, out1)
    check(d.rc("retrieve2") == 0, "stage 2: retrieve --finish succeeds")
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "finished" and
          st.get("incoming") == len(out1 or []),
          "stage 2: incoming set finished, every record kept", st)
