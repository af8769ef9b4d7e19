"""What monitoring stores: subscriptions, each system's alerting state, the alerts raised and their
deliveries (what was sent survives restarts: once per threshold), and the fleet's daily snapshots."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from portal.fields import EncryptedSecretField
from portal.models import Health


class Subscription(models.Model):
    """Who is told besides a system's contact: an e-mail address, a Teams channel or a JSON webhook,
    for all systems or those of one landscape role, network zone or mail option."""

    class Scope(models.TextChoices):
        ALL = "all", "all systems"
        ROLE = "role", "systems of a landscape role"
        ZONE = "zone", "systems of a network zone"
        OPTION = "option", "systems on a mail option"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        TEAMS = "teams", "Microsoft Teams (Workflows webhook)"
        WEBHOOK = "webhook", "JSON webhook"

    name = models.CharField(max_length=100, help_text="For you: who or what this is, e.g. “Basis on-call channel”.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    value = models.CharField(max_length=40, blank=True)  # the role code, zone name or option code of the scope
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField("e-mail address", blank=True)
    url = EncryptedSecretField(help_text="The webhook's URL; it holds its own key, so it is write-only.")
    include_amber = models.BooleanField("also warnings (amber)", default=False)
    early_warnings = models.BooleanField("early warnings", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def covers(self, *, role: str, zone: str, option: str) -> bool:
        """True when a system of this role, zone and option is in the subscription's scope."""
        return {
            self.Scope.ALL: True,
            self.Scope.ROLE: role == self.value,
            self.Scope.ZONE: zone == self.value,
            self.Scope.OPTION: option == self.value,
        }[self.Scope(self.scope)]


class SystemAlerting(models.Model):
    """One system's alerting state: the health that held long enough to count, the health last told,
    and a maintenance window during which nobody is told."""

    system = models.OneToOneField("portal.SapSystem", on_delete=models.CASCADE, related_name="alerting")
    confirmed = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN)
    confirmed_since = models.DateTimeField(null=True, blank=True)
    announced = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN)
    muted_until = models.DateTimeField("alerts muted until", null=True, blank=True)
    mute_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"alerting of {self.system_id}: {self.confirmed}"

    @property
    def is_muted(self) -> bool:
        return bool(self.muted_until and self.muted_until > timezone.now())


class Alert(models.Model):
    """One thing worth telling about one system: a change of health or an early warning.

    ``key`` makes "once" hold across restarts: a second alert with the same key for the same system
    is refused by the database ("secret:2026-12-30:14" is the 14-day warning for that expiry date).
    """

    class Kind(models.TextChoices):
        HEALTH = "health", "health changed"
        EXPIRY = "expiry", "credential expires"
        MILESTONE = "milestone", "Basic-auth milestone"
        ROOT_CA = "root_ca", "root CA changed"

    system = models.ForeignKey("portal.SapSystem", null=True, on_delete=models.SET_NULL, related_name="alerts")
    system_label = models.CharField(max_length=7)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=120)
    amber_only = models.BooleanField(default=False)  # told only to subscriptions that chose warnings
    subject = models.CharField(max_length=300)
    facts = models.JSONField(default=dict)  # what every channel's message is made of (messages.py)
    run = models.ForeignKey("diagnostics.DiagnosticRun", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="alert_once_per_key")]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One alert to one recipient on one channel; failed attempts are retried with back-off."""

    class State(models.TextChoices):
        PENDING = "pending", "waiting to be sent"
        SENT = "sent", "sent"
        FAILED = "failed", "given up"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Subscription.Channel.choices)
    email = models.EmailField(blank=True)  # the address, for the e-mail channel
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.SET_NULL)
    recipient = models.CharField(max_length=200)  # in words, for the audit log: never a webhook URL
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)  # never a URL or a secret
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.alert} → {self.recipient} ({self.state})"


class FleetSnapshot(models.Model):
    """The fleet on one day: systems by health, by mail option and by progress off Basic auth. Kept for good (a few hundred bytes a day)."""

    day = models.DateField(unique=True)
    total = models.PositiveIntegerField(default=0)
    by_health = models.JSONField(default=dict)  # health -> systems
    by_option = models.JSONField(default=dict)  # option code (or "none") -> systems
    by_progress = models.JSONField(default=dict)  # portal.progress.Progress value -> systems (the burndown)
    generated = models.BooleanField(default=False)  # demo history made up by load_demo, not measured
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"fleet on {self.day}: {self.total} systems"
