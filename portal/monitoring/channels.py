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

from diagnostics.checks.dns import resolve_addresses
from diagnostics.context import make_resolver
from diagnostics.https_session import http_session
from portal.crypto import SecretUnreadable
from portal.monitoring import messages, webhook_targets
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


class RefusedTarget(OSError):
    """A webhook's host name resolved to an address no alert may go to (webhook_targets.address_problem)."""


def _checked_addresses(name: str) -> list[str]:
    """``name``'s addresses (the portal's resolver, bounded by the webhook timeout), each one checked: the request
    then goes to one of these, so what was checked is what is connected to."""
    timeout = float(settings.PORTAL_WEBHOOK_TIMEOUT)
    addresses, _ = resolve_addresses(name, make_resolver(settings.PORTAL_DNS_NAMESERVERS or None, timeout), timeout)
    for address in addresses:
        if problem := webhook_targets.address_problem(address):
            raise RefusedTarget(f"{address}, which {problem}")
    return addresses


def _email(address: str, alert: Any) -> None:
    mail = EmailMultiAlternatives(messages.subject(alert), messages.email_text(alert), None, [address])
    mail.attach_alternative(messages.email_html(alert), "text/html")
    try:
        mail.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"the mail server did not take it: {type(exc).__name__}: {exc}"[:300]) from None


def _post(url: str, payload: dict[str, Any]) -> None:
    timeout = float(settings.PORTAL_WEBHOOK_TIMEOUT)
    if problem := webhook_targets.url_problem(url):  # saved before the rule, or typed into the database
        raise DeliveryFailed(f"refused: {problem}")
    proxy = settings.PORTAL_HTTPS_PROXY or None
    session = http_session(
        timeout=timeout,
        extra_ca_bundle=settings.PORTAL_EXTRA_CA_BUNDLE or None,
        https_proxy=proxy,
        resolve=None if proxy else _checked_addresses,  # behind a proxy, the proxy resolves the webhook's host
    )
    try:
        # No redirects: a webhook that points elsewhere would carry the alert to a host nobody chose.
        with session:
            answer = session.post(url, json=payload, allow_redirects=False, headers={"User-Agent": USER_AGENT})
    except requests.Timeout:
        raise DeliveryFailed(f"the webhook did not answer within {timeout:g} s") from None
    except RefusedTarget as refused:
        raise DeliveryFailed(f"refused: the webhook's host name resolves to {refused}") from None
    except requests.ConnectionError:
        raise DeliveryFailed("the webhook's host could not be reached (connection refused, DNS or TLS)") from None
    except requests.RequestException as exc:  # the exception's text may quote the URL: name its kind only
        raise DeliveryFailed(f"the webhook could not be called ({type(exc).__name__})") from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryFailed(f"the webhook answered HTTP {answer.status_code} {answer.reason or ''}".strip()[:300])
