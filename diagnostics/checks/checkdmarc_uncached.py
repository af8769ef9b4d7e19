"""checkdmarc for the checks, with its process-wide DNS cache switched off the documented way.

checkdmarc keeps every DNS answer in one dictionary per process, keyed by name only, for 30
minutes: with checks running six at a time, one run (another resolver, or a record fixed a minute
ago) would answer for the next. checkdmarc documents one switch for that cache, the environment
variables ``DNS_CACHE_MAX_AGE_SECONDS`` and ``DNS_CACHE_MAX_LEN``, read once when it is first
imported (https://domainaware.github.io/checkdmarc/#environment-variables). The checks import
checkdmarc only through this module, so it is set before that first import; if something imported
checkdmarc earlier, the import here fails loudly instead of caching silently.
"""

from __future__ import annotations

import os

# An answer older than 0 seconds is never served; one entry at most is kept.
os.environ["DNS_CACHE_MAX_AGE_SECONDS"] = "0"
os.environ["DNS_CACHE_MAX_LEN"] = "1"

import checkdmarc.dmarc as checkdmarc_dmarc  # noqa: E402 - after the switch, on purpose
import checkdmarc.spf as checkdmarc_spf  # noqa: E402
import checkdmarc.utils  # noqa: E402

if checkdmarc.utils.DNS_CACHE.max_age != 0:
    raise ImportError(
        "checkdmarc was imported before diagnostics.checks.checkdmarc_uncached: its DNS cache would mix "
        "the answers of different runs. Import the checks first, or set DNS_CACHE_MAX_AGE_SECONDS=0."
    )

__all__ = ["checkdmarc_dmarc", "checkdmarc_spf"]
