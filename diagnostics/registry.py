"""Every check the engine can run, by key: one explicit list of check modules, no discovery."""

from __future__ import annotations

from diagnostics.checks import dkim, dmarc, dns, dnsbl, egress, expiry, oauth, retirement, smtp, spf, tcp, tls
from diagnostics.engine import CheckFn

CHECK_MODULES = (dns, tcp, smtp, tls, egress, oauth, spf, dmarc, dkim, dnsbl, expiry, retirement)

CHECKS: dict[str, CheckFn] = {}
for _module in CHECK_MODULES:
    CHECKS.update(_module.CHECKS)
