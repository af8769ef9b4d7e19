"""secret.expiry: the client secret or certificate runs out — warn 30 days ahead, fail once past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..context import RunContext
from ..findings import Finding, Status
from .oauth import certificate_facts, finding_builder

WARN_DAYS = 30


def check_secret_expiry(
    *,
    credential: str,
    secret_expires: dt.date | None,
    certificate_pem: str | None,
    certificate_expires: dt.date | None,
    client_id: str,
    today: dt.date,
    expiry_required: bool = True,
) -> Finding:
    """``credential`` is "secret", "certificate" or "password"; ``expiry_required`` is False where none is expected
    (a mailbox password), so an unknown date is not worth a warning there."""
    what, expires, evidence = _expiry(credential, secret_expires, certificate_pem, certificate_expires)
    if expires is None:
        finding = finding_builder("secret.expiry", client_id=client_id)
        if not expiry_required:
            return Finding("secret.expiry", Status.SKIPPED, f"No expiry date is recorded for the {what}")
        return finding(Status.WARN, f"The {what}'s expiry date is not recorded", "secret.expiry_unknown", evidence)
    days = (expires - today).days
    finding = finding_builder("secret.expiry", client_id=client_id, days=str(max(days, 0)))
    evidence = evidence or f"{what} expires {expires.isoformat()}"
    if days < 0:
        return finding(
            Status.FAIL, f"The {what} expired on {expires.isoformat()} ({-days} days ago)", "secret.expired", evidence
        )
    if days <= WARN_DAYS:
        return finding(
            Status.WARN, f"The {what} expires on {expires.isoformat()}, in {days} days", "secret.expires_soon", evidence
        )
    return finding(Status.PASS, f"The {what} is valid until {expires.isoformat()} ({days} days)", None, evidence)


def _expiry(
    credential: str, secret_expires: dt.date | None, certificate_pem: str | None, certificate_expires: dt.date | None
) -> tuple[str, dt.date | None, str]:
    """(what, expiry, evidence): a stored certificate's own date beats the recorded one."""
    if credential != "certificate":
        return ("client secret" if credential == "secret" else credential), secret_expires, ""
    if certificate_pem:
        try:
            thumbprint, not_after = certificate_facts(certificate_pem)
        except ValueError:
            return "certificate", certificate_expires, "the stored certificate cannot be read"
        return "certificate", not_after.date(), f"certificate {thumbprint} valid until {not_after:%Y-%m-%d %H:%M} UTC"
    return "certificate", certificate_expires, ""


def _secret_expiry(ctx: RunContext) -> Finding:
    config, expect = ctx.target.config, ctx.expect("secret.expiry")
    return check_secret_expiry(
        credential=expect.credential,
        secret_expires=config.secret_expires,
        certificate_pem=ctx.target.certificate_pem,
        certificate_expires=config.certificate_expires,
        client_id=config.client_id,
        today=ctx.env.now().date(),
        expiry_required=expect.expiry_required,
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"secret.expiry": _secret_expiry}
