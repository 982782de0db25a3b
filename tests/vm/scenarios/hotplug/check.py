# SPDX-License-Identifier: GPL-2.0
"""hotplug: a marked device unplugged before the kexec leaves the set;
one unplugged before finish is reported missing."""
from plu_verify import bdfs, check, same_records


def verify(d):
    out1a = d.json("out1a")
    check(d.rc("mark1") == 0 and "0000:01:00.0" in bdfs(out1a) and
          "0000:00:04.0" in bdfs(out1a),
          "stage 1: NVMe and its root port tracked before unplug")
    st = d.json("status1") or {}
    check(st.get("removed") == 1 and st.get("marked") == 2,
          "stage 1: STATUS counts the removed device", st)
    out1b = d.json("out1b")
    check("0000:01:00.0" not in bdfs(out1b) and
          "0000:00:04.0" not in bdfs(out1b) and
          "0000:00:02.0" in bdfs(out1b),
          "stage 1: removed device and its now unneeded bridge dropped",
          bdfs(out1b))
    check(d.rc("query_gone") == 1,
          "stage 1: QUERY of the removed device: not tracked")
    in2a = d.json("in2a")
    same_records("stage 2: incoming equals the outgoing set after unplug",
                 in2a, out1b)
    in2b = {r["bdf"]: r for r in d.json("in2b") or []}
    check(in2b.get("0000:02:00.0", {}).get("verdict") == "missing",
          "stage 2: device unplugged before finish is reported missing",
          in2b.get("0000:02:00.0"))
    check(all(r["verdict"] == "ok" for b, r in in2b.items()
              if b != "0000:02:00.0"), "stage 2: the others stay ok")
    q = d.json("query_missing") or {}
    check((q.get("incoming") or {}).get("verdict") == "missing",
          "stage 2: QUERY says missing too", q)
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")
