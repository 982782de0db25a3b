# SPDX-License-Identifier: GPL-2.0
"""verdicts: renumbered buses give path-moved, an unbound driver
driver-mismatch; --rebind sets driver_override."""
from plu_verify import check, hexint, same_records


def verify(d):
    sysfs2 = {x["bdf"]: x for x in d.json("sysfs2") or []}
    out1 = d.json("out1") or []
    check(d.rc("mark1") == 0 and d.rc("mark_rebind") == 0 and out1,
          "stage 1: marked, one with --rebind")
    rb = [r for r in out1 if r.get("rebind")]
    check([r["bdf"] for r in rb] == ["0000:00:03.0"],
          "stage 1: exactly the --rebind device carries the flag", rb)
    in2 = d.json("in2a") or []
    same_records("stage 2: incoming equals outgoing", in2, out1)
    moved = [r for r in in2 if r.get("verdict") == "path-moved"]
    check(moved, "stage 2: renumbered buses give path-moved verdicts",
          [(r["bdf"], r["verdict"]) for r in in2])
    bad = []
    for r in in2:
        cur = sysfs2.get(r.get("cur_bdf") or "")
        if r["verdict"] not in ("ok", "path-moved"):
            bad.append("%s %s" % (r["bdf"], r["verdict"]))
        elif not cur or hexint(cur["device"]) != hexint(r["device"]) or \
                hexint(cur["vendor"]) != hexint(r["vendor"]):
            bad.append("%s -> %s is not the same device" % (
                r["bdf"], r.get("cur_bdf")))
        elif (r["verdict"] == "ok") != (r["cur_bdf"] == r["bdf"]):
            bad.append("%s verdict %s but now at %s" % (
                r["bdf"], r["verdict"], r["cur_bdf"]))
    check(not bad, "stage 2: every device found where the verdict says",
          "\n".join(bad))
    check(d.text("override") == "virtio-pci",
          "stage 2: --rebind set driver_override to the recorded driver",
          d.text("override"))
    in2b = {r["bdf"]: r for r in d.json("in2b") or []}
    check(in2b.get("0000:00:02.0", {}).get("verdict") == "driver-mismatch",
          "stage 2: unbinding its driver gives driver-mismatch",
          in2b.get("0000:00:02.0"))
    q = d.json("query_unbound") or {}
    check((q.get("incoming") or {}).get("verdict") == "driver-mismatch",
          "stage 2: QUERY agrees", q)
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")
