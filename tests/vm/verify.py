#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what a VM scenario recorded on its data port (tests/vm/plu-lib.sh).

usage: verify.py SCENARIO DATA_FILE
       verify.py --has SCENARIO

Runs verify(d) of tests/vm/scenarios/SCENARIO/check.py on the results in
DATA_FILE (the shared helpers are in tests/vm/plu_verify.py).  Prints one
"ok N - ..." / "not ok N - ..." line per assertion, then "N passed, N
failed", and exits 1 if any failed or none ran.  --has exits 0 when
SCENARIO has a check.py.  See docs/harness.md.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the scenario folders
import plu_verify  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if sys.argv[1] == "--has":
        sys.exit(0 if plu_verify.check_file(sys.argv[2]) else 1)
    mod = plu_verify.scenario(sys.argv[1])
    if not mod:
        sys.exit("verify.py: unknown scenario %s (no %s/%s/check.py)" % (
            sys.argv[1], plu_verify.SCENARIOS, sys.argv[1]))
    if not callable(getattr(mod, "verify", None)):
        sys.exit("verify.py: %s has no verify(d)" % mod.__file__)
    mod.verify(plu_verify.Data(sys.argv[2]))
    failed = plu_verify.RESULTS.count(False)
    print("%d passed, %d failed" % (len(plu_verify.RESULTS) - failed, failed))
    sys.exit(1 if failed or not plu_verify.RESULTS else 0)


if __name__ == "__main__":
    main()
