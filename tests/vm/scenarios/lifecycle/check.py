# SPDX-License-Identifier: GPL-2.0
"""lifecycle: frozen set refuses changes, unload refused while preserved
or while an incoming set is held, clean unload and reload when idle."""
from plu_verify import check


def verify(d):
    check(d.rc("mark_a") == 0, "a device is marked")
    st = d.json("status_frozen") or {}
    check(st.get("state") == "frozen", "freeze callback: state frozen", st)
    check(d.rc("mark_frozen") == 1, "MARK while frozen is refused")
    check(d.rc("unmark_frozen") == 1, "UNMARK while frozen is refused")
    check(d.rc("mark_thawed") == 0, "MARK works again after unfreeze")
    st = d.json("status_thawed") or {}
    check(st.get("state") == "idle" and st.get("marked") == 2,
          "after unfreeze: idle, both marks there", st)
    check(d.rc("retrieve_none") == 1,
          "retrieving a session that was never preserved fails cleanly")
    check(d.rc("lifecycle_test") == 0,
          "lifecycle_test (unload refused while preserved, ...) passes",
          d.text("lifecycle_test"))
    check(d.rc("rmmod_idle") == 0 and d.rc("insmod_again") == 0,
          "idle module unloads and loads again (pci-liveupdate load)")
    check(d.rc("load_again") == 0 and "already" in d.text("load_again"),
          "pci-liveupdate load is idempotent", d.text("load_again"))
    st = d.json("status_reloaded") or {}
    check(st.get("marked") == 0 and st.get("state") == "idle",
          "a reloaded module starts empty", st)
    check(d.rc("rmmod_incoming") != 0,
          "new kernel: unload refused while the incoming set is held")
    check(d.rc("retrieve_1") == 0, "new kernel: first finish succeeds")
    check(d.rc("retrieve_2") == 1, "new kernel: second finish fails")
    check(d.rc("rmmod_finished") != 0,
          "new kernel: module stays loaded after finish")
    st = d.json("status2") or {}
    check(st.get("incoming_state") == "finished" and
          st.get("incoming") == 2, "new kernel: set finished, 2 records",
          st)
