# SPDX-License-Identifier: GPL-2.0
"""Checks of the upgrade and downgrade scenarios, which share _module-swap's
stages: the module changes during the live update.

The compatibility policy (include/pci_liveupdate_abi.h): a module reads the
wire version it writes and the one the previous release writes; anything
else it rejects with its one clear line.  So whether stage 2 must accept
follows from RELEASES and PLU_WIRE_VERSION, not from what happened.

The SR-IOV PF is marked with its VFs where the writing module can (wire
version 3 on); what the reading module does with that follows the same
rule: it keeps the PF's VF records with the set, or rejects the set as a
whole.  A PF that came without VF records is no PF "marked with its VFs"
to restore-vfs, which refuses it and changes nothing.
"""
import os
import re

from plu_verify import check, check_records, record_of, same_records

PF = "0000:02:00.0"
# The first wire version with SR-IOV records (PCI_LIVEUPDATE_MARK_WITH_VFS).
SRIOV_WIRE = 3

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                   "..", ".."))


def release():
    """(version, commit, wire version) of the last line of RELEASES."""
    with open(os.path.join(TOP, "RELEASES")) as f:
        rows = [ln.split() for ln in f if ln.strip() and
                not ln.startswith("#")]
    ver, commit, wire = rows[-1][:3]
    return ver, commit, int(wire)


def current_wire():
    with open(os.path.join(TOP, "include", "pci_liveupdate_abi.h")) as f:
        return int(re.search(r"#define PLU_WIRE_VERSION\s+(\d+)",
                             f.read()).group(1))


def current_version():
    with open(os.path.join(TOP, "dkms.conf")) as f:
        return re.search(r'PACKAGE_VERSION="([^"]+)"', f.read()).group(1)


def endpoints(sysfs):
    return [x["bdf"] for x in sysfs if not x["vf"] and
            not x["class"].startswith(("0x0604", "0x0600"))]


def sriov_config(rec):
    """What a PF record says of its SR-IOV configuration, as compared
    across the update: counts, autoprobe, each VF's index and what was
    recorded of it (not the verdicts, which only the next kernel has)."""
    s = rec.get("sriov") or {}
    keys = ("index", "vendor", "device", "subsystem_vendor",
            "subsystem_device", "driver", "driver_override")
    return (s.get("num_vfs"), s.get("total_vfs"), s.get("drivers_autoprobe"),
            [tuple(v.get(k) for k in keys) for v in s.get("vfs", [])])


def same_drivers(sysfs1, sysfs2, eps):
    """The endpoints whose driver differs between two plu_sysfs_json."""
    drv1 = {x["bdf"]: x["driver"] for x in sysfs1}
    drv2 = {x["bdf"]: x["driver"] for x in sysfs2}
    return ["%s: %r -> %r" % (b, drv1.get(b), drv2.get(b)) for b in eps
            if drv1.get(b) != drv2.get(b)]


def verify_swap(d, writer, reader):
    rel_ver, _, rel_wire = release()
    wire = {"release": rel_wire, "current": current_wire()}
    # MODULE_VERSION: releases before 0.3.0 had none.
    version = {"release": (rel_ver, "none"), "current": (current_version(),)}
    for n, who in ((1, writer), (2, reader)):
        check(d.text("module%d" % n) == who and d.rc("insmod%d" % n) == 0,
              "stage %d: the %s module loads" % (n, who),
              "%r, insmod rc %r" % (d.text("module%d" % n),
                                    d.rc("insmod%d" % n)))
        check(d.text("version%d" % n) in version[who],
              "stage %d: it is the %s module (version %s)" %
              (n, who, " or ".join(version[who])), d.text("version%d" % n))
    # Today's module reads what the last release writes; the release reads
    # only its own version (it predates the policy or knows no newer one).
    must_accept = (wire[writer] == wire[reader] or
                   (reader == "current" and writer == "release"))
    sysfs1 = d.json("sysfs1") or []
    eps = endpoints(sysfs1)
    out1 = d.json("out1")
    check(d.rc("mark1") == 0 and eps, "stage 1: every endpoint is marked")
    check_records("stage 1 outgoing (%s module)" % writer, out1, sysfs1, eps)
    sriov = {who: wire[who] >= SRIOV_WIRE for who in wire}
    pf1 = record_of(out1, PF)
    vf0 = next((x for x in sysfs1 if x["vf"] and x["driver"]), {})
    if sriov[writer]:
        vfs = (pf1.get("sriov") or {}).get("vfs", [])
        check(d.rc("markpf1") == 0 and pf1.get("with_vfs") is True and
              (pf1.get("sriov") or {}).get("num_vfs") == 2 and
              len(vfs) == 2 and vfs[0].get("bdf") == vf0.get("bdf") and
              vfs[0].get("driver") == "pci-stub" == vf0.get("driver") and
              vfs[1].get("driver") == "",
              "stage 1: the %s module marks the PF with its 2 VFs, VF 0 "
              "on pci-stub" % writer, "%r %r" % (d.text("markpf1"), pf1))
    else:
        check(d.rc("markpf1") == 1 and pf1.get("marked") is True and
              "predates SR-IOV support" in d.text("markpf1") and
              pf1.get("with_vfs") is False and pf1.get("sriov") is None,
              "stage 1: the %s module (wire version %d) refuses "
              "mark --with-vfs, the CLI says why; the PF is marked alone" %
              (writer, wire[writer]), "%r %r" % (d.text("markpf1"), pf1))
    st = d.json("status2") or {}
    if must_accept:
        check(st.get("incoming_state") == "active" and
              st.get("incoming") == len(out1 or []),
              "stage 2: the %s module accepts the set of wire version %d" %
              (reader, wire[writer]), st)
        check(d.text("accept_log") == "1" and d.text("reject_log") == "0",
              "stage 2: one 'incoming device set:' line, no rejection",
              "%r %r" % (d.text("accept_log"), d.text("reject_log")))
        in2 = d.json("in2")
        check_records("stage 2 incoming (%s module)" % reader, in2,
                      d.json("sysfs2") or [], eps, incoming=True)
        same_records("stage 2 incoming equals stage 1 outgoing", in2, out1)
        pf2 = record_of(in2, PF)
        if sriov[writer]:
            vfs = (pf2.get("sriov") or {}).get("vfs", [])
            check(pf2.get("with_vfs") is True and
                  sriov_config(pf2) == sriov_config(pf1) and
                  d.text("numvfs2") == "0" and
                  all(v.get("verdict") == "not-created" for v in vfs),
                  "stage 2: the PF's SR-IOV records came through, every VF "
                  "not-created", "%r %r" % (d.text("numvfs2"), pf2))
            r = d.text("restorepf2")
            check(d.rc("restorepf2") == 0 and r.count(": ok") == 2 and
                  d.text("numvfs2b") == "2",
                  "stage 2: restore-vfs re-creates the 2 VFs, verdicts ok",
                  "%r numvfs %r" % (r, d.text("numvfs2b")))
        else:
            check(pf2.get("with_vfs") is False and pf2.get("sriov") is None,
                  "stage 2: the PF is in the set without VF records (the %s "
                  "module wrote none)" % writer, pf2)
            refused_pf(d)
        check(d.rc("retrieve2") == 0, "stage 2: retrieve --finish succeeds")
        st = d.json("status2b") or {}
        check(st.get("incoming_state") == "finished",
              "stage 2: incoming finished after the session", st)
        check(d.text("released_log") == "1",
              "stage 2: the KHO memory of the set is released",
              d.text("released_log"))
    else:
        check(st.get("incoming_state") == "rejected" and
              st.get("incoming") == 0,
              "stage 2: the %s module rejects wire version %d" %
              (reader, wire[writer]), st)
        check(d.text("reject_log") == "1",
              "stage 2: exactly one log line explains the rejection",
              d.text("reject_log"))
        check(d.text("reject_version_log") == "1",
              "stage 2: ... and it is 'unsupported wire version'",
              d.text("reject_version_log"))
        check(d.text("accept_log") == "0",
              "stage 2: no 'incoming device set:' line",
              d.text("accept_log"))
        check(d.json("in2") == [], "stage 2: nothing from the set is listed",
              d.text("in2"))
        refused_pf(d)
        r = d.json("retrieve2") or {}
        check(d.rc("retrieve2") == 1 and r.get("finished") is True and
              r.get("finish_error") is None and r.get("devices") == [],
              "stage 2: the session's file is retrieved and the session "
              "finishes, no devices; retrieve exits 1 for the rejection",
              d.text("retrieve2"))
        st = d.json("status2b") or {}
        check(st.get("incoming_state") == "rejected" and
              st.get("incoming") == 0,
              "stage 2: the set stays rejected after the session", st)
    bad = same_drivers(sysfs1, d.json("sysfs2") or [], eps)
    check(eps and not bad,
          "stage 2: every endpoint has the driver it had in stage 1",
          "\n".join(bad))
    if d.rc("kmemleak") is not None:  # only where kmemleak is on
        check("unreferenced object" not in d.text("kmemleak"),
              "stage 2: kmemleak finds no leak", d.text("kmemleak"))
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and any(r["marked"] for r in out2),
          "stage 2: marking for the next update works")
    check(d.rc("vfs2") == 0, "stage 2: the PF enables a VF again",
          d.text("vfs2"))
    pf3 = record_of(out2, PF)
    if sriov[reader]:
        s = pf3.get("sriov") or {}
        check(d.rc("markpf2") == 0 and pf3.get("with_vfs") is True and
              s.get("num_vfs") == 1 and len(s.get("vfs", [])) == 1,
              "stage 2: the %s module marks the PF with its VF for the next "
              "update" % reader, "%r %r" % (d.text("markpf2"), pf3))
    else:
        check(d.rc("markpf2") == 1 and pf3 == {} and
              "predates SR-IOV support" in d.text("markpf2"),
              "stage 2: the %s module (wire version %d) refuses "
              "mark --with-vfs, the CLI says why, and marks nothing" %
              (reader, wire[reader]),
              "%r %r" % (d.text("markpf2"), pf3))


def refused_pf(d):
    """restore-vfs of a PF that is in no incoming set with VF records."""
    check(d.rc("restorepf2") == 1 and
          "restore-vfs %s: refused: not in the incoming set as a PF marked "
          "with its VFs" % PF in d.text("restorepf2"),
          "stage 2: restore-vfs of the PF refuses: no VFs recorded for it",
          d.text("restorepf2"))
    check(d.rc("restoreall2") == 0 and
          d.text("restoreall2") ==
          "no PF in the incoming set was marked with its VFs",
          "stage 2: restore-vfs of every such PF finds none",
          d.text("restoreall2"))
    check(d.text("numvfs2") == "0" and d.text("numvfs2b") == "0",
          "stage 2: no VF before restore-vfs, none after (nothing changed)",
          "%r %r" % (d.text("numvfs2"), d.text("numvfs2b")))
