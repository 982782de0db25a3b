#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what the distro test's stages recorded (tests/distro/stageN.sh).

usage: check.py DATA_FILE

One "ok N - ..." / "not ok N - ..." line per assertion (the helpers of
tests/vm/plu_verify.py), then "N passed, N failed"; exit 1 if any failed.
The expectations come from the stages' own observations (sysfs, exit
statuses, the kernel log), never from the module.
"""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "vm"))
import plu_verify  # noqa: E402
from plu_verify import check, check_records, same_records  # noqa: E402

MARKED = ["0000:00:02.0", "0000:01:00.0"]
# Issue 24: marked --with-vfs in stage 1 only (distro-lib.sh SRIOV_PF).
SRIOV_PF = "0000:02:00.0"
SYSTEMD_MIN = 261


def note(text):
    """Worth knowing, not an assertion."""
    print("# note: " + text)


def lines(d, name):
    t = d.text(name)
    return t.split(" | ") if t else []


def first(ls, pattern):
    """Index of the first line matching @pattern, or None."""
    return next((i for i, x in enumerate(ls) if re.search(pattern, x)), None)


def load_order(d, stage):
    """The module registered before PID 1 started (so before PID 1, the
    first opener of /dev/liveupdate, could open it), and LUO matched every
    preserved file to a handler."""
    ls = lines(d, stage + "_order")
    ready = first(ls, r"pci_liveupdate: ready")
    pid1 = first(ls, r"systemd\[1\]: systemd \d+.*running in system mode")
    check(ready is not None, stage + ": the module loaded in this boot",
          "\n".join(ls))
    check(pid1 is not None, stage + ": systemd's start is in the kernel log",
          "\n".join(ls))
    check(ready is not None and pid1 is not None and ready < pid1,
          stage + ": the module registered before systemd (PID 1) started",
          "\n".join(ls))
    check(d.text(stage + "_no_handler") == "0",
          stage + ": LUO found a handler for every preserved file "
          "(no 'No registered handler' line)",
          d.text(stage + "_no_handler"))
    running(d, stage)


def new_boot(d, stage, prev, kernel, how):
    """@stage is a boot of its own, after @prev's, of @kernel (by @how)."""
    check(d.text(stage + "_boot_id") and
          d.text(stage + "_boot_id") != d.text(prev + "_boot_id") and
          d.text(stage + "_kernel") == kernel,
          "stage %s is a new boot, of %s (%s)" % (stage[1:], kernel, how),
          "%s %s; kernel %s" % (d.text(prev + "_boot_id"),
                                d.text(stage + "_boot_id"),
                                d.text(stage + "_kernel")))


def running(d, stage):
    """systemd finished booting and nothing failed: "degraded" is a
    failure here, whatever unit caused it."""
    check(d.text(stage + "_running") == "running" and
          d.rc(stage + "_failed") == 0 and not d.text(stage + "_failed"),
          stage + ": systemd finished booting, state running, no failed unit",
          "%s; failed units: %s" % (d.text(stage + "_running"),
                                   d.text(stage + "_failed")))


def incoming_ok(d, name, sysfs, outgoing, marked=MARKED):
    recs = d.json(name)
    check_records(name + " against sysfs", recs, sysfs or [], marked,
                  incoming=True)
    same_records(name + " equals the set marked before the kexec", recs,
                 outgoing)


def unit_props(d, name):
    """systemctl show's KEY=VALUE lines of @name as a dict."""
    return dict(x.split("=", 1) for x in lines(d, name) if "=" in x)


def service_steps(d, out1):
    """Stage 1 (issue 25 item 4): systemctl restart, stop, start keep the
    marks and the file in the fd store; the stopped unit keeps its store
    pinned (FileDescriptorStorePreserve=yes)."""
    want = {"restart": ("active", "running"),
            "stop": ("inactive", "dead-resources-pinned"),
            "start": ("active", "running")}
    for step, (active, sub) in want.items():
        u = unit_props(d, "s1_unit_" + step)
        check(d.rc("s1_" + step) == 0 and u.get("ActiveState") == active and
              u.get("SubState") == sub and
              u.get("NFileDescriptorStore") == "1",
              "systemctl %s: the unit is %s (%s) and its fd store holds "
              "the file" % (step, active, sub),
              "rc %s; %s" % (d.rc("s1_" + step), "; ".join(lines(d, "s1_unit_" + step))))
        same_records("after systemctl %s the outgoing set is the one "
                     "marked" % step, d.json("s1_outgoing_" + step), out1)
    j = lines(d, "s1_hold_journal_steps")
    back = [x for x in j if "got /dev/pci_liveupdate back from the fd store" in x]
    check(len(back) == 2,
          "the restart and the start each got the file back from the fd "
          "store (2 lines, %d)" % len(back), "\n".join(j))


def stopped_unit(d, rel, out2):
    """Stages 2 and 3 (issue 25 item 4): a bare systemctl kexec with the
    unit stopped, its fd store pinned."""
    u = unit_props(d, "s2_unit_stopped")
    check(d.rc("s2_stop") == 0 and u.get("SubState") ==
          "dead-resources-pinned" and u.get("NFileDescriptorStore") == "1",
          "stage 2: the stopped unit keeps the file in its fd store "
          "(dead-resources-pinned)", "; ".join(lines(d, "s2_unit_stopped")))
    check(d.rc("s2_kexec_stopped") == 0,
          "stage 2: kexec --systemctl goes ahead with the unit stopped: its "
          "fd store holds the file", d.text("s2_kexec_stopped"))
    new_boot(d, "s3", "s2", rel, "systemctl kexec, the unit stopped")
    load_order(d, "s3")
    incoming_ok(d, "s3_incoming", d.json("s3_sysfs"), out2)
    check(d.text("s3_incoming_state") == "finished",
          "stage 3: systemd carried the stopped unit's fd store and "
          "finished its session", d.text("s3_incoming_state"))
    j = d.text("s3_hold_journal")
    check(d.text("s3_active") == "active" and
          "got /dev/pci_liveupdate back from the fd store" in j,
          "stage 3: the service started at boot with the file from its "
          "fd store", "%s; %s" % (d.text("s3_active"), j))
    check(d.text("s3_restore_active") == "active" and
          "no PF in the incoming set was marked with its VFs" in
          d.text("s3_restore_journal"),
          "stage 3: with no PF marked --with-vfs in the set, the restore "
          "unit succeeds and changes nothing",
          "%s; %s" % (d.text("s3_restore_active"),
                      d.text("s3_restore_journal")))
    check(d.rc("s3_mark") == 0, "stage 3: mark again", d.text("s3_mark"))
    check_records("stage 3 outgoing", d.json("s3_outgoing"),
                  d.json("s3_sysfs") or [], MARKED)
    check(d.rc("s3_check") == 0, "stage 3: the preflight allows the kexec",
          d.text("s3_check"))


def vf_state(d, name):
    """plu_vf_state's "VF:DRIVER:OVERRIDE ... numvfs=N autoprobe=N" as
    ([(vf, driver, override)], {"numvfs": N, "autoprobe": N})."""
    vfs, kv = [], {}
    for w in d.text(name).split():
        if "=" in w:
            k, v = w.split("=", 1)
            kv[k] = v
        elif re.match(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]:[^:]*:",
                      w):
            bdf, drv, ovr = w.rsplit(":", 2)
            vfs.append((bdf, drv, ovr))
    return vfs, kv


def sriov_marked(d, sysfs1):
    """Stage 1 (issue 24): two VFs of the PF, on vfio-pci and pci-stub,
    the PF marked --with-vfs, the restore at boot enabled."""
    _, kv = vf_state(d, "s1_vfs_boot")
    check(kv.get("vfio_pci") == "absent" and kv.get("numvfs") == "0",
          "stage 1: at boot no VF, and vfio-pci's module is not loaded "
          "(nothing loads it)", d.text("s1_vfs_boot"))
    vfs, kv = vf_state(d, "s1_vfs")
    check(d.rc("s1_vf_setup") == 0 and
          [(v[1], v[2]) for v in vfs] == [("vfio-pci", "vfio-pci"),
                                          ("pci-stub", "pci-stub")] and
          kv == {"numvfs": "2", "autoprobe": "1", "vfio_pci": "loaded"},
          "stage 1: two VFs, on vfio-pci and on pci-stub, autoprobe on",
          d.text("s1_vfs"))
    check(d.rc("s1_vfio") == 0, "stage 1: vfio-pci made a no-IOMMU group",
          d.text("s1_vfio"))
    out = d.json("s1_sriov_outgoing")
    check(d.rc("s1_sriov_mark") == 0, "stage 1: mark --with-vfs " + SRIOV_PF,
          d.text("s1_sriov_mark"))
    check_records("stage 1 outgoing with the PF", out, sysfs1 or [],
                  MARKED + [SRIOV_PF])
    s = next((r.get("sriov") for r in out or []
              if r.get("bdf") == SRIOV_PF), None) or {}
    got = [(v.get("bdf"), v.get("driver"), v.get("driver_override"))
           for v in s.get("vfs", [])]
    check(s.get("num_vfs") == 2 and got == vfs,
          "stage 1: the PF's record holds both VFs with their drivers",
          "%s != %s" % (got, vfs))
    check(d.rc("s1_restore_enable") == 0,
          "stage 1: systemctl enable pci-liveupdate-restore-vfs.service",
          d.text("s1_restore_enable"))
    sv = [x for x in (d.json("s1_check") or {}).get("checks") or []
          if x.get("check") == "sriov"]
    check(len(sv) == 1 and sv[0].get("result") == "ok" and
          sv[0].get("message", "").startswith(SRIOV_PF + " carries 2 VFs") and
          "is enabled" in sv[0].get("message", ""),
          "stage 1: the preflight sees the restore unit enabled for the "
          "PF's 2 VFs", sv)
    return vfs


def sriov_restored(d, vfs1):
    """Stage 2 (issue 24): pci-liveupdate-restore-vfs.service re-created
    the VFs at boot, each on its driver, autoprobe as it was."""
    j = d.text("s2_restore_journal")
    check(d.text("s2_restore_active") == "active",
          "stage 2: pci-liveupdate-restore-vfs.service ran and succeeded",
          "%s; %s" % (d.text("s2_restore_active"), j))
    vfs, kv = vf_state(d, "s2_vfs")
    # driver_override is as recorded: the restore leaves what it found.
    check(vfs == vfs1 and kv == {"numvfs": "2", "autoprobe": "1",
                                 "vfio_pci": "loaded"},
          "stage 2: both VFs are back on vfio-pci (its module loaded by the "
          "restore) and pci-stub, autoprobe on again",
          "%s; before the kexec %s" % (d.text("s2_vfs"), vfs1))
    check(d.rc("s2_vfio") == 0,
          "stage 2: vfio-pci has the VF again (no-IOMMU group)",
          d.text("s2_vfio"))
    lines_ok = [x for x in j.split(" | ") if re.search(r": VF \d .*: ok$", x)]
    check(len(lines_ok) == 2,
          "stage 2: the unit's journal has one 'ok' line per VF", j)
    s = next((r.get("sriov") for r in d.json("s2_incoming") or []
              if r.get("bdf") == SRIOV_PF), None) or {}
    check([v.get("verdict") for v in s.get("vfs", [])] == ["ok", "ok"],
          "stage 2: list --incoming says ok for both VFs", s)


def broken_upgrade(d, rel):
    """Stage 4 (issue 25 item 3): an upgrade whose DKMS build fails leaves
    the package configured and apt working; the preflight refuses; a
    version that builds recovers."""
    ver = d.text("s4_dkms_version")
    up = d.text("s4_upgrade_broken")
    check(d.rc("s4_upgrade_broken") == 0,
          "an upgrade whose DKMS build fails: apt-get exits 0", up)
    check("/var/lib/dkms/pci-liveupdate/%s/build/make.log" % ver in up and
          "configured anyway" in up,
          "apt's output says where the build's log is and that the "
          "package is configured anyway", up)
    st = d.text("s4_dpkg_broken")
    check(st.startswith("install ok installed ") and st.endswith("+plu1"),
          "pci-liveupdate-dkms is configured at the broken version, not "
          "half-configured", st)
    check(ver and "added" in d.text("s4_dkms_status_broken") and
          "installed" not in d.text("s4_dkms_status_broken"),
          "DKMS has the source, built for no kernel",
          d.text("s4_dkms_status_broken"))
    check(d.rc("s4_modinfo_broken") not in (None, 0),
          "no module on disk for %s" % rel, d.text("s4_modinfo_broken"))
    check("could not build" in d.text("s4_journal_broken"),
          "the journal has the failed build (pci-liveupdate-dkms)",
          d.text("s4_journal_broken"))
    check(d.text("s4_loaded_broken") == "loaded" and
          d.text("s4_active_broken") == "active",
          "the module loaded keeps running, and the service",
          "%s; %s" % (d.text("s4_loaded_broken"), d.text("s4_active_broken")))
    check(d.rc("s4_check_broken") == 1 and
          "DKMS has not built it" in d.text("s4_check_broken"),
          "the preflight refuses the live update into %s (no module), "
          "naming DKMS" % rel, d.text("s4_check_broken"))
    rc = d.text("s4_reconfigure_broken")
    check(d.rc("s4_reconfigure_broken") == 0 and "configured anyway" in rc,
          "dpkg-reconfigure pci-liveupdate-dkms runs the build again: it "
          "fails the same way, reported, exit 0", rc)
    check(d.rc("s4_apt_after_broken") == 0,
          "a later apt-get install works (exit 0)",
          d.text("s4_apt_after_broken"))
    check(d.rc("s4_upgrade_fixed") == 0,
          "the recovery: apt-get install of a version that builds",
          d.text("s4_upgrade_fixed"))
    st = d.text("s4_dpkg_fixed")
    check(st.startswith("install ok installed ") and st.endswith("+plu2"),
          "pci-liveupdate-dkms is configured at the fixed version", st)
    check(rel in d.text("s4_dkms_status_fixed") and
          "installed" in d.text("s4_dkms_status_fixed"),
          "DKMS built and installed it for %s" % rel,
          d.text("s4_dkms_status_fixed"))
    check(d.rc("s4_modinfo_fixed") == 0 and
          d.text("s4_modinfo_fixed").startswith(
              "/lib/modules/%s/updates/dkms/" % rel),
          "the module is on disk again", d.text("s4_modinfo_fixed"))
    ini = lines(d, "s4_initrd_fixed")
    check("conf/modules: pci_liveupdate" in ini and
          any(re.search(r"/pci_liveupdate\.ko", x) for x in ini),
          "and in the initramfs", "\n".join(ini))
    check(d.rc("s4_check_fixed") == 0 and
          d.text("s4_active_fixed") == "active",
          "the preflight allows the live update again; the service is "
          "active", "%s; %s" % (d.text("s4_check_fixed"),
                                d.text("s4_active_fixed")))


def verify(d):
    # ---- stage 1: install, DKMS in the guest, mark ----
    m = re.match(r"systemd (\d+)", d.text("s1_systemd"))
    check(m and int(m.group(1)) >= SYSTEMD_MIN,
          "the guest runs systemd %d or later" % SYSTEMD_MIN,
          d.text("s1_systemd"))
    check(d.text("s1_pid1").endswith("/systemd"), "systemd is PID 1",
          d.text("s1_pid1"))
    rel = d.text("s1_kernel")
    running(d, "s1")
    check(d.text("s1_loaded_before") == "absent",
          "stage 1: no module before the packages are installed")
    check(d.rc("s1_apt_install") == 0, "apt-get install of our .debs",
          d.text("s1_apt_install"))
    st = d.text("s1_dkms_status")
    check(rel and rel in st and "installed" in st,
          "DKMS built and installed the module for %s in the guest" % rel, st)
    check(d.rc("s1_modinfo") == 0 and
          d.text("s1_modinfo").startswith("/lib/modules/%s/updates/dkms/" % rel),
          "the module is DKMS's, in /lib/modules/%s/updates/dkms" % rel,
          d.text("s1_modinfo"))
    # The package renews every kernel's initramfs that has the module, not
    # only the newest one's (debian/pci-liveupdate-dkms.postinst): the
    # running kernel here is not the newest.
    ini = lines(d, "s1_initrd_pkg")
    check(any(re.search(r"/pci_liveupdate\.ko", x) for x in ini),
          "the package put the module into the running kernel's initramfs "
          "(not only the newest kernel's)", "\n".join(ini))
    check(d.rc("s1_check_pkg") is not None and
          "lacks pci_liveupdate.ko" not in d.text("s1_check_pkg"),
          "the preflight finds the module in that initramfs",
          d.text("s1_check_pkg"))
    check(d.rc("s1_initramfs") == 0, "update-initramfs -u -k " + rel,
          d.text("s1_initramfs"))
    ini = lines(d, "s1_initrd")
    check(any(re.search(r"/pci_liveupdate\.ko", x) for x in ini) and
          "conf/modules: pci_liveupdate" in ini,
          "update-initramfs put the module into the initramfs and "
          "conf/modules (loaded early)", "\n".join(ini))
    check(d.text("s1_enabled") == "enabled", "pci-liveupdate.service enabled",
          d.text("s1_enabled"))
    # Right after the one apt-get install, before anything else touched
    # the service (issue 25): dpkg may configure pci-liveupdate before
    # pci-liveupdate-dkms has built the module.
    note("dpkg configured: " + d.text("s1_configure_order"))
    unit = lines(d, "s1_unit_after_install")
    check(d.text("s1_active_after_install") == "active",
          "pci-liveupdate.service is active right after apt-get install",
          "%s; %s; journal: %s" % (d.text("s1_active_after_install"),
                                   "; ".join(unit),
                                   d.text("s1_hold_journal")))
    check("NFileDescriptorStore=1" in unit and "NRestarts=0" in unit,
          "right after the install it holds the device in its fd store "
          "and was never restarted", "; ".join(unit))
    check(d.text("s1_apt_errors") == "0",
          "apt-get install printed no service error (deb-systemd-invoke, "
          "start limit)", d.text("s1_apt_install"))
    check(d.text("s1_active") == "active", "pci-liveupdate.service active",
          d.text("s1_hold_journal"))
    check(d.text("s1_fdstore") == "stored plu-memfd",
          "the other service put its memfd into its fd store",
          d.text("s1_fdstore"))
    sysfs1 = d.json("s1_sysfs")
    out1 = d.json("s1_outgoing")
    check(d.rc("s1_mark") == 0, "stage 1: mark", d.text("s1_mark"))
    check_records("stage 1 outgoing", out1, sysfs1 or [], MARKED)
    service_steps(d, out1)
    vfs1 = sriov_marked(d, sysfs1)
    check(d.rc("s1_check") == 0,
          "stage 1: the preflight allows the kexec into the same kernel",
          d.text("s1_check"))

    # ---- stage 2: after systemctl kexec ----
    new_boot(d, "s2", "s1", rel, "pci-liveupdate kexec --systemctl")
    load_order(d, "s2")
    incoming_ok(d, "s2_incoming", d.json("s2_sysfs"),
                d.json("s1_sriov_outgoing"), MARKED + [SRIOV_PF])
    sriov_restored(d, vfs1)
    check(d.text("s2_incoming_state") == "finished",
          "systemd finished its session (incoming state finished)",
          d.text("s2_incoming_state"))
    j = d.text("s2_hold_journal")
    check("got /dev/pci_liveupdate back from the fd store" in j,
          "pci-liveupdate.service got its file back from the fd store", j)
    check(d.text("s2_fdstore") ==
          "got plu-memfd: stored in boot " + d.text("s1_boot_id"),
          "the other service's memfd came back from its fd store",
          d.text("s2_fdstore"))
    out2 = d.json("s2_outgoing")
    check(d.rc("s2_mark") == 0, "stage 2: mark again", d.text("s2_mark"))
    check_records("stage 2 outgoing", out2, d.json("s2_sysfs") or [], MARKED)
    check(d.rc("s2_check") == 0, "stage 2: the preflight allows the kexec",
          d.text("s2_check"))
    stopped_unit(d, rel, out2)

    # ---- stage 4: after pci-liveupdate kexec ----
    out3 = d.json("s3_outgoing")
    new_boot(d, "s4", "s3", rel, "pci-liveupdate kexec")
    load_order(d, "s4")
    check(d.rc("s4_retrieve") == 0,
          "stage 4: retrieve --finish of the CLI's session",
          d.text("s4_retrieve"))
    incoming_ok(d, "s4_incoming", d.json("s4_sysfs") or d.json("s3_sysfs"),
                out3)
    check(d.text("s4_incoming_state") == "finished",
          "stage 4: incoming state finished", d.text("s4_incoming_state"))
    broken_upgrade(d, rel)

    # ---- the preflight and a kernel DKMS has not built for ----
    relb = d.text("s4_rel_b")
    check(d.rc("s4_modinfo_b") not in (None, 0),
          "no module for %s before its headers are there" % relb,
          d.text("s4_modinfo_b"))
    check(d.rc("s4_check_nomod") == 1,
          "check refuses a kernel without the module (exit 1)",
          d.text("s4_check_nomod"))
    check(d.rc("s4_kexec_nomod") == 1 and "refused" in d.text("s4_kexec_nomod"),
          "kexec refuses it (exit 1)", d.text("s4_kexec_nomod"))
    check(d.rc("s4_dkms_install_b") == 0, "dkms install -k %s" % relb,
          d.text("s4_dkms_install_b"))
    check(relb and relb in d.text("s4_dkms_status"),
          "DKMS lists the module for %s" % relb, d.text("s4_dkms_status"))
    ini = lines(d, "s4_initrd_b")
    check("conf/modules: pci_liveupdate" in ini,
          "%s's initramfs loads the module" % relb, "\n".join(ini))
    check(d.rc("s4_check_b") == 0,
          "check allows the kexec into %s after dkms install" % relb,
          d.text("s4_check_b"))
    check(d.rc("s4_kexec_b") == 0, "kexec --dry-run into %s goes ahead" % relb,
          d.text("s4_kexec_b"))
    check(d.rc("s4_headers_b") == 0,
          "apt-get install of %s's headers" % relb, d.text("s4_headers_b"))
    unit = lines(d, "s4_unit_b")
    check(d.text("s4_active_b") == "active" and
          "NFileDescriptorStore=1" in unit,
          "after %s's headers and its DKMS build, the service is still "
          "active and holds the device" % relb,
          "%s; %s" % (d.text("s4_active_b"), "; ".join(unit)))

    # ---- stage 5: the LUO kernel booted without liveupdate=on ----
    new_boot(d, "s5", "s4", relb, "a plain kexec without liveupdate=on")
    check("liveupdate=on" not in d.text("s5_cmdline").split() and
          d.text("s5_luo_dev") == "absent",
          "stage 5: no liveupdate=on, no /dev/liveupdate (LUO is off)",
          "%s; /dev/liveupdate %s" % (d.text("s5_cmdline"),
                                      d.text("s5_luo_dev")))
    check(d.text("s5_disabled") not in ("", "0") and
          d.text("s5_loaded") == "absent",
          "stage 5: the module was tried at boot and refused to load "
          "(\"Live Update is disabled\")",
          "lines: %s; module %s" % (d.text("s5_disabled"),
                                    d.text("s5_loaded")))
    ml = lines(d, "s5_modules_load")
    check("ActiveState=active" in ml and "Result=success" in ml,
          "stage 5: systemd-modules-load.service did not fail on the "
          "refused module",
          "; ".join(ml) + "; journal: " + d.text("s5_modules_load_journal"))
    unit = lines(d, "s5_unit")
    check("ActiveState=inactive" in unit and "Result=success" in unit,
          "stage 5: pci-liveupdate.service skipped, not failed",
          "; ".join(unit))
    running(d, "s5")

    # ---- remove and purge ----
    check(d.rc("s5_remove") == 0, "apt-get remove", d.text("s5_remove"))
    check(d.rc("s5_left_remove") is not None, "after remove: looked for leftovers")
    left = [x for x in lines(d, "s5_left_remove") if x.strip()]
    bad = [x for x in left if re.search(
        r"^/usr/src/|/var/lib/dkms|/lib/modules/|initramfs-tools|dracut|"
        r"modules-load|^/usr/lib/systemd/system/|/usr/sbin/", x)]
    # (The unit's enablement stays until purge, as with any Debian
    # service; purge is checked below to leave nothing at all.)
    check(not bad, "after remove: no DKMS tree, module, hook or unit", "\n".join(left))
    for k, which in (("s5_initrd_a_removed", "the first kernel's"),
                     ("s5_initrd_b_removed", "the second kernel's")):
        ini = [x for x in lines(d, k) if x.strip()]
        check(d.rc(k) is not None and
              not any("pci_liveupdate" in x for x in ini),
              "after remove, %s initramfs no longer has the module" % which,
              "; ".join(ini) or "not recorded")
    check(d.rc("s5_purge") == 0, "apt-get purge", d.text("s5_purge"))
    check(d.rc("s5_left_purge") is not None, "after purge: looked for leftovers")
    left = [x for x in lines(d, "s5_left_purge") if x.strip()]
    check(not left, "after purge: nothing named pci-liveupdate or "
          "pci_liveupdate is left", "\n".join(left))
    check(d.rc("s5_dpkg_left") is not None and
          not d.text("s5_dpkg_left").strip(), "after purge: dpkg knows no "
          "pci-liveupdate package", d.text("s5_dpkg_left"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    verify(plu_verify.Data(sys.argv[1]))
    failed = plu_verify.RESULTS.count(False)
    print("%d passed, %d failed" % (len(plu_verify.RESULTS) - failed, failed))
    sys.exit(1 if failed or not plu_verify.RESULTS else 0)


if __name__ == "__main__":
    main()
