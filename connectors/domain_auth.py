"""DKIM and DMARC for the sender domain: the steps that let receivers trust mail Exchange Online sends for it.

Sources:
- DKIM selectors, their two CNAME forms, the Defender portal path and "DKIM passes DMARC validation only if
  the domain that DKIM signed the message and the domain in the From address align": Microsoft Learn, "Set up
  DKIM to sign mail from your Microsoft 365 domain",
  https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure (and its 2025 revision
  adding <initial domain prefix>.<partition>-v1.dkim.mail.microsoft).
- DMARC policy, reports and staged enforcement (p=none → quarantine → reject, pct): RFC 7489 §6.3 and
  https://learn.microsoft.com/defender-office-365/email-authentication-dmarc-configure
"""

from __future__ import annotations

from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.guide import Command, Step, Value, Where, say
from connectors.placeholders import sender_domain_or_placeholder
from connectors.powershell import connect_exchange
from connectors.quoting import powershell_literal

DKIM_DOC = "https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure"
DMARC_DOC = "https://learn.microsoft.com/defender-office-365/email-authentication-dmarc-configure"


def _initial_domain(config: MailConfig) -> str:
    tenant = config.tenant.strip().lower()
    return tenant if tenant.endswith("." + cloud_for(config.cloud).tenant_suffix) else ""


def dkim(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    domain = sender_domain_or_placeholder(config)
    dashes = domain.replace(".", "-")
    initial = _initial_domain(config) or f"<initial domain>.{cloud.tenant_suffix}"
    classic = f"selector1-{dashes}._domainkey.{initial}"
    return Step(
        key="dns.dkim",
        where=Where.DNS,
        title=f"Let Exchange Online sign mail from {domain} with DKIM",
        why=(
            "Until DKIM is set up for the domain, Exchange Online signs with the tenant's onmicrosoft.com domain; "
            "that signature does not align with the From address, so DMARC can pass only on SPF."
        ),
        values=(
            Value("Name", f"selector1._domainkey.{domain}"),
            Value("Name (second selector)", f"selector2._domainkey.{domain}"),
            Value("Type", "CNAME"),
            say("Value (classic form)", f"{classic} (selector2-… for the second)"),
            say(
                "Value (domains set up from 2025)",
                f"selector1-{dashes}._domainkey.<initial domain prefix>.<partition>-v1.dkim.mail.microsoft",
            ),
            say(
                "Where Microsoft shows the exact values",
                "Defender portal → Email & collaboration → Policies & rules → Threat policies → Email "
                f"authentication settings → DKIM → {domain}",
            ),
        ),
        command=Command(
            "powershell",
            f"{connect_exchange(cloud)}\n"
            f"Get-DkimSigningConfig -Identity {powershell_literal(domain)} | Format-List Selector1CNAME,Selector2CNAME,Enabled\n"
            "# Once both CNAMEs resolve:\n"
            f"Set-DkimSigningConfig -Identity {powershell_literal(domain)} -Enabled $true",
        ),
        check="dkim.record",
        notes=(
            "Publish both selectors: only one is active; Microsoft switches to the other at the next key rotation.",
            "Copy the values Microsoft shows for your tenant: the 2025 form carries a partition letter the portal "
            "cannot guess. If Get-DkimSigningConfig finds nothing, New-DkimSigningConfig -DomainName "
            f"{domain} -Enabled $false creates the keys first.",
            f"Source: {DKIM_DOC}",
        ),
    )


def dmarc(config: MailConfig) -> Step:
    domain = sender_domain_or_placeholder(config)
    return Step(
        key="dns.dmarc",
        where=Where.DNS,
        title=f"Make sure {domain} has a DMARC record, and tighten it",
        why=(
            "Receivers apply the domain's DMARC policy to SAP's mail: it passes when SPF or DKIM passes for a "
            "domain aligned with the From address. p=none only watches; without a record the domain is easy "
            "to spoof."
        ),
        values=(
            Value("Name", f"_dmarc.{domain}"),
            Value("Type", "TXT"),
            Value("Start with (if none exists)", f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"),
            Value("Then", f"v=DMARC1; p=quarantine; pct=25; rua=mailto:dmarc-reports@{domain}"),
            Value("Finally", f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{domain}"),
        ),
        check="dmarc.record",
        notes=(
            "Read the aggregate reports (rua) for a few weeks: every legitimate sender of the domain — SAP "
            "included — must pass SPF or DKIM aligned with the From domain before you move on.",
            "Raise pct step by step under p=quarantine (25, 50, 100), then switch to p=reject.",
            "SAP's mail aligns on SPF when its sending path is in the domain's SPF record, and on DKIM once the "
            "domain's own DKIM signing is on (previous step).",
            f"Sources: RFC 7489 §6.3; {DMARC_DOC}",
        ),
    )
