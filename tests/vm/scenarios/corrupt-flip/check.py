# SPDX-License-Identifier: GPL-2.0
"""corrupt-flip: a bit flipped in the image (plu_fault=flip); the next
kernel rejects it with one log line and stays usable."""
from plu_verify import scenario

verify = scenario("_corrupt").verify_corrupt
