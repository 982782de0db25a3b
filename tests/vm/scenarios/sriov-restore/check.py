# SPDX-License-Identifier: GPL-2.0
"""sriov-restore: a PF marked with its VFs carries its SR-IOV configuration
as it is at the reboot; restore-vfs re-creates the VFs with their drivers,
each driver_override set before the VF probes, and refuses what it must."""
from plu_verify import check, record_of


def sriov_of(recs, bdf):
    return (record_of(recs, bdf) or {}).get("sriov") or {}


def sysfs_lines(text):
    """incoming_sriov, its lines joined by '|' in the guest."""
    return [x for x in (text or "").split("|") if x]


def sysfs_vf_line(pf, v, cur):
    return "%s vf %d %s %s:%s %s:%s %s %s %s" % (
        pf, v["index"], cur, v["vendor"][2:], v["device"][2:],
        v["subsystem_vendor"][2:], v["subsystem_device"][2:],
        v["driver"] or "-", v["driver_override"] or "-", v["verdict"])


def verify(d):
    pf = "0000:02:00.0"
    check(d.rc("mark1") == 0, "stage 1: mark --with-vfs of the PF",
          d.text("mark1"))
    check(d.rc("markvf1") == 1 and "not an SR-IOV PF" in d.text("markvf1"),
          "stage 1: a VF is refused, also with --with-vfs",
          d.text("markvf1"))
    s = sriov_of(d.json("out1a"), pf)
    check(record_of(d.json("out1a"), pf).get("with_vfs") is True and
          s.get("num_vfs") == 1 and len(s.get("vfs", [])) == 1 and
          s.get("drivers_autoprobe") is False,
          "stage 1: at the mark, one VF and autoprobe 0", s)
    vf0, vf1 = (d.text("vfs1") or " ").split(" ")
    check(d.text("vf0drv1") == "pci-stub", "stage 1: VF 0 on pci-stub",
          d.text("vf0drv1"))
    s = sriov_of(d.json("out1"), pf)
    vfs = s.get("vfs", [])
    check(s.get("num_vfs") == 2 and len(vfs) == 2 and
          s.get("total_vfs") == 2,
          "stage 1: numvfs changed after the mark: 2 VFs followed", s)
    check(len(vfs) == 2 and vfs[0]["bdf"] == vf0 and
          vfs[0]["driver"] == "pci-stub" and
          vfs[0]["driver_override"] == "pci-stub" and
          vfs[1]["bdf"] == vf1 and vfs[1]["driver"] == "" and
          vfs[1]["driver_override"] == "" and
          vfs[0]["vendor"] == "0x1b36",
          "stage 1: each VF's ids, driver and driver_override followed "
          "through the bind", vfs)
    s = sriov_of(d.json("out1b"), pf)
    check(s.get("drivers_autoprobe") is False and s.get("num_vfs") == 2,
          "stage 1: autoprobe turned on after the mark: LIST still shows "
          "the 0 given at the mark (read again at the freeze)", s)
    check(d.rc("sysfs1") == 0 and d.text("sysfs1") == "",
          "stage 1: sysfs incoming_sriov is empty without an incoming set",
          d.text("sysfs1"))
    items = (d.json("check1") or {}).get("checks") or []
    sv = [x for x in items if x.get("check") == "sriov"]
    check(len(sv) == 1 and sv[0].get("result") == "warn" and
          sv[0].get("message", "").startswith(pf + " carries 2 VFs") and
          "restore-vfs" in sv[0].get("message", ""),
          "stage 1: the preflight warns that nothing re-creates the PF's "
          "2 VFs (no restore unit enabled)", sv or items)
    # stage 2, before the restore
    s = sriov_of(d.json("in2a"), pf)
    vfs = s.get("vfs", [])
    check(s.get("num_vfs") == 2 and s.get("total_vfs") == 2 and
          len(vfs) == 2,
          "stage 2: the incoming PF has the configuration of the reboot", s)
    check(s.get("drivers_autoprobe") is True,
          "stage 2: sriov_drivers_autoprobe is the 1 of the reboot, not "
          "the 0 of the mark", s)
    check(all(v.get("verdict") == "not-created" for v in vfs) and vfs,
          "stage 2: every VF is 'not-created' before the restore", vfs)
    check(len(vfs) == 2 and vfs[0]["driver"] == "pci-stub" and
          vfs[1]["driver"] == "",
          "stage 2: the recorded drivers came through", vfs)
    q = (d.json("query2a") or {}).get("incoming") or {}
    check(len((q.get("sriov") or {}).get("vfs", [])) == 2,
          "stage 2: query shows the VFs too", q.get("sriov"))
    check("not-created" in d.text("list2a") and
          "SR-IOV of " + pf in d.text("list2a"),
          "stage 2: list --incoming shows the VF table", d.text("list2a"))
    lines = sysfs_lines(d.text("sysfs2a"))
    want = ["%s sriov numvfs 2 totalvfs 2 autoprobe 1" % pf] + \
        [sysfs_vf_line(pf, v, "-") for v in vfs]
    check(len(vfs) == 2 and lines == want,
          "stage 2: sysfs incoming_sriov: the recorded configuration and "
          "each VF not-created before the restore",
          "%r != %r" % (lines, want))
    check(d.rc("refuse_notset") == 1 and
          "not in the incoming set" in d.text("refuse_notset"),
          "stage 2: restore-vfs refuses a PF not in the set",
          d.text("refuse_notset"))
    check(d.rc("refuse_count") == 1 and
          "1 VFs are enabled, 2 were recorded" in d.text("refuse_count") and
          d.text("numvfs_refused") == "1 0",
          "stage 2: restore-vfs refuses VFs enabled in another count, "
          "nothing changed", "%r %r" % (d.text("refuse_count"),
                                        d.text("numvfs_refused")))
    check(d.rc("insmod_totalvfs") == 0 and d.text("totalvfs_low") == "1",
          "stage 2: plu_test_totalvfs lowered sriov_totalvfs to 1",
          "%r %r" % (d.text("insmod_totalvfs"), d.text("totalvfs_low")))
    check(d.rc("refuse_total") == 1 and
          "refused: sriov_totalvfs is 1, was 2 before the update" in
          d.text("refuse_total"),
          "stage 2: restore-vfs --force refuses a PF whose sriov_totalvfs "
          "differs", d.text("refuse_total"))
    vf0t = (d.text("total_refused") or "").split(" ")
    check(len(vf0t) == 4 and vf0t[0:2] == ["1", "0"] and vf0t[2] and
          vf0t[3] == "plu-keep",
          "stage 2: after the totalvfs refusal nothing changed: 1 VF, "
          "autoprobe 0, its driver_override", d.text("total_refused"))
    check(d.text("totalvfs_back") == "2",
          "stage 2: sriov_totalvfs put back to 2", d.text("totalvfs_back"))
    check(d.rc("refuse_nodrv") == 1 and
          "no driver is bound" in d.text("refuse_nodrv") and
          d.text("numvfs_nodrv") == "0",
          "stage 2: restore-vfs refuses a PF without a driver, nothing "
          "changed", "%r %r" % (d.text("refuse_nodrv"),
                                d.text("numvfs_nodrv")))
    # the restore
    r = d.json("restore2") or []
    check(d.rc("restore2") == 0 and len(r) == 2 and
          all(x.get("verdict") == "ok" for x in r),
          "stage 2: restore-vfs --force re-creates both VFs, verdicts ok",
          d.text("restore2"))
    vf0b, vf1b, numvfs, autoprobe = (d.text("vfs2") or "   ").split(" ")
    check(numvfs == "2" and autoprobe == "1",
          "stage 2: 2 VFs, sriov_drivers_autoprobe the 1 of the reboot",
          d.text("vfs2"))
    check(d.text("vf0drv2") == "pci-stub pci-stub",
          "stage 2: VF 0 bound to pci-stub, its driver_override as recorded",
          d.text("vf0drv2"))
    check(d.text("vf1drv2") == " (null)",
          "stage 2: VF 1 has no driver and no driver_override, as recorded "
          "(autoprobe was on: it probed nothing)", d.text("vf1drv2"))
    vfs = sriov_of(d.json("in2b"), pf).get("vfs", [])
    check(len(vfs) == 2 and all(v.get("verdict") == "ok" for v in vfs) and
          vfs[0].get("cur_bdf") == vf0b,
          "stage 2: list --incoming: every VF ok after the restore", vfs)
    lines = sysfs_lines(d.text("sysfs2b"))
    want = ["%s sriov numvfs 2 totalvfs 2 autoprobe 1" % pf] + \
        [sysfs_vf_line(pf, v, c) for v, c in zip(vfs, (vf0b, vf1b))]
    check(len(vfs) == 2 and all(v.get("verdict") == "ok" for v in vfs) and
          lines == want,
          "stage 2: sysfs incoming_sriov: each VF ok at its BDF after the "
          "restore", "%r != %r" % (lines, want))
    check(d.rc("restore2_again") == 0 and
          d.text("restore2_again").count(": ok") == 2,
          "stage 2: a second restore finds them as recorded",
          d.text("restore2_again"))
    check(d.rc("retrieve2") == 0, "stage 2: session finishes")
    check(d.rc("insmod_trap") == 0 and d.text("trapped_restore") == "0",
          "stage 2: plu_test_vf_trap loaded, and took no VF during the "
          "restores", "%r %r" % (d.text("insmod_trap"),
                                 d.text("trapped_restore")))
    check(d.text("trap_control") == "plu_test_vf_trap",
          "stage 2: control: a VF made with autoprobe on and no override "
          "binds to plu_test_vf_trap", d.text("trap_control"))
