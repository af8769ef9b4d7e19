from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diagnostics.models import CheckResult, DiagnosticRun, TestSend


class ReadOnlyAdmin(admin.ModelAdmin):
    """Diagnostic records are evidence: written by the runner, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CheckResultInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    fields = ("key", "status", "code", "summary", "duration_ms")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DiagnosticRun)
class DiagnosticRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "system", "option", "state", "verdict", "trigger", "created_at", "worker", "attempts")
    list_filter = ("state", "verdict", "trigger")
    inlines = [CheckResultInline]


@admin.register(CheckResult)
class CheckResultAdmin(ReadOnlyAdmin):
    list_display = ("run", "key", "status", "code", "duration_ms")
    list_filter = ("status", "key")


@admin.register(TestSend)
class TestSendAdmin(ReadOnlyAdmin):
    list_display = ("run", "recipient", "accepted", "queue_id", "sent_at")
