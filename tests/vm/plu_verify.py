# SPDX-License-Identifier: GPL-2.0
"""What the scenarios' checks share (tests/vm/scenarios/NAME/check.py).

A scenario's stages record results on the guest's data port as
"@@NAME rc=RC@@ OUTPUT" lines (tests/vm/plu-lib.sh); verify.py reads them
into a Data and hands it to the scenario's verify(d).  That function
asserts with check(), which prints one "ok N - ..." / "not ok N - ..."
line per assertion.  The expectations come from the scenario's own sysfs
snapshot (plu_sysfs_json), not from the module, so a module that records
the wrong thing fails here.  See docs/harness.md.
"""
import importlib.util
import json
import os
import re
import sys

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "scenarios")

# One bool per check() so far, in order.
RESULTS = []


def check(cond, what, detail=""):
    RESULTS.append(bool(cond))
    n = len(RESULTS)
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    if not cond and detail:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    return bool(cond)


def check_file(name):
    """The path of scenario @name's check.py, or None if it has none."""
    path = os.path.join(SCENARIOS, name, "check.py")
    return path if os.path.isfile(path) else None


def scenario(name):
    """Scenario @name's check.py as a module (loaded once), or None.

    A scenario's checks may call another folder's: the hostile-* and
    corrupt-* ones share _corrupt's, as they share its stages.
    """
    mod_name = "plu_check_" + re.sub(r"\W", "_", name)
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    path = check_file(name)
    if not path:
        return None
    spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = mod
    spec.loader.exec_module(mod)
    return mod


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
    """A data file's results.  NAME recorded more than once (a stage run
    again after a kexec) keeps every value; rc, text and json give the
    last one, or None, "" and None for a NAME never recorded."""

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
    """sysfs "0x1af4" (or an int already) -> int."""
    return int(s, 16) if isinstance(s, str) else s


def devfn_of(bdf):
    """devfn of "SSSS:BB:DD.F"."""
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
    """LIST --json @records against what @sysfs (plu_sysfs_json) implies
    for the @marked BDFs: the outgoing set, or with @incoming the incoming
    one as found unchanged (every verdict ok, refs not compared)."""
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
    """One check: two non-empty record lists hold the same devices, with
    the same identity, driver, path and flags."""
    keys = ("bdf", "vendor", "device", "subsystem_vendor", "subsystem_device",
            "class", "revision", "driver", "path", "auto", "marked", "bridge",
            "dsn", "rebind")
    pa = sorted([tuple(r.get(k) for k in keys) for r in a or []])
    pb = sorted([tuple(r.get(k) for k in keys) for r in b or []])
    check(pa and pa == pb, name, "%s\n!=\n%s" % (pa, pb))


def bdfs(records):
    """The sorted BDFs of a JSON list of records (None: none)."""
    return sorted(r["bdf"] for r in records or [])


def record_of(records, bdf):
    """The record of @bdf in a JSON list of records, or {}."""
    return next((r for r in records or [] if r.get("bdf") == bdf), {})


REJECT_RE = re.compile(r"incoming device set rejected: (.*); nothing from it "
                       r"is trusted$")


def reject_reason(line):
    """WHY of a "incoming device set rejected: WHY; nothing from it is
    trusted" log line, or None when @line is not one."""
    m = REJECT_RE.search(line)
    return m.group(1) if m else None
