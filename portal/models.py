"""SAP systems, their current mail setup and the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from connectors.clouds import DEFAULT_CLOUD, cloud_choices
from connectors.config import DEFAULT_CREDENTIAL, MailConfig, credential_choices, tls_choices
from connectors.products import product_choices, role_choices
from connectors.registry import OPTIONS, option_choices
from portal.fields import EncryptedSecretField
from portal.validators import (
    format_release,
    validate_address,
    validate_client,
    validate_guid,
    validate_hostname,
    validate_sid,
    validate_tenant,
    validate_zone,
)


class Health(models.TextChoices):
    """A system's health, from the verdict of its latest finished run (portal.health computes it)."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    # A green verdict older than twice the system's check interval (portal.health.with_health): no longer
    # to be trusted. Red and amber stay what they are (they are more urgent), marked overdue.
    STALE = "stale", "Stale"
    UNKNOWN = "unknown", "Unknown"

    @property
    def meaning(self) -> str:
        """What the colour says about the mail, for the badge and the filter."""
        return _HEALTH_MEANINGS[self]

    @property
    def counted(self) -> str:
        """How the dashboard counts systems in this state: "3 working"."""
        return _HEALTH_COUNTED[self]

    @classmethod
    def filter_choices(cls) -> list[tuple[str, str]]:
        return [(state.value, f"{state.label}: {state.meaning}") for state in cls]


_HEALTH_MEANINGS = {Health.GREEN: "mail works", Health.AMBER: "works with warnings", Health.RED: "mail fails",
                    Health.UNKNOWN: "never checked", Health.STALE: "worked, but not checked recently"}  # fmt: skip
_HEALTH_COUNTED = {Health.GREEN: "working", Health.AMBER: "with warnings", Health.RED: "failing",
                   Health.UNKNOWN: "not checked yet", Health.STALE: "overdue for a check"}  # fmt: skip


# A scheduled check at most every 5 minutes (Exchange Online throttles sign-ins), at least once a week.
CHECK_INTERVAL_MIN, CHECK_INTERVAL_MAX = 5, 7 * 24 * 60


class SapSystem(models.Model):
    sid = models.CharField("SID", max_length=3, validators=[validate_sid])
    client = models.CharField(max_length=3, validators=[validate_client])
    description = models.CharField(max_length=200, blank=True)
    role = models.CharField("landscape role", max_length=3, choices=role_choices, blank=True)
    product = models.CharField(max_length=12, choices=product_choices, blank=True)
    basis_release = models.PositiveSmallIntegerField("SAP_BASIS release", null=True, blank=True)
    zone = models.CharField(
        "network zone",
        max_length=40,
        blank=True,
        validators=[validate_zone],
        help_text="Empty: the default worker queue.",
    )
    owner = models.CharField(max_length=200, blank=True, help_text="The person or team who moves this system.")
    contact_email = models.EmailField(blank=True)
    # The plan off Basic auth (issue 13): where the system is going and by when; edited by Basis admins.
    target_option = models.CharField("target option", max_length=20, choices=option_choices, blank=True)
    target_date = models.DateField("target date", null=True, blank=True)
    # Minutes between scheduled checks; empty: the landscape role's default (portal/schedule.py).
    check_interval = models.PositiveIntegerField(
        "check interval (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(CHECK_INTERVAL_MIN), MaxValueValidator(CHECK_INTERVAL_MAX)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sid", "client"]
        constraints = [models.UniqueConstraint(fields=["sid", "client"], name="unique_sid_client")]
        permissions = [
            ("run_checks", "Can run diagnostics"),
            ("send_test_mail", "Can send a test mail"),
            ("view_dashboard", "Can view the migration dashboard"),
        ]

    def __str__(self) -> str:
        return f"{self.sid}/{self.client}"

    @property
    def release_label(self) -> str:
        return format_release(self.basis_release)

    @property
    def health_state(self) -> Health:
        """The health ``portal.health.with_health`` annotated; unknown where it was not."""
        return Health(getattr(self, "health", None) or Health.UNKNOWN)

    @property
    def queue(self) -> str:
        """The Celery queue that runs this system's checks (per network zone)."""
        return f"zone.{self.zone}" if self.zone else "default"


class MailSetup(models.Model):
    """The current outbound mail configuration of one SAP system; its history is in the audit log."""

    system = models.OneToOneField(SapSystem, on_delete=models.CASCADE, related_name="mail_setup")
    option = models.CharField(max_length=20, choices=option_choices)
    cloud = models.CharField("Microsoft cloud", max_length=10, choices=cloud_choices, default=DEFAULT_CLOUD)
    smtp_host = models.CharField("SMTP host", max_length=253, blank=True, validators=[validate_hostname])
    smtp_port = models.PositiveIntegerField("SMTP port", null=True, blank=True)
    tls = models.CharField("TLS", max_length=14, choices=tls_choices, blank=True)
    sender = models.CharField(max_length=254, blank=True, validators=[validate_address])
    mailbox = models.CharField(max_length=254, blank=True, validators=[validate_address])
    tenant = models.CharField(max_length=253, blank=True, validators=[validate_tenant])
    client_id = models.CharField("client ID", max_length=36, blank=True, validators=[validate_guid])
    service_principal_id = models.CharField(
        "enterprise application Object ID",
        max_length=36,
        blank=True,
        validators=[validate_guid],
        help_text="Object ID of the app's enterprise application (not of the app registration).",
    )
    credential = models.CharField(max_length=12, choices=credential_choices, default=DEFAULT_CREDENTIAL)
    client_secret = EncryptedSecretField(help_text="Client secret (oauth2) or password (smtp_basic); write-only.")
    secret_expires = models.DateField(null=True, blank=True)
    certificate_thumbprint = models.CharField(max_length=64, blank=True)
    certificate_pem = models.TextField("certificate (PEM)", blank=True)
    certificate_expires = models.DateField(null=True, blank=True)
    private_key = EncryptedSecretField(help_text="Private key of a test certificate for the JWT grant; write-only.")
    egress_ips = models.JSONField("static egress IPs", default=list, blank=True)
    connector = models.CharField("connector name", max_length=200, blank=True)
    relay_host = models.CharField(max_length=253, blank=True, validators=[validate_hostname])
    upstream_option = models.CharField(max_length=20, choices=option_choices, blank=True)
    test_recipient = models.CharField(max_length=254, blank=True, validators=[validate_address])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.system} via {self.get_option_display()}"

    @property
    def signs_in_with(self) -> str:
        """What the system signs in with, as the Health tab's facts name it: "password" or "client secret"
        (the option's secret), "certificate" (its credential chooses one), or "" (it signs in with nothing)."""
        option = OPTIONS.get(self.option)
        if option is None or not option.secret:
            return ""
        return "certificate" if option.signs_in_with_credential and self.credential == "certificate" else option.secret

    def to_config(self) -> MailConfig:
        system = self.system
        return MailConfig(
            sid=system.sid,
            client=system.client,
            option=self.option,
            role=system.role,
            product=system.product,
            basis_release=system.basis_release,
            description=system.description,
            cloud=self.cloud,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port,
            tls=self.tls,
            sender=self.sender,
            mailbox=self.mailbox,
            tenant=self.tenant,
            client_id=self.client_id,
            service_principal_id=self.service_principal_id,
            credential=self.credential,
            has_secret=self.client_secret.is_set,
            has_private_key=self.private_key.is_set,
            certificate_thumbprint=self.certificate_thumbprint,
            certificate_expires=self.certificate_expires,
            secret_expires=self.secret_expires,
            egress_ips=tuple(self.egress_ips or ()),
            connector=self.connector,
            relay_host=self.relay_host,
            upstream_option=self.upstream_option,
            test_recipient=self.test_recipient,
            zone=system.zone,
        )


class AuditEvent(models.Model):
    class Source(models.TextChoices):
        WEB = "web", "web page"
        CSV = "csv", "CSV import"
        CLI = "cli", "command line"
        ADMIN = "admin", "Django admin"
        API = "api", "API"
        RUN = "run", "check run"  # a finished run ticked or unticked a runbook step
        MONITOR = "monitor", "monitor"  # alerts and their deliveries (portal.monitoring)

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=10, choices=Source.choices)
    action = models.CharField(max_length=40)  # "system.created", "mail_setup.updated", "import"...
    system = models.ForeignKey(SapSystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events")
    system_label = models.CharField(max_length=7, blank=True)  # kept when the system is deleted
    changes = models.JSONField(default=dict, blank=True)  # field -> [old, new]; secrets as "set"/"replaced"/"cleared"

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.system_label}"

    @classmethod
    def record(
        cls,
        action: str,
        *,
        source: str,
        system: SapSystem | None = None,
        actor: Any = None,
        changes: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """One audited change. The system's label is kept, so the trail outlives a deleted system;
        ``changes`` comes from ``audit_changes`` (secrets only as set/replaced/cleared)."""
        event = cls.build(action, source=source, system=system, actor=actor, changes=changes)
        event.save()
        return event

    @classmethod
    def build(
        cls,
        action: str,
        *,
        source: str,
        system: SapSystem | None = None,
        actor: Any = None,
        changes: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """``record``'s event, not saved yet: for ``bulk_create`` when one act changes many things."""
        return cls(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            source=source,
            action=action,
            system=system,
            system_label=str(system) if system else "",
            changes=changes or {},
        )


class WorkerHeartbeat(models.Model):
    """Last sign of life of each Celery worker, per zone: shows where checks can run from."""

    worker = models.CharField(max_length=200)
    zone = models.CharField(max_length=40, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["worker", "zone"], name="unique_worker_zone")]

    def __str__(self) -> str:
        return f"{self.worker} ({self.zone or 'default'})"


class FleetRun(models.Model):
    """Checks of many systems started at once ("Check all", ``diagnose --all``): one run per system, where a
    system that already had a run queued or running joins with that run instead of starting a second."""

    created_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    trigger = models.CharField(max_length=10)  # a DiagnosticRun trigger: web or cli
    scope = models.CharField(max_length=300, blank=True)  # which systems, in words: "role PRD, zone dmz"
    runs = models.ManyToManyField("diagnostics.DiagnosticRun", related_name="fleet_runs")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"fleet run {self.pk} ({self.scope or 'all systems'})"


def audit_changes(before: dict[str, Any], after: dict[str, Any], secret_fields: set[str]) -> dict[str, Any]:
    """Field-by-field differences; a secret's value never enters the log, only what happened to it."""
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if name in secret_fields:
            if bool(old) != bool(new) or (new and old != new):
                changes[name] = "set" if not old else ("cleared" if not new else "replaced")
        elif old != new:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the audit log."""
    if value is None or isinstance(value, (str, int, float, bool, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def setup_snapshot(setup: MailSetup | None) -> dict[str, Any]:
    """The audited fields of a mail setup (secrets included, as Secret objects: compared, never logged)."""
    if setup is None:
        return {}
    skip = {"id", "system", "updated_at"}
    return {f.name: getattr(setup, f.name) for f in MailSetup._meta.concrete_fields if f.name not in skip}


# -- the runbook: a system's guide ticked off, step by step (issue 13) ------------------------------
class Runbook(models.Model):
    """The steps of a system's generated guide for one option, ticked off by people and by checks.

    One current runbook per system (``closed_at`` empty); changing the option closes it — kept as
    history — and starts a new one. ``steps`` keeps each step as the guide named it then, so an old
    runbook still reads after the guide changed; the two counts are kept here so that every list
    shows "7 of 12 steps done" without a query per row.
    """

    system = models.ForeignKey(SapSystem, on_delete=models.CASCADE, related_name="runbooks")
    option = models.CharField(max_length=20, choices=option_choices)
    steps = models.JSONField(default=list)  # [{"key", "title", "where", "check"}] in guide order
    step_count = models.PositiveSmallIntegerField(default=0)
    done_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system"], condition=models.Q(closed_at__isnull=True), name="one_current_runbook"
            )
        ]

    def __str__(self) -> str:
        return f"runbook of {self.system} for {self.get_option_display()}: {self.done_count} of {self.step_count}"


class RunbookTick(models.Model):
    """The state of one step: done or not, who (a person, or a check in a run) and when, and why."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="ticks")
    step = models.CharField(max_length=80)  # the guide's step key
    done = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    run = models.ForeignKey("diagnostics.DiagnosticRun", null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)  # "Unticked: smtp.auth failed in run 42 …"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["runbook", "step"], name="one_tick_per_step")]

    def __str__(self) -> str:
        return f"{self.step}: {'done' if self.done else 'open'}"


# -- Exchange's own evidence: the SMTP AUTH clients report, imported (issue 13) ---------------------
class ExchangeReport(models.Model):
    """One import of the Exchange admin center's SMTP AUTH clients report, dated by the day it covers up to."""

    as_of = models.DateField("as of", help_text="The last day the report covers.")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    filename = models.CharField(max_length=200, blank=True)
    header = models.CharField(max_length=500, blank=True)  # the header line as read, to tell variants apart
    states_protocol = models.BooleanField(default=True)  # False: an export without the authentication column

    class Meta:
        ordering = ["-as_of", "-imported_at", "-id"]

    def __str__(self) -> str:
        return f"SMTP AUTH clients report as of {self.as_of:%Y-%m-%d}"


class ExchangeReportRow(models.Model):
    """One sending account's SMTP AUTH use in a report, per authentication protocol."""

    class Protocol(models.TextChoices):
        BASIC = "basic", "Basic auth"
        OAUTH = "oauth", "OAuth"
        NOT_STATED = "", "not stated"

    report = models.ForeignKey(ExchangeReport, on_delete=models.CASCADE, related_name="rows")
    sender = models.CharField(max_length=254)  # lower case: matched case-insensitively
    protocol = models.CharField(max_length=5, choices=Protocol.choices, blank=True)
    messages = models.PositiveIntegerField(default=0)
    line = models.PositiveIntegerField(default=0)  # where it was in the file

    class Meta:
        ordering = ["sender", "protocol"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sender", "protocol"], name="one_row_per_sender_protocol")
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.messages} via {self.get_protocol_display()}"
