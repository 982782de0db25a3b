# SPDX-License-Identifier: GPL-2.0
"""rebind-long-name: mark --rebind refused for a driver name longer than
the 16 bytes kept; plain mark records it truncated."""
from plu_verify import check, record_of


def verify(d):
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
