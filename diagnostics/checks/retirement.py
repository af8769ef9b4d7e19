"""setup.basic_auth_retirement (smtp_basic): always a warning with Microsoft's next date and the way out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from connectors.releases import release_label, supports_oauth_jwt, supports_oauth_secret

from ..catalogue.entra_errors import describe
from ..context import Milestone, RunContext
from ..findings import Finding, Status


def migration_path(basis_release: int | None) -> str:
    """The way off Basic auth for this SAP_BASIS release (reference: options side by side)."""
    if supports_oauth_secret(basis_release):
        credential = (
            "client secret or certificate (JWT bearer)" if supports_oauth_jwt(basis_release) else "client secret"
        )
        return (
            f"Move to SMTP OAuth 2.0 (SAP_BASIS {release_label(basis_release)} supports it with a {credential}): "
            "register an app with Office 365 Exchange Online SMTP.SendAsApp, grant the service principal "
            "FullAccess on the mailbox, and switch SBCS_MAIL_CONFIGSMTP to OAuth 2.0 (client profile BCS_MAIL)."
        )
    others = (
        "Direct Send (internal recipients only), a relay connector (static public IP or certificate, any recipient) "
        "or a relay server; then delete the logon data in SCOT."
    )
    if basis_release is None:
        return f"Record the SAP_BASIS release: from 7.50 move to SMTP OAuth 2.0; below that move to {others}"
    return f"SAP_BASIS {release_label(basis_release)} has no SMTP OAuth 2.0 (needs 7.50): move to {others}"


def check_basic_auth_retirement(
    *, milestones: Sequence[Milestone], basis_release: int | None, today: dt.date
) -> Finding:
    ordered = sorted(milestones, key=lambda m: m.date)
    evidence = "\n".join(f"{m.date.isoformat()}: {m.what} (source: {m.source})" for m in ordered)
    upcoming = next((m for m in ordered if m.date >= today), None)
    if upcoming is None:
        last = ordered[-1] if ordered else None
        when = f" on {last.date.isoformat()}" if last else ""
        summary = f"Basic auth for SMTP AUTH is retiring; Microsoft's last announced milestone passed{when}"
    else:
        days = (upcoming.date - today).days
        summary = f"Basic auth for SMTP AUTH is retiring: {upcoming.date.isoformat()} (in {days} days): {upcoming.what}"
    explanation, _ = describe("basic_auth.retiring")
    # The catalogue's remedy is generic; this system's release decides the way out.
    return Finding(
        "setup.basic_auth_retirement",
        Status.WARN,
        summary,
        "basic_auth.retiring",
        explanation,
        migration_path(basis_release),
        evidence,
    )


def _basic_auth_retirement(ctx: RunContext) -> Finding:
    return check_basic_auth_retirement(
        milestones=ctx.env.milestones,
        basis_release=ctx.target.config.basis_release,
        today=ctx.env.now().date(),
    )


CHECKS: dict[str, Callable[[RunContext], Finding]] = {"setup.basic_auth_retirement": _basic_auth_retirement}
