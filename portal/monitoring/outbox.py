"""Raising an alert once, working out who is told, and delivering each notification in its own task.

Delivery never runs on a run's path: ``raise_alert`` stores the alert and one ``Delivery`` per
recipient, and queues them once the transaction commits. A failed delivery is tried again after
PORTAL_ALERT_RETRY_SECONDS, then twice that, and so on, PORTAL_ALERT_ATTEMPTS times in all; every
delivery, every failure and every give-up is in the audit log. A delivery whose message got lost
(a worker killed, the embedded broker restarted) is picked up again by ``send_overdue``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.models import AuditEvent, SapSystem
from portal.monitoring import channels
from portal.monitoring.models import Alert, Delivery, Subscription

logger = logging.getLogger(__name__)

DELIVER_TASK = "portal.monitoring.tasks.deliver_alert_task"
OVERDUE_GRACE = timedelta(seconds=60)  # beyond a delivery's due time before it counts as lost
EARLY = timedelta(seconds=2)  # a retry's message may arrive a moment before the stored due time


@dataclass(frozen=True)
class Recipient:
    channel: str
    email: str
    subscription: Subscription | None
    label: str  # in words, for the audit log and the alerts page


def recipients(system: SapSystem, *, amber_only: bool = False, early_warning: bool = False) -> list[Recipient]:
    """The system's contact (changes to or from red, early warnings) and every subscription that covers it."""
    setup = getattr(system, "mail_setup", None)
    scope = {"role": system.role, "zone": system.zone, "option": setup.option if setup else ""}
    found: list[Recipient] = []
    addresses: set[str] = set()
    if system.contact_email and not amber_only:
        addresses.add(system.contact_email.lower())
        found.append(
            Recipient(
                Subscription.Channel.EMAIL, system.contact_email, None, f"{system.contact_email} (the system's contact)"
            )
        )
    for subscription in Subscription.objects.all():
        if not subscription.covers(**scope) or (amber_only and not subscription.include_amber):
            continue
        if early_warning and not subscription.early_warnings:
            continue
        if subscription.channel == Subscription.Channel.EMAIL:
            if subscription.email.lower() in addresses:
                continue  # one mail per address, whoever asked for it
            addresses.add(subscription.email.lower())
            label = f"{subscription.email} (subscription “{subscription.name}”)"
        else:
            label = f"{subscription.get_channel_display()} “{subscription.name}”"
        found.append(Recipient(subscription.channel, subscription.email, subscription, label))
    return found


def raise_alert(
    system: SapSystem,
    *,
    kind: str,
    key: str,
    subject: str,
    facts: dict[str, Any],
    run: Any = None,
    amber_only: bool = False,
    muted: bool = False,
) -> Alert | None:
    """Store the alert and a delivery per recipient; None when an alert with this key was raised before.
    ``muted`` (a maintenance window): stored and audited, told to nobody."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                system=system, system_label=str(system), kind=kind, key=key, subject=subject[:300],
                facts=facts, run=run, amber_only=amber_only,
            )  # fmt: skip
    except IntegrityError:
        return None  # once per key: told already (a restart, a second worker, the daily task again)
    if muted:
        changes = {"alert": [None, alert.subject], "muted_until": [None, "maintenance window"]}
        AuditEvent.record("alert.muted", source=AuditEvent.Source.MONITOR, system=system, changes=changes)
        return alert
    told = recipients(system, amber_only=amber_only, early_warning=kind != Alert.Kind.HEALTH)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(alert=alert, channel=r.channel, email=r.email if r.channel == Subscription.Channel.EMAIL else "",
                  subscription=r.subscription, recipient=r.label[:200], next_attempt_at=now) for r in told]
    )  # fmt: skip
    changes = {"alert": [None, alert.subject], "recipients": [None, len(told)]}
    AuditEvent.record("alert.raised", source=AuditEvent.Source.MONITOR, system=system, changes=changes)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: enqueue(ids))
    return alert


def enqueue(delivery_ids: list[int], countdown: float | None = None) -> None:
    """Hand deliveries to a worker; a broker that is down only delays them (``send_overdue`` finds them)."""
    task = current_app.tasks[DELIVER_TASK]  # by name: the tasks module imports this one
    for delivery_id in delivery_ids:
        try:
            task.apply_async(args=[delivery_id], countdown=countdown, queue="default")
        except Exception:  # noqa: BLE001 - the run that raised the alert must not fail on the broker
            logger.warning("delivery %s not queued; the overdue sweep will send it", delivery_id, exc_info=True)


def deliver(delivery_id: int, now: datetime | None = None) -> float | None:
    """Try one delivery once. Returns the seconds until it is tried again, None when it is done."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("alert__system", "subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != Delivery.State.PENDING or delivery.next_attempt_at > now + EARLY:
        return None  # sent, given up, or a duplicate message of one that is not due yet
    # Claim this attempt: of two messages for the same delivery, only one sends. Until it ends the
    # delivery counts as due later, so the overdue sweep leaves it alone.
    busy_until = now + timedelta(seconds=3 * settings.PORTAL_WEBHOOK_TIMEOUT + 60)
    claimed = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING, attempts=delivery.attempts)
    if not claimed.update(attempts=F("attempts") + 1, next_attempt_at=busy_until):
        return None
    delivery.attempts += 1
    try:
        channels.send(delivery)
    except channels.DeliveryFailed as exc:
        return _failed(delivery, str(exc), now)
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
    _audit("alert.sent", delivery)
    return None


def _failed(delivery: Delivery, error: str, now: datetime) -> float | None:
    if delivery.attempts >= settings.PORTAL_ALERT_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, last_error=error)
        _audit("alert.undelivered", delivery, error=error)
        return None
    wait = settings.PORTAL_ALERT_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(seconds=wait), last_error=error)
    _audit("alert.delivery_failed", delivery, error=error, retry_in=wait)
    return float(wait)


def _audit(action: str, delivery: Delivery, **more: Any) -> None:
    alert = delivery.alert
    changes: dict[str, Any] = {"alert": [None, alert.subject], "to": [None, delivery.recipient],
                               "attempt": [None, delivery.attempts]}  # fmt: skip
    changes.update({name: [None, value] for name, value in more.items()})
    AuditEvent.record(action, source=AuditEvent.Source.MONITOR, system=alert.system, changes=changes)


def overdue(now: datetime | None = None) -> list[int]:
    """Deliveries still pending well after they were due: their message was lost."""
    limit = (now or timezone.now()) - OVERDUE_GRACE
    pending = Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lt=limit)
    return list(pending.values_list("pk", flat=True)[:500])


def send_overdue(now: datetime | None = None) -> int:
    ids = overdue(now)
    enqueue(ids)
    return len(ids)
