# SPDX-License-Identifier: GPL-2.0
"""cfi-trap: the kCFI negative control traps on the cfi kernel."""
from plu_verify import check


def verify(d):
    check(d.text("plu_loaded") == "1",
          "pci_liveupdate is loaded on the kCFI kernel", d.text("plu_loaded"))
    check(d.rc("insmod_trap") == 0, "the control module loads",
          d.text("insmod_trap"))
    check(d.text("calling_log") == "1",
          "the control made its type-mismatched indirect call",
          d.text("calling_log"))
    check(d.text("cfi_log") == "1",
          "the kernel reports one CFI failure at plu_cfi_call",
          d.text("cfi_log"))
    check(d.text("returned_log") == "0",
          "the mismatched call never returned", d.text("returned_log"))
    check(d.text("trigger_rc") not in ("", "0"),
          "the writer of the trigger was killed by the oops",
          d.text("trigger_rc"))
