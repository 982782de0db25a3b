# SPDX-License-Identifier: GPL-2.0
"""Checks of the upgrade and downgrade scenarios, which share _module-swap's
stages: the module changes during the live update.

The compatibility policy (include/pci_liveupdate_abi.h): a module reads the
wire version it writes and the one the previous release writes; anything
else it rejects with its one clear line.  So whether stage 2 must accept
follows from RELEASES and PLU_WIRE_VERSION, not from what happened.
"""
import os
import re

from plu_verify import check, check_records, same_records

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
        check(d.json("in2") == [], "stage 2: nothing from the set is listed",
              d.text("in2"))
    if d.rc("kmemleak") is not None:  # only where kmemleak is on
        check("unreferenced object" not in d.text("kmemleak"),
              "stage 2: kmemleak finds no leak", d.text("kmemleak"))
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and any(r["marked"] for r in out2),
          "stage 2: marking for the next update works")
