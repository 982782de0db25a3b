# SPDX-License-Identifier: GPL-2.0
"""hostile-memfd: a resealed image whose record block is a memfd's
preserved folio: rejected for its content, read in place; the memfd comes
back intact."""
from plu_verify import check, reject_reason

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


def verify(d):
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
    reason = reject_reason(line)
    check(reason is not None and reason in CONTENT_REASONS,
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
