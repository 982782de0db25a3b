# SPDX-License-Identifier: GPL-2.0
"""preserve-race: a file LUO takes while the module loads carries the set;
a module whose FLB registration failed stays loaded, refuses, unloads."""
from plu_verify import check


def verify(d):
    check(d.rc("rmmod_boot") == 0, "the module loaded at boot unloads")
    check(d.rc("insmod_window") == 0 and d.text("window_hits") == "10" and
          d.rc("rmmod_window") == 0,
          "the registration window was held open in each of the 10 loads",
          "insmod rc %s, hits %s" % (d.rc("insmod_window"),
                                      d.text("window_hits")))
    check(d.text("preserve_race_rc") == "0",
          "preserve_race_test: every file LUO accepted during or after the "
          "module's init carried the set, no refcount_t report",
          d.text("preserve_race_rc"))
    check(d.rc("insmod_noflb") == 0,
          "a failed FLB registration does not fail init (LUO may hold the "
          "handler)", d.text("insmod_noflb"))
    st = d.json("status_noflb") or {}
    check(st.get("luo_ready") is False and st.get("state") == "idle",
          "STATUS without LUO_READY, outgoing set idle", st)
    check(d.text("sysfs_noflb") == "0", "sysfs luo_ready says 0",
          d.text("sysfs_noflb"))
    check(d.text("noflb_log") == "1",
          "the kernel log says the FLB was not registered, and why",
          d.text("noflb_log"))
    check(d.rc("mark_noflb") == 0, "marks still work")
    out = d.text("kexec_noflb")
    check(d.rc("kexec_noflb") == 1 and
          "cannot preserve /dev/pci_liveupdate" in out and
          "LUO registration" in out and "loaded " not in out,
          "kexec: LUO refuses the file (the hint names the LUO "
          "registration), nothing is loaded", out)
    out = d.text("systemctl_noflb")
    check(d.rc("systemctl_noflb") == 1 and "dry run" not in out and
          "fail: pci_liveupdate is not registered with LUO" in out and
          "1 preflight check failed" in out,
          "kexec --systemctl: the preflight refuses a module not "
          "registered with LUO, and only for that", out)
    check(d.rc("rmmod_noflb") == 0,
          "the module without its FLB unloads cleanly")
    st = d.json("status_ready") or {}
    check(d.rc("insmod_ready") == 0 and st.get("luo_ready") is True and
          d.text("sysfs_ready") == "1",
          "loaded normally, STATUS has LUO_READY, sysfs luo_ready says 1", st)
    out = d.text("systemctl_ready")
    check(d.rc("systemctl_ready") == 0 and "fail:" not in out and
          "dry run: would load" in out,
          "kexec --systemctl --dry-run passes the preflight", out)
    check(d.text("refcount_log") == "0",
          "no refcount_t report in the kernel log", d.text("refcount_log"))
