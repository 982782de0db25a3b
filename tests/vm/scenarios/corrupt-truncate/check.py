# SPDX-License-Identifier: GPL-2.0
"""corrupt-truncate: a record block smaller than its capacity
(plu_fault=truncate); the next kernel rejects the image with one log line
and stays usable."""
from plu_verify import scenario

verify = scenario("_corrupt").verify_corrupt
