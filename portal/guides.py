"""The generated guide of a stored setup, as the pages and ``manage.py steps`` show it.

The connectors are pure: they merge the sender domain's SPF record only when they are handed it.
Here, in the portal, the record is read live through the portal's resolver (PORTAL_DNS_NAMESERVERS)
with a short timeout — and only for guides that have an SPF step. When DNS fails, the guide keeps
its text for "record not known" (it says so), so a page never waits on DNS for long or breaks.
"""

from __future__ import annotations

import dns.exception
from django.conf import settings

from connectors.config import MailConfig
from connectors.guide import Guide
from connectors.registry import guide_for
from diagnostics.checks.spf import spf_records
from diagnostics.context import make_resolver
from diagnostics.milestones import configured_milestones

SPF_LOOKUP_TIMEOUT = 3.0  # seconds for the whole lookup: a page renders on it


def current_spf(domain: str) -> list[str] | None:
    """The domain's SPF record(s) now ([] = it publishes none), or None when DNS could not tell."""
    if not domain:
        return None
    timeout = min(SPF_LOOKUP_TIMEOUT, float(settings.PORTAL_CHECK_TIMEOUT))
    resolver = make_resolver(tuple(settings.PORTAL_DNS_NAMESERVERS), timeout)
    try:
        return spf_records(domain, resolver, timeout)
    except dns.exception.DNSException:
        return None


def guide_for_setup(config: MailConfig) -> Guide:
    """The guide with the portal's Basic-auth milestones and, where it has an SPF step, the live record."""
    milestones = configured_milestones()
    guide = guide_for(config, milestones=milestones)
    if not any(step.key.endswith("dns.spf") for step in guide.steps):
        return guide
    existing = current_spf(config.sender_domain)
    if existing is None:
        return guide
    return guide_for(config, milestones=milestones, existing_spf=existing)
