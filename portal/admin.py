"""Django admin for every model; secrets are write-only (an empty field keeps the stored value)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.db import models
from django.http import HttpRequest

from portal.forms import AsciiDateField, AsciiIntegerField, private_key_pem, read_private_key
from portal.models import AuditEvent, MailSetup, SapSystem, WorkerHeartbeat, audit_changes, setup_snapshot

SECRET_FIELDS = ("client_secret", "private_key")
# Numbers and dates with the digits 0-9 only: Django's own fields also read ١٠٠ and ２０２７.
ASCII_NUMBERS = {
    models.IntegerField: {"form_class": AsciiIntegerField},
    models.DateField: {"form_class": AsciiDateField, "widget": AdminDateWidget},
}


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders a value: a form shown again after an error must not echo a key."""

    def format_value(self, value: Any) -> None:
        return None


class MailSetupAdminForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only. Leave empty to keep the stored value.",
    )
    private_key = forms.CharField(
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="Unencrypted PEM private key of a test certificate; write-only (never shown, also not after an "
        "error: paste it again). Leave empty to keep the stored value.",
    )
    clear_secrets = forms.BooleanField(required=False, help_text="Remove the stored secret and private key.")

    class Meta:
        model = MailSetup
        fields = "__all__"  # noqa: DJ007 - the admin edits every field; secrets are handled above

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.initial[name] = ""  # never send a stored secret back to the browser

    def clean_private_key(self) -> str:
        text = self.cleaned_data.get("private_key") or ""
        return private_key_pem(read_private_key(text.encode())) if text else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in SECRET_FIELDS:
            if self.cleaned_data.get("clear_secrets"):
                cleaned[name] = ""
            elif not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(MailSetup.objects.get(pk=self.instance.pk), name)
        return cleaned


@admin.register(SapSystem)
class SapSystemAdmin(admin.ModelAdmin):
    formfield_overrides = ASCII_NUMBERS
    list_display = ("sid", "client", "role", "product", "basis_release", "zone", "description")
    list_filter = ("role", "product", "zone")
    search_fields = ("sid", "description", "owner")


@admin.register(MailSetup)
class MailSetupAdmin(admin.ModelAdmin):
    form = MailSetupAdminForm
    formfield_overrides = ASCII_NUMBERS
    list_display = ("system", "option", "cloud", "smtp_host", "sender", "secret_expires")
    list_filter = ("option", "cloud")
    search_fields = ("system__sid", "smtp_host", "sender", "mailbox")

    def save_model(self, request: HttpRequest, obj: MailSetup, form: forms.ModelForm, change: bool) -> None:
        before = setup_snapshot(MailSetup.objects.filter(pk=obj.pk).first())
        super().save_model(request, obj, form, change)
        AuditEvent.record(
            "mail_setup.updated" if change else "mail_setup.created",
            source=AuditEvent.Source.ADMIN,
            system=obj.system,
            actor=request.user,
            changes=audit_changes(before, setup_snapshot(obj), set(SECRET_FIELDS)),
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "system_label", "actor", "source")
    list_filter = ("source", "action")
    search_fields = ("system_label",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("worker", "zone", "seen_at")
