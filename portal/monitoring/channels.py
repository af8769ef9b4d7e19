"""Sending one delivery: e-mail through Django's mail settings, Teams and JSON webhooks with requests.

Plain requests rather than a notification library (Apprise was considered): the three channels are one
POST or one mail each, our payloads (an Adaptive Card, a documented JSON) are our own, and a failure
must come back as a reason we can audit — without the webhook's URL, which holds its key.
"""

from __future__ import annotations

import smtplib
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from portal.crypto import SecretUnreadable
from portal.monitoring import messages
from portal.monitoring.models import Delivery, Subscription

USER_AGENT = "sap-mail-health-portal (alerts)"


class DeliveryFailed(Exception):
    """The channel did not take the message; the text is safe to store (no URL, no secret)."""


def send(delivery: Delivery) -> None:
    alert = delivery.alert
    if delivery.channel == Subscription.Channel.EMAIL:
        return _email(delivery.email, alert)
    subscription = delivery.subscription
    if subscription is None or not subscription.url:
        raise DeliveryFailed("the subscription was removed or has no URL any more")
    try:
        url = subscription.url.reveal()
    except SecretUnreadable:
        raise DeliveryFailed("the webhook URL cannot be decrypted with PORTAL_SECRET_KEYS; set it again") from None
    teams = delivery.channel == Subscription.Channel.TEAMS
    _post(url, messages.teams_card(alert) if teams else messages.webhook_json(alert))


def _email(address: str, alert: Any) -> None:
    mail = EmailMultiAlternatives(messages.subject(alert), messages.email_text(alert), None, [address])
    mail.attach_alternative(messages.email_html(alert), "text/html")
    try:
        mail.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"the mail server did not take it: {type(exc).__name__}: {exc}"[:300]) from None


def _post(url: str, payload: dict[str, Any]) -> None:
    timeout = float(settings.PORTAL_WEBHOOK_TIMEOUT)
    try:
        # No redirects: a webhook that points elsewhere would carry the alert to a host nobody chose.
        answer = requests.post(
            url, json=payload, timeout=(timeout, timeout), allow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
    except requests.Timeout:
        raise DeliveryFailed(f"the webhook did not answer within {timeout:g} s") from None
    except requests.ConnectionError:
        raise DeliveryFailed("the webhook's host could not be reached (connection refused, DNS or TLS)") from None
    except requests.RequestException as exc:  # the exception's text may quote the URL: name its kind only
        raise DeliveryFailed(f"the webhook could not be called ({type(exc).__name__})") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"the webhook answered HTTP {answer.status_code} {answer.reason or ''}".strip()[:300])
