#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what a VM scenario recorded on its data port (tests/vm/plu-lib.sh).

usage: verify.py SCENARIO DATA_FILE
       verify.py --has SCENARIO

Prints one "ok N - ..." / "not ok N - ..." line per assertion and exits 1
if any failed.  The expectations come from the scenario's own sysfs
snapshot, not from the module, so a module that records the wrong thing
fails here.
"""
import json
import re
import sys

RESULTS = []


def check(cond, what, detail=""):
    RESULTS.append(bool(cond))
    n = len(RESULTS)
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    if not cond and detail:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    return bool(cond)


def load(path):
    """name -> list of (rc, text)"""
    data = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"@@(\S+) rc=(-?\d+)@@ ?(.*)$", line.rstrip("\r\n"))
            if m:
                data.setdefault(m.group(1), []).append(
                    (int(m.group(2)), m.group(3)))
    return data


class Data:
    def __init__(self, path):
        self.d = load(path)

    def all(self, name):
        return self.d.get(name, [])

    def rc(self, name):
        v = self.all(name)
        return v[-1][0] if v else None

    def text(self, name):
        v = self.all(name)
        return v[-1][1] if v else ""

    def json(self, name):
        try:
            return json.loads(self.text(name))
        except ValueError:
            return None


def hexint(s):
    return int(s, 16) if isinstance(s, str) else s


def devfn_of(bdf):
    dev, fn = bdf.split(":")[2].split(".")
    return (int(dev, 16) << 3) | int(fn)


def expected_from_sysfs(sysfs, marked_bdfs):
    """The outgoing set sysfs implies: marked devices plus their bridges."""
    by_bdf = {d["bdf"]: d for d in sysfs}
    exp = {}
    for bdf in marked_bdfs:
        d = by_bdf[bdf]
        parts = d["devpath"].split("/")
        # /sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0
        root = next(p for p in parts if p.startswith("pci"))[3:]
        chain = [p for p in parts if re.match(r"^[0-9a-f]{4}:[0-9a-f]{2}:", p)]
        path = root + "/" + "/".join(
            "%02x.%d" % (devfn_of(b) >> 3, devfn_of(b) & 7) for b in chain)
        for i, b in enumerate(chain):
            e = exp.setdefault(b, {"marked": False, "refs": 0,
                                   "path": root + "/" + "/".join(
                                       "%02x.%d" % (devfn_of(x) >> 3,
                                                    devfn_of(x) & 7)
                                       for x in chain[:i + 1])})
            if b == bdf:
                e["marked"] = True
            else:
                e["refs"] += 1
        assert exp[bdf]["path"] == path
    return exp, by_bdf


def check_records(name, records, sysfs, marked, incoming=False):
    exp, by_bdf = expected_from_sysfs(sysfs, marked)
    if not check(isinstance(records, list), name + ": is a JSON array",
                 records):
        return
    got = {r["bdf"]: r for r in records}
    check(sorted(got) == sorted(exp),
          name + ": holds the marked devices and exactly their bridges",
          "got %s\nexpected %s" % (sorted(got), sorted(exp)))
    bad = []
    for bdf, e in exp.items():
        r = got.get(bdf)
        s = by_bdf[bdf]
        if not r:
            continue
        want = {
            "vendor": hexint(s["vendor"]), "device": hexint(s["device"]),
            "subsystem_vendor": hexint(s["subsystem_vendor"]),
            "subsystem_device": hexint(s["subsystem_device"]),
            "class": hexint(s["class"]), "revision": hexint(s["revision"]),
        }
        for k, v in want.items():
            if hexint(r.get(k)) != v:
                bad.append("%s %s: %r != %r" % (bdf, k, r.get(k), v))
        if r.get("driver") != s["driver"]:
            bad.append("%s driver %r != %r" % (bdf, r.get("driver"),
                                              s["driver"]))
        if r.get("path") != e["path"]:
            bad.append("%s path %r != %r" % (bdf, r.get("path"), e["path"]))
        if r.get("marked") != e["marked"]:
            bad.append("%s marked %r" % (bdf, r.get("marked")))
        if r.get("auto") != (e["refs"] > 0):
            bad.append("%s auto %r, %d marked below" % (bdf, r.get("auto"),
                                                        e["refs"]))
        is_bridge = s["class"].startswith("0x0604")
        if r.get("bridge") != is_bridge:
            bad.append("%s bridge %r" % (bdf, r.get("bridge")))
        if not incoming and r.get("refs") != e["refs"]:
            bad.append("%s refs %r != %d" % (bdf, r.get("refs"), e["refs"]))
        if (r.get("segment"), r.get("bus"), r.get("devfn")) != (
                int(bdf[0:4], 16), int(bdf[5:7], 16), devfn_of(bdf)):
            bad.append("%s segment/bus/devfn wrong" % bdf)
        if incoming:
            if r.get("verdict") != "ok":
                bad.append("%s verdict %r" % (bdf, r.get("verdict")))
            if r.get("cur_bdf") != bdf:
                bad.append("%s cur_bdf %r" % (bdf, r.get("cur_bdf")))
    check(not bad, name + ": identity, driver, path, flags match sysfs",
          "\n".join(bad))
    if not incoming:
        order = [(r["segment"], r["bus"], r["devfn"]) for r in records]
        check(order == sorted(order), name + ": sorted by address")


def same_records(name, a, b):
    keys = ("bdf", "vendor", "device", "subsystem_vendor", "subsystem_device",
            "class", "revision", "driver", "path", "auto", "marked", "bridge",
            "dsn", "rebind")
    pa = sorted([tuple(r.get(k) for k in keys) for r in a or []])
    pb = sorted([tuple(r.get(k) for k in keys) for r in b or []])
    check(pa and pa == pb, name, "%s\n!=\n%s" % (pa, pb))


def endpoints(sysfs):
    return [d["bdf"] for d in sysfs if not d["vf"] and
            not d["class"].startswith(("0x0604", "0x0600"))]


def scenario_roundtrip(d):
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


def scenario_corrupt(d):
    out1 = d.json("out1")
    check(d.rc("mark1") == 0 and out1, "stage 1: devices marked")
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "rejected",
          "stage 2: the corrupted image is rejected", st)
    check(st.get("incoming_error") == -22 and st.get("incoming") == 0,
          "stage 2: STATUS reports -EINVAL and no incoming records", st)
    check(int(d.text("reject_log") or -1) == 1,
          "stage 2: exactly one log line explains the rejection",
          d.text("reject_log"))
    check(d.json("in2") == [], "stage 2: nothing from the image is listed",
          d.text("in2"))
    check(d.rc("retrieve2") == 1,
          "stage 2: retrieve reports the rejected set (exit 1)")
    st = d.json("status2b") or {}
    check(st.get("incoming_state") == "rejected",
          "stage 2: still rejected after the session finished", st)
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and
          any(r["marked"] for r in out2),
          "stage 2: marking for the next update still works")


scenario_corrupt_flip = scenario_corrupt
scenario_corrupt_version = scenario_corrupt
scenario_corrupt_truncate = scenario_corrupt


def bdfs(records):
    return sorted(r["bdf"] for r in records or [])


def scenario_hotplug(d):
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


def scenario_abort(d):
    check(d.rc("mark1") == 0, "stage 1: devices marked")
    check(d.rc("kexec_abort") == 0,
          "stage 1: preserve + load without reboot succeeds")
    st = d.json("status1") or {}
    check(st.get("state") == "idle" and st.get("kho_bytes") == 0,
          "stage 1: after the session closed the image is freed", st)
    check(st.get("marked") == 2, "stage 1: marks are kept", st)
    check(int(d.text("unpreserve_log") or 0) == 1,
          "stage 1: unpreserve ran once")
    check("unreferenced object" not in d.text("kmemleak"),
          "stage 1: kmemleak finds nothing", d.text("kmemleak"))
    same_records("stage 2: the re-preserved set arrives", d.json("in2"),
                 d.json("out1"))
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")


def scenario_lifecycle(d):
    check(d.rc("mark_a") == 0, "a device is marked")
    st = d.json("status_frozen") or {}
    check(st.get("state") == "frozen", "freeze callback: state frozen", st)
    check(d.rc("mark_frozen") == 1, "MARK while frozen is refused")
    check(d.rc("unmark_frozen") == 1, "UNMARK while frozen is refused")
    check(d.rc("mark_thawed") == 0, "MARK works again after unfreeze")
    st = d.json("status_thawed") or {}
    check(st.get("state") == "idle" and st.get("marked") == 2,
          "after unfreeze: idle, both marks there", st)
    check(d.rc("retrieve_none") == 1,
          "retrieving a session that was never preserved fails cleanly")
    check(d.rc("lifecycle_test") == 0,
          "lifecycle_test (unload refused while preserved, ...) passes",
          d.text("lifecycle_test"))
    check(d.rc("rmmod_idle") == 0 and d.rc("insmod_again") == 0,
          "idle module unloads and loads again (pci-liveupdate load)")
    check(d.rc("load_again") == 0 and "already" in d.text("load_again"),
          "pci-liveupdate load is idempotent", d.text("load_again"))
    st = d.json("status_reloaded") or {}
    check(st.get("marked") == 0 and st.get("state") == "idle",
          "a reloaded module starts empty", st)
    check(d.rc("rmmod_incoming") != 0,
          "new kernel: unload refused while the incoming set is held")
    check(d.rc("retrieve_1") == 0, "new kernel: first finish succeeds")
    check(d.rc("retrieve_2") == 1, "new kernel: second finish fails")
    check(d.rc("rmmod_finished") != 0,
          "new kernel: module stays loaded after finish")
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "finished" and
          st.get("incoming") == 2, "new kernel: set finished, 2 records",
          st)


def scenario_late_load(d):
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


def scenario_verdicts(d):
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


def record_of(records, bdf):
    """The record of @bdf in a JSON list of records, or {}."""
    return next((r for r in records or [] if r.get("bdf") == bdf), {})


def scenario_rebind_long_name(d):
    bdf = "0000:00:03.0"
    check(d.rc("insmod_stub") == 0 and
          d.text("driver1") == "plu_test_long_stub",
          "stage 1: the device is bound to the long-named stub driver",
          "insmod rc %r, driver %r" % (d.rc("insmod_stub"), d.text("driver1")))
    out = d.text("mark_rebind")
    check(d.rc("mark_rebind") == 1,
          "stage 1: mark --rebind is refused (exit 1)", out)
    check("driver name 'plu_test_long_stub' does not fit the 16 bytes" in out
          and "(ENAMETOOLONG)" in out,
          "stage 1: mark --rebind says the name does not fit (ENAMETOOLONG)",
          out)
    check(d.text("long_name_log") == "1",
          "stage 1: the kernel log says once why the device cannot be rebound",
          d.text("long_name_log"))
    check(d.rc("mark_plain") == 0 and
          d.text("mark_plain") == bdf + ": marked",
          "stage 1: mark without --rebind succeeds", d.text("mark_plain"))
    r = record_of(d.json("out1"), bdf)
    check(r.get("marked") and r.get("driver") == "plu_test_long_stub" and
          r.get("driver_truncated") is True and r.get("rebind") is False,
          "stage 1: outgoing record: full name, flagged driver-truncated, "
          "not rebind", r)
    r = record_of(d.json("in2"), bdf)
    check(r.get("driver") == "plu_test_long_st" and
          r.get("driver_truncated") is True and r.get("rebind") is False,
          "stage 2: incoming record: name cut to 16 bytes, flagged, "
          "not rebind", r)
    check(d.text("driver2") == "virtio-pci" and
          r.get("verdict") == "driver-mismatch",
          "stage 2: bound to virtio-pci at boot, verdict driver-mismatch",
          "driver %r, record %r" % (d.text("driver2"), r))
    check(d.text("override2") == "(null)" and
          d.text("override2b") == "(null)",
          "stage 2: no driver_override was written (no cut name)",
          "%r, %r" % (d.text("override2"), d.text("override2b")))
    check(d.text("override_log") == "0",
          "stage 2: the kernel log has no 'driver_override set to'",
          d.text("override_log"))
    out = d.text("rebind_named")
    check(d.rc("rebind_named") == 1 and
          "was not marked with --rebind" in out,
          "stage 2: rebind BDF refuses a device not marked --rebind", out)
    out = d.text("rebind_all")
    check(d.rc("rebind_all") == 0 and
          "no device of the incoming set was marked with --rebind" in out,
          "stage 2: rebind without BDF finds nothing to do", out)
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")


def scenario_rebind_bound_elsewhere(d):
    bdf = "0000:01:00.0"
    check(d.text("driver1") == "pci-stub",
          "stage 1: the NVMe was moved to pci-stub", d.text("driver1"))
    check(d.rc("mark1") == 0 and
          record_of(d.json("out1"), bdf).get("rebind") is True,
          "stage 1: marked with --rebind", d.text("out1"))
    check(d.text("loaded_at_start") == "0" and d.text("nvme_first") == "0",
          "stage 2: nvme bound the device before the module was loaded",
          "module loaded %r, wait rc %r" % (d.text("loaded_at_start"),
                                            d.text("nvme_first")))
    check(d.rc("insmod2") == 0, "stage 2: the module loads",
          d.text("insmod2"))
    check(d.text("honest_log") == "1",
          "stage 2: the kernel log says 'bound to nvme, not the recorded "
          "pci-stub'", d.text("honest_log"))
    check(d.text("override_log") == "0" and
          d.text("override2a") == "(null)",
          "stage 2: the module set no driver_override and did not claim to",
          "log lines %r, driver_override %r" % (d.text("override_log"),
                                                d.text("override2a")))
    r = record_of(d.json("in2a"), bdf)
    check(d.text("driver2a") == "nvme" and r.get("driver") == "pci-stub" and
          r.get("verdict") == "driver-mismatch",
          "stage 2: still on nvme, verdict driver-mismatch",
          "driver %r, record %r" % (d.text("driver2a"), r))
    out = d.text("rebind2")
    check(d.rc("rebind2") == 0 and
          out == bdf + ": bound to pci-stub (was nvme)",
          "stage 2: pci-liveupdate rebind moves it and says so", out)
    r = record_of(d.json("in2b"), bdf)
    check(d.text("driver2b") == "pci-stub" and r.get("verdict") == "ok",
          "stage 2: now on pci-stub, verdict ok",
          "driver %r, record %r" % (d.text("driver2b"), r))
    out = d.text("rebind2_again")
    check(d.rc("rebind2_again") == 0 and "as recorded" in out,
          "stage 2: a second rebind has nothing to do", out)
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")


def scenario_hostile(d, mode, why):
    """A hostile but well-formed image (CRC resealed by the fault mode)."""
    check(d.text("armed") == mode,
          "stage 1: debugfs fault '%s' armed" % mode, d.text("armed"))
    scenario_corrupt(d)
    m = re.search(r"incoming device set rejected: (.*); nothing from it is "
                  r"trusted$", d.text("reject_line"))
    check(m and m.group(1).startswith(why),
          "stage 2: the log line says: %s" % why, d.text("reject_line"))
    check(d.text("warn_log") == "0", "stage 2: no WARNING in the kernel log",
          d.text("warn_log"))


def scenario_mark_refresh(d):
    """An AUTO bridge marked later is recorded as it is then."""
    def rec(name, bdf):
        return next((r for r in d.json(name) or [] if r["bdf"] == bdf), {})
    auto = rec("out_auto", "0000:00:04.0")
    check(d.rc("mark_child") == 0 and auto.get("auto") and
          not auto.get("marked") and auto.get("driver") == "pcieport",
          "the root port is tracked for its child, bound to pcieport", auto)
    check(d.text("rp_driver") == "",
          "its driver was unbound before it is marked", d.text("rp_driver"))
    now = rec("out_marked", "0000:00:04.0")
    check(d.rc("mark_rp") == 0 and now.get("marked") and now.get("auto"),
          "marking it keeps it AUTO for its child and adds MARKED", now)
    check(now.get("driver") == "",
          "its record has the driver it has now (none), not pcieport", now)


def scenario_hostile_nomem(d):
    """No memory to decode the incoming set: reported, never returned."""
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


def scenario_hostile_body_header(d):
    scenario_hostile(d, "body-header", "record block overlaps the header page")


def scenario_hostile_body_oversize(d):
    scenario_hostile(d, "body-oversize",
                     "record block larger than its capacity")


def scenario_hostile_body_order(d):
    scenario_hostile(d, "body-order",
                     "record block is not the size of its folio")


def scenario_hostile_unfrozen(d):
    scenario_hostile(d, "unfrozen", "image was not sealed by LUO freeze")


# What a record block that is not ours can be rejected for before it is
# restored: its content (src/plu_wire.c).  Not what is found only by
# restoring it (KHO magic, folio size), nor header-level reasons.
CONTENT_REASONS = (
    "record CRC mismatch", "unknown record flags",
    "record neither marked nor auto", "auto record is not a bridge",
    "auto record without refs", "refs on a record that is not auto",
    "record path depth out of range", "record path does not end at devfn",
    "record path has nonzero unused entries",
    "record DSN set without DSN flag", "record driver name not printable",
    "record driver name not NUL padded",
    "record driver marked truncated but short",
    "record XOR digest mismatch", "record block holds data past its records",
)


def scenario_hostile_memfd(d):
    m1 = d.json("memfd1") or {}
    check(d.rc("mark1") == 0 and d.json("out1"), "stage 1: devices marked")
    check(d.rc("memfd1") == 0 and m1.get("memfd_phys") and
          m1.get("armed") == "body-phys " + m1.get("memfd_phys", ""),
          "stage 1: memfd and /dev/pci_liveupdate preserved in one session, "
          "'body-phys ADDR' armed with the address of a memfd page",
          d.text("memfd1"))
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "rejected" and
          st.get("incoming_error") == -22 and st.get("incoming") == 0,
          "stage 2: the image is rejected (-EINVAL, no records)", st)
    check(d.text("reject_log") == "1",
          "stage 2: exactly one log line explains the rejection",
          d.text("reject_log"))
    line = d.text("reject_line")
    m = re.search(r"incoming device set rejected: (.*); nothing from it is "
                  r"trusted$", line)
    check(m and m.group(1) in CONTENT_REASONS,
          "stage 2: rejected for what the block holds, checked in place",
          line)
    check(d.json("in2") == [], "stage 2: nothing from the image is listed",
          d.text("in2"))
    m2 = d.json("memfd2") or {}
    check(m2.get("session") == 0 and m2.get("memfd") == 0,
          "stage 2: the memfd is retrieved from the session", m2)
    check(m2.get("size") == m1.get("pages", -1) * 4096 and
          m2.get("content_retrieved") is True,
          "stage 2: the memfd's size and content are intact", m2)
    check(m2.get("phys_retrieved") == m1.get("memfd_phys"),
          "stage 2: its page is the one the header pointed at",
          "%r != %r" % (m2.get("phys_retrieved"), m1.get("memfd_phys")))
    check(m2.get("plu") == 0 and m2.get("status") == 0 and
          m2.get("incoming_state") == 2 and
          m2.get("incoming_error") == -22,
          "stage 2: /dev/pci_liveupdate retrieved, STATUS rejected", m2)
    check(m2.get("finish") == 0, "stage 2: the session finishes", m2)
    check(m2.get("content_finished") is True and
          m2.get("phys_finished") == m2.get("phys_retrieved") and
          (m2.get("mapcount") or 0) >= 1 and m2.get("buddy") is False,
          "stage 2: after FLB finish the page is still the memfd's, "
          "mapped and not freed", m2)
    check(d.rc("memfd2") == 0, "stage 2: luo_session_test memfd-retrieve "
          "passes", d.text("memfd2"))
    check(d.text("restore_fail_log") == "0",
          "stage 2: memfd's retrieve restored every folio",
          d.text("restore_fail_log"))
    check(d.text("warn_log") == "0", "stage 2: no WARNING in the kernel log",
          d.text("warn_log"))
    st = d.json("status2b") or {}
    check(st.get("incoming_state") == "rejected",
          "stage 2: still rejected after the session finished", st)
    out2 = d.json("out2")
    check(d.rc("mark2") == 0 and out2 and any(r["marked"] for r in out2),
          "stage 2: marking for the next update still works")


def image_of(text):
    """debugfs image line -> dict of ints, or None."""
    m = re.match(r"^count (\d+) capacity (\d+) generation (\d+) "
                 r"flags 0x([0-9a-fA-F]+) body_size (\d+)$", text.strip())
    if not m:
        return None
    return dict(zip(("count", "capacity", "generation", "flags",
                     "body_size"),
                    (int(m.group(1)), int(m.group(2)), int(m.group(3)),
                     int(m.group(4), 16), int(m.group(5)))))


def scenario_frozen_unplug(d):
    nvme, rp, nic = "0000:01:00.0", "0000:00:04.0", "0000:00:02.0"
    out1 = d.json("out1")
    check(d.rc("mark1") == 0 and {nvme, rp, nic} <= set(bdfs(out1)),
          "the NVMe (with its root port) and the NIC are marked", bdfs(out1))
    check(d.text("img_idle").strip() == "",
          "nothing preserved: the image file shows nothing",
          d.text("img_idle"))
    p = image_of(d.text("img_preserved"))
    check(p and p["count"] == len(out1 or []) and not p["flags"] & 1 and
          p["body_size"] == p["capacity"] * 64,
          "preserved: one record per outgoing device, body_size = capacity "
          "x 64, not frozen", d.text("img_preserved"))
    f = image_of(d.text("img_frozen"))
    check(f and f["flags"] & 1 and p and f["count"] == p["count"],
          "freeze: FROZEN set, same records", d.text("img_frozen"))
    st = d.json("status_frozen") or {}
    check(st.get("state") == "frozen", "freeze: state frozen", st)
    check(d.text("removed_while_frozen") == "yes",
          "the NVMe is hot-removed while the image is frozen")
    check(image_of(d.text("img_removed")) and
          d.text("img_removed") == d.text("img_frozen"),
          "removal while frozen leaves the sealed image as it was "
          "(generation, count, flags)",
          "%r\n%r" % (d.text("img_frozen"), d.text("img_removed")))
    st = d.json("status_removed") or {}
    check(st.get("state") == "frozen" and st.get("removed") == 1,
          "after the removal: still frozen, the removal counted", st)
    t = image_of(d.text("img_thawed"))
    check(t and f and not t["flags"] & 1 and t["count"] == f["count"] - 2 and
          t["generation"] > f["generation"] and
          t["body_size"] == t["capacity"] * 64,
          "thaw: the removal reaches the image, two records fewer (the "
          "NVMe and its root port)",
          "%r -> %r" % (d.text("img_frozen"), d.text("img_thawed")))
    out = d.json("out_thawed")
    check(isinstance(out, list) and nvme not in bdfs(out) and
          rp not in bdfs(out) and nic in bdfs(out) and
          t and len(out) == t["count"],
          "thaw: LIST no longer has the NVMe and its root port, and agrees "
          "with the image", bdfs(out))
    st = d.json("status_thawed") or {}
    check(st.get("state") == "preserved" and st.get("removed") == 1 and
          t and st.get("outgoing") == t["count"],
          "thaw: state preserved, counts agree", st)
    check(d.text("hold_rc") == "0",
          "every step with the session held succeeded", d.text("hold_rc"))
    check(d.text("removed_log") == "1",
          "the kernel log reports the NVMe's removal once",
          d.text("removed_log"))
    st = d.json("status_closed") or {}
    check(d.text("img_closed").strip() == "" and
          st.get("state") == "idle" and st.get("kho_bytes") == 0,
          "session closed: image freed, state idle",
          "%r %r" % (d.text("img_closed"), st))


def scenario_sriov_race(d):
    check(d.rc("sriov_race_rc") is not None,
          "sriov_race_test ran to the end (no deadlock)")
    check(d.text("sriov_race_rc") == "0",
          "sriov_race_test: SR-IOV cycles racing PF/VF MARK pass",
          d.text("sriov_race_rc"))
    st = d.json("status1") or {}
    check(st.get("state") == "idle" and st.get("marked") == 0 and
          st.get("outgoing") == 0 and st.get("removed") == 0,
          "after the race: idle, nothing marked or tracked, no VF counted "
          "as removed", st)
    check(d.json("out1") == [], "after the race: the outgoing set is empty",
          d.text("out1"))
    check(d.rc("numvfs1") == 0 and d.text("numvfs1").strip() == "0",
          "after the race: the PF's VFs are disabled", d.text("numvfs1"))


def scenario_rescan_race(d):
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


def scenario_insmod_race(d):
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


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if sys.argv[1] == "--has":
        sys.exit(0 if "scenario_" + sys.argv[2].replace("-", "_")
                 in globals() else 1)
    fn = globals().get("scenario_" + sys.argv[1].replace("-", "_"))
    if not fn:
        sys.exit("verify.py: unknown scenario %s" % sys.argv[1])
    fn(Data(sys.argv[2]))
    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed))
    sys.exit(1 if failed or not RESULTS else 0)


if __name__ == "__main__":
    main()
