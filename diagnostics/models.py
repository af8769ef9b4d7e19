"""Diagnostic runs, the result of each check and test sends; written by the runner only."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from diagnostics.findings import Finding, Status, status_choices


class DiagnosticRun(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        ABORTED = "aborted", "aborted"  # the worker died or the run could not start

    class Verdict(models.TextChoices):
        PASSED = "passed", "passed"
        WARNING = "warning", "warning"
        FAILED = "failed", "failed"
        ERROR = "error", "error"

    class Trigger(models.TextChoices):
        WEB = "web", "web page"
        CLI = "cli", "command line"
        SCHEDULE = "schedule", "schedule"
        API = "api", "API"

    # By name: diagnostics never imports portal (the layers contract in pyproject.toml).
    system = models.ForeignKey("portal.SapSystem", on_delete=models.CASCADE, related_name="runs")
    option = models.CharField(max_length=20)  # the option the run diagnosed (setups change)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    send_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)  # of the test message; empty: a generated one
    worker = models.CharField(max_length=200, blank=True)
    # Who executes the run ("worker 4711@host <pid namespace> <token>" or "command …"), signs of life, and
    # how often it was started: a run whose executor is gone is taken over or ended (runner.py).
    claimed_by = models.CharField(max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    zone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    planned_checks = models.JSONField(default=list)  # check keys in plan order, for progress
    note = models.TextField(blank=True)  # why an aborted run ended; never a secret

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["system", "-created_at"])]

    # Not a column: the findings exactly as they were saved, set by the runner on the run it returns to the
    # process that executed it, so what follows the run (runbook, alerts) need not read back the rows it just
    # wrote. None on any run read from the database.
    findings: list[Finding] | None = None

    def __str__(self) -> str:
        return f"run {self.pk} of {self.system} ({self.state})"

    def saved_findings(self, *keys: str, evidence: bool = False) -> dict[str, Finding]:
        """The run's findings (of ``keys``, or all) by check key: those in memory when this process executed the
        run, else the saved rows, read without their long texts unless ``evidence``."""
        if self.findings is not None:
            return {finding.key: finding for finding in self.findings if not keys or finding.key in keys}
        rows = self.results.filter(key__in=keys) if keys else self.results.all()
        rows = rows.only("run", "key", "status", "code", "summary", *(["evidence"] if evidence else []))
        return {
            row.key: Finding(row.key, Status(row.status), row.summary, code=row.code or None,
                             evidence=row.evidence if evidence else "")
            for row in rows
        }  # fmt: skip

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.ABORTED)

    @property
    def is_queued(self) -> bool:
        return self.state == self.State.QUEUED

    @property
    def is_aborted(self) -> bool:
        return self.state == self.State.ABORTED


class CheckResult(models.Model):
    run = models.ForeignKey(DiagnosticRun, on_delete=models.CASCADE, related_name="results")
    key = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=status_choices)
    code = models.CharField(max_length=40, blank=True)
    summary = models.TextField()
    explanation = models.TextField(blank=True)
    remedy = models.TextField(blank=True)
    evidence = models.TextField(blank=True)  # redacted by the checks
    duration_ms = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)  # place in the plan
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="unique_check_per_run")]

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"

    @property
    def passed(self) -> bool:
        return self.status == Status.PASS


class TestSend(models.Model):
    run = models.OneToOneField(DiagnosticRun, on_delete=models.CASCADE, related_name="test_send")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    message_id = models.CharField(max_length=250, blank=True)
    queue_id = models.CharField(max_length=250, blank=True)  # what the server said it queued the message as
    accepted = models.BooleanField(default=False)
    transcript = models.TextField(blank=True)  # redacted SMTP transcript
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"test send to {self.recipient} ({'accepted' if self.accepted else 'refused'})"
