# SPDX-License-Identifier: GPL-2.0
"""abort: a session closed before reboot frees the image (kmemleak clean),
keeps the marks, and preserving again works."""
from plu_verify import check, same_records


def verify(d):
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
