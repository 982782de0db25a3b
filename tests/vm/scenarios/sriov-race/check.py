# SPDX-License-Identifier: GPL-2.0
"""sriov-race: SR-IOV enable/disable racing MARK of the PF and its VFs,
then MARK --with-vfs and SRIOV (sriov_race_test): no deadlock, every SRIOV
answer a consistent record, nothing left tracked."""
from plu_verify import check


def verify(d):
    check(d.rc("sriov_race_rc") is not None,
          "sriov_race_test ran to the end (no deadlock)")
    check(d.text("sriov_race_rc") == "0",
          "sriov_race_test: SR-IOV cycles racing PF/VF MARK, MARK "
          "--with-vfs and SRIOV pass",
          d.text("sriov_race_rc"))
    st = d.json("status1") or {}
    check(st.get("state") == "idle" and st.get("marked") == 0 and
          st.get("outgoing") == 0 and st.get("removed") == 0,
          "after the race: idle, nothing marked or tracked, no VF counted "
          "as removed", st)
    check(d.json("out1") == [], "after the race: the outgoing set is empty",
          d.text("out1"))
    check(d.rc("numvfs1") == 0 and d.text("numvfs1").strip() == "0",
          "after the race: the PF's VFs are disabled", d.text("numvfs1"))
