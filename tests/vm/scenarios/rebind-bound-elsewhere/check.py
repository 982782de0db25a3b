# SPDX-License-Identifier: GPL-2.0
"""rebind-bound-elsewhere: a --rebind device another driver claimed
first is left alone and logged; pci-liveupdate rebind moves it."""
from plu_verify import check, record_of


def verify(d):
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
