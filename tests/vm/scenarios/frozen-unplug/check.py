# SPDX-License-Identifier: GPL-2.0
"""frozen-unplug: a device removed while the image is frozen leaves the
sealed image as it was; the removal reaches it at thaw."""
import re

from plu_verify import bdfs, check


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


def verify(d):
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
