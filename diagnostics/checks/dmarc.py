"""dmarc.record: the sender domain publishes a DMARC policy (checkdmarc, through our resolver)."""

from __future__ import annotations

from collections.abc import Callable

import dns.resolver

from ..context import RunContext
from ..findings import Finding, Status
from .checkdmarc_uncached import checkdmarc_dmarc as cd
from .dns import finding_builder

# Errors that say "the record is there but wrong"; a bare DMARCError wraps a DNS failure.
_INVALID = (
    cd.DMARCSyntaxError,
    cd.MultipleDMARCRecords,
    cd.DMARCRecordInWrongLocation,
    cd.UnrelatedTXTRecordFoundAtDMARC,
)


def suggested_record(domain: str) -> str:
    return f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"


def check_dmarc_record(domain: str, *, resolver: dns.resolver.Resolver, timeout: float) -> Finding:
    if not domain:
        return Finding("dmarc.record", Status.SKIPPED, "No sender address, so no sender domain to check")
    finding = finding_builder("dmarc.record", domain=domain, record=suggested_record(domain))
    options = {"resolver": resolver, "timeout": timeout, "retries": 0}
    try:
        query = cd.query_dmarc_record(domain, ignore_unrelated_records=True, **options)
        record, location = query["record"], query["location"]
        tags = cd.parse_dmarc_record(record, location, ignore_unrelated_records=True, **options)["tags"]
    except cd.DMARCRecordNotFound:
        return finding(Status.WARN, f"{domain} publishes no DMARC record", "dmarc.missing")
    except _INVALID as exc:
        return finding(Status.FAIL, f"The DMARC record of {domain} is invalid: {exc}", "dmarc.invalid")
    except cd.DMARCError as exc:
        return finding(Status.ERROR, f"The DMARC record of {domain} could not be read: {exc}", "dmarc.lookup_failed")
    inherited = location != domain
    # A subdomain without its own record gets the organisational domain's sp= (default: p=).
    policy = tags["sp" if inherited and "sp" in tags else "p"]["value"]
    where = f" (inherited from {location})" if inherited else ""
    evidence = f"_dmarc.{location} TXT {record}"
    if policy == "none":
        return finding(
            Status.WARN, f"DMARC of {domain} only monitors (p=none){where}", "dmarc.monitoring_only", evidence
        )
    return finding(Status.PASS, f"{domain} publishes DMARC p={policy}{where}", None, evidence)


def _dmarc_record(ctx: RunContext) -> Finding:
    return check_dmarc_record(ctx.target.config.sender_domain, resolver=ctx.resolver(), timeout=ctx.env.timeout)


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"dmarc.record": _dmarc_record}
