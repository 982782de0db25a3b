# SPDX-License-Identifier: GPL-2.0
"""roundtrip: every endpoint over two live updates, checked against
sysfs; VFs refused."""
from plu_verify import check, check_records, same_records


def endpoints(sysfs):
    return [d["bdf"] for d in sysfs if not d["vf"] and
            not d["class"].startswith(("0x0604", "0x0600"))]


def verify(d):
    sysfs1 = d.json("sysfs1")
    check(sysfs1, "stage 1 sysfs snapshot recorded")
    if not sysfs1:
        return
    eps = endpoints(sysfs1)
    vfs = [x["bdf"] for x in sysfs1 if x["vf"]]
    check(len(vfs) >= 2, "SR-IOV VFs were enabled (%d)" % len(vfs))
    check(d.rc("mark1") == 0, "marking every endpoint succeeds")
    vf_rcs = [rc for rc, _ in d.all("mark_vf")]
    check(len(vf_rcs) == len(vfs) and all(rc == 1 for rc in vf_rcs),
          "marking a VF is refused (exit 1) for each VF", vf_rcs)
    check(int(d.text("vf_log") or 0) >= len(vfs),
          "the kernel log names each refused VF")
    out1 = d.json("out1")
    check_records("stage 1 outgoing", out1, sysfs1, eps)
    st = d.json("status1") or {}
    check(st.get("state") == "idle" and st.get("marked") == len(eps) and
          st.get("outgoing") == len(out1 or []),
          "stage 1 status: idle, counts match", st)
    if any("/pci0000:40/" in x["devpath"] for x in sysfs1):
        bus40 = [r for r in out1 or [] if r["path"].startswith("0000:40/")]
        check(bus40, "the second root bus (pxb) is in the set")
    deep = [r for r in out1 or [] if r["path"].count("/") >= 3]
    check(deep, "a device behind two bridges is in the set")

    st = d.json("status2a") or {}
    check(st.get("incoming_state") == "active" and
          st.get("incoming") == len(out1 or []),
          "stage 2: incoming set active before the session is retrieved", st)
    in2 = d.json("in2")
    check_records("stage 2 incoming", in2, d.json("sysfs2") or [], eps,
                  incoming=True)
    same_records("stage 2 incoming equals stage 1 outgoing", in2, out1)
    check(d.rc("retrieve2") == 0, "stage 2: retrieve --finish succeeds")
    r2 = d.json("retrieve2") or {}
    same_records("retrieve --json lists the same devices",
                 r2.get("devices"), out1)
    st = d.json("status2b") or {}
    check(st.get("incoming_state") == "finished",
          "stage 2: incoming finished after session finish", st)
    check(d.rc("retrieve2_again") == 1,
          "stage 2: retrieving a finished session fails with exit 1")
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and
          all(r["class"] == "0x010802" or r["bridge"] for r in out2),
          "stage 2: only the NVMe devices (and bridges) are marked")
    in3 = d.json("in3")
    same_records("stage 3 incoming equals stage 2 outgoing (second update)",
                 in3, out2)
    check(in3 and all(r.get("verdict") == "ok" for r in in3),
          "stage 3 verdicts ok")
    check(d.rc("retrieve3") == 0, "stage 3: retrieve --finish succeeds")
