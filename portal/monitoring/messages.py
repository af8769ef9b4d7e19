"""An alert in the form each channel takes: an e-mail (text and HTML), a Microsoft Teams Adaptive Card,
a JSON document for a generic webhook. Every form is made of the alert's stored ``facts``:

    headline  one sentence: what happened to which system
    lines     [label, value] pairs: health, since when, the failing check, its code…
    remedy    what to do
    link      the system's page in the portal
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from portal.monitoring.models import Alert

# Teams Workflows ("When a Teams webhook request is received") posts Adaptive Cards only, sent as a
# message with the card as an attachment; the connector cards of the retired Office 365 connectors are
# not understood. Version 1.4 renders in Teams on desktop, web and mobile. Sources:
# https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
# https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
# Teams' colour words for a card's headline, by the health an alert announces.
_CARD_COLOURS = {"red": "Attention", "amber": "Warning", "green": "Good"}


def subject(alert: Alert) -> str:
    return f"[Mail health] {alert.subject}".replace("\r", " ").replace("\n", " ")


def email_text(alert: Alert) -> str:
    facts = alert.facts
    lines = [facts["headline"], ""]
    lines += [f"{label}: {value}" for label, value in facts.get("lines", [])]
    if facts.get("remedy"):
        lines += ["", f"What to do: {facts['remedy']}"]
    lines += ["", f"Open {facts['system']} in the portal: {facts['link']}", "", _footer(alert)]
    return "\n".join(lines)


def email_html(alert: Alert) -> str:
    return render_to_string(
        "monitoring/alert_email.html", {"alert": alert, "facts": alert.facts, "footer": _footer(alert)}
    )


def teams_card(alert: Alert) -> dict[str, Any]:
    facts = alert.facts
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": alert.subject, "weight": "Bolder", "size": "Medium", "wrap": True,
         "color": _CARD_COLOURS.get(facts.get("health", ""), "Default")},
        {"type": "TextBlock", "text": facts["headline"], "wrap": True},
        {"type": "FactSet", "facts": [{"title": label, "value": str(value)} for label, value in facts.get("lines", [])]},
    ]  # fmt: skip
    if facts.get("remedy"):
        body.append({"type": "TextBlock", "text": f"**What to do:** {facts['remedy']}", "wrap": True})
    card = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": f"Open {facts['system']}", "url": facts["link"]}],
    }
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def webhook_json(alert: Alert) -> dict[str, Any]:
    """A stable document for scripts and other tools: the event, the system, and every fact by name."""
    facts = alert.facts
    return {
        "event": alert.kind,
        "id": alert.pk,
        "key": alert.key,
        "at": alert.created_at.isoformat() if alert.created_at else None,
        "subject": alert.subject,
        "system": facts["system"],
        "headline": facts["headline"],
        "health": facts.get("health"),
        "previous_health": facts.get("previous_health"),
        "since": facts.get("since"),
        "check": facts.get("check"),
        "code": facts.get("code"),
        "remedy": facts.get("remedy", ""),
        "facts": {label: value for label, value in facts.get("lines", [])},
        "url": facts["link"],
    }


def _footer(alert: Alert) -> str:
    why = "subscribed to warnings" if alert.amber_only else "the system's contact or subscribed to its alerts"
    return f"You receive this because you are {why} in the SAP Mail Health Portal."
