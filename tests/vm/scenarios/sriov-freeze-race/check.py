# SPDX-License-Identifier: GPL-2.0
"""sriov-freeze-race: the kexec of a PF marked with its VFs while
sriov_numvfs toggles and a VF is bound and unbound: the set arrives, and
the PF's SR-IOV record is a consistent snapshot of one moment."""
from plu_verify import check, record_of

PF = "0000:02:00.0"


def sriov_of(recs, bdf):
    return (record_of(recs, bdf) or {}).get("sriov") or {}


def snapshot_problem(s, vfbdfs, ids):
    """Why the SR-IOV record @s is no snapshot of one moment of the
    toggler, or None.  VFs are added from index 0 up and removed from index
    0 up (drivers/pci/iov.c) and num_vfs is one past the highest VF
    present, so the records are exactly the indices num_vfs - count ..
    num_vfs - 1: all or none when settled, 0..k during an enable, k..1
    during a disable.  A notifier that does not follow a removal leaves
    num_vfs or a record behind, one that misses an add leaves a gap."""
    vfs = s.get("vfs")
    if not isinstance(vfs, list):
        return "no VF list"
    num, total = s.get("num_vfs"), s.get("total_vfs")
    if total != len(vfbdfs):
        return "total_vfs %r, the PF has %d" % (total, len(vfbdfs))
    if s.get("drivers_autoprobe") is not False:
        return "drivers_autoprobe %r, it was 0" % s.get("drivers_autoprobe")
    if not isinstance(num, int) or num > total or len(vfs) > num:
        return "num_vfs %r with %d VF records" % (num, len(vfs))
    if bool(vfs) != bool(num):
        return "num_vfs %d with %d VF records" % (num, len(vfs))
    idx = [v.get("index") for v in vfs]
    if idx != list(range(num - len(vfs), num)):
        return ("VF indices %r, expected %r (num_vfs %d): a record missing, "
                "repeated or left behind" %
                (idx, list(range(num - len(vfs), num)), num))
    for v in vfs:
        i = v["index"]
        if v.get("bdf") != vfbdfs[i] or \
                (v.get("vendor"), v.get("device")) != ids:
            return "VF %d recorded as %s %s:%s, it was %s %s:%s" % (
                i, v.get("bdf"), v.get("vendor"), v.get("device"),
                vfbdfs[i], ids[0], ids[1])
        if v.get("verdict") != "not-created" or v.get("cur_bdf") is not None:
            return "VF %d verdict %r cur_bdf %r before any VF exists" % (
                i, v.get("verdict"), v.get("cur_bdf"))
        drv, ovr = v.get("driver"), v.get("driver_override")
        ok = (drv, ovr) in (("", ""), ("", "pci-stub"),
                            ("pci-stub", "pci-stub"))
        if not ok or (i and (drv or ovr)):
            return ("VF %d driver %r driver_override %r: only VF 0 is "
                    "bound, to pci-stub through its override" % (i, drv, ovr))
    return None


def verify(d):
    check(d.rc("mark1") == 0, "stage 1: mark --with-vfs of the PF",
          d.text("mark1"))
    vfbdfs = (d.text("vfs1") or "").split()
    ids = tuple((d.text("vfids1") or " ").split(" ", 1))
    check(len(vfbdfs) == 2, "stage 1: the PF's 2 VFs", d.text("vfs1"))
    s = sriov_of(d.json("out1a"), PF)
    check(s.get("num_vfs") == 2 and
          [v.get("bdf") for v in s.get("vfs", [])] == vfbdfs,
          "stage 1: marked, then 2 VFs enabled: both recorded", s)
    out1b = d.json("out1b") or []
    s = sriov_of(out1b, PF)
    check(s.get("num_vfs") == 0 and s.get("vfs") == [],
          "stage 1: then disabled: none recorded, num_vfs 0", s)

    # The race: the kexec came while the toggler ran, the set preserved.
    check(d.text("toggler_ready") == "preserved",
          "stage 1: the toggler preserved the set and ran its warm-up cycles",
          d.text("toggler_ready"))
    end = (d.text("toggler_end") or "").split()
    check(not end or end[-1] == "frozen",
          "stage 1: the toggler neither ran out of cycles nor had a step "
          "refused before the freeze (the kexec came while it ran)",
          d.text("toggler_end"))

    st = d.json("status2") or {}
    in2 = d.json("in2") or []
    check(st.get("incoming_state") == "active" and
          st.get("incoming_error") == 0 and st.get("incoming") == len(out1b),
          "stage 2: LUO handed the image over: the incoming set is active",
          st)
    check(sorted(r.get("bdf") for r in in2) ==
          sorted(r.get("bdf") for r in out1b),
          "stage 2: the incoming set is the outgoing one (the PF and its "
          "bridge)", [r.get("bdf") for r in in2])
    pf = record_of(in2, PF)
    check(pf.get("with_vfs") is True and pf.get("verdict") == "ok",
          "stage 2: the PF is here, recorded with its VFs", pf)
    s = sriov_of(in2, PF)
    why = snapshot_problem(s, vfbdfs, ids)
    check(why is None,
          "stage 2: the SR-IOV record is one moment of the toggler "
          "(num_vfs %s, VFs %s)" % (s.get("num_vfs"),
                                    [v.get("index") for v in
                                     s.get("vfs") or []]),
          "%s: %s" % (why, s))
    check(d.text("numvfs2") == "0", "stage 2: no VF exists yet",
          d.text("numvfs2"))
    check(d.rc("retrieve2") == 0 and
          (d.json("status2b") or {}).get("incoming_state") == "finished",
          "stage 2: the session is retrieved and finished",
          d.text("retrieve2"))
