# SPDX-License-Identifier: GPL-2.0
"""corrupt-version: an unknown wire version (plu_fault=version); the next
kernel rejects the image with one log line and stays usable."""
from plu_verify import scenario

verify = scenario("_corrupt").verify_corrupt
