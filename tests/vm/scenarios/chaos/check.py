# SPDX-License-Identifier: GPL-2.0
"""chaos: the randomized exerciser's seeds all pass; the registration
window amplifier was reached; no hung-task slack; no refcount report."""
from plu_verify import check


def verify(d):
    seeds = d.text("chaos_seeds").split()
    check(len(seeds) > 0, "at least one seed ran", d.text("chaos_seeds"))
    for s in seeds:
        check(d.text("chaos_rc_" + s) == "0",
              "chaos_test seed %s (%s ops per thread, %s threads): every "
              "invariant held" % (s, d.text("chaos_ops"),
                                  d.text("chaos_threads")),
              "exit status %r (the serial log has the seed's op log)" %
              d.text("chaos_rc_" + s))
    check(d.rc("hung_task_timeout") == 0 and
          d.text("hung_task_timeout").strip() == "20",
          "hung task timeout lowered to 20 s", d.text("hung_task_timeout"))
    check(d.text("hung_task_panic").strip() == "1",
          "a hung task panics the guest", d.text("hung_task_panic"))
    check(d.rc("insmod_window") == 0,
          "the registration window amplifier is loaded",
          d.text("insmod_window"))
    hits = d.text("window_hits")
    check(hits.isdigit() and int(hits) > len(seeds),
          "the module was loaded under the amplifier during the chaos, "
          "not only at each seed's start", hits)
    check(d.rc("rmmod_window") == 0, "the amplifier unloads",
          d.text("rmmod_window"))
    check(d.text("refcount_log") == "0",
          "no refcount_t report in the kernel log", d.text("refcount_log"))
    check("pci_liveupdate" not in d.text("module_after"),
          "the module is unloaded at the end", d.text("module_after"))
