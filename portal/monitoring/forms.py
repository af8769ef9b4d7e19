"""The subscriptions page's form and the Configuration tab's maintenance window: bad input names its field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from connectors.products import role_choices
from connectors.registry import OPTIONS
from portal import dates
from portal.monitoring.models import Subscription
from portal.monitoring.webhook_targets import url_problem
from portal.validators import validate_zone


def webhook_host_problem(url: str) -> str | None:
    """The form's message when the URL's host is an address no alert may go to (webhook_targets' rule)."""
    problem = url_problem(url)
    return f"In this URL {problem}: enter the webhook's real host." if problem else None


class SubscriptionForm(forms.ModelForm):
    new_url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Teams: in the channel, Workflows → “Send webhook alerts to a channel”, copy its URL. "
        "The URL holds its own key: it is stored encrypted and never shown again; leave empty to keep it.",
    )

    class Meta:
        model = Subscription
        fields = ["name", "scope", "value", "channel", "email", "include_amber", "early_warnings"]
        labels = {"value": "Which role, zone or option", "scope": "For"}
        help_texts = {
            "value": "For a landscape role its code (PRD, QAS, DEV, SBX), for a zone its name, for an option its code "
            "(oauth2, smtp_basic, direct_send, relay_connector, relay_server). Empty for all systems.",
            "include_amber": "Also changes to and from amber (works with warnings). Red and recovery are always told.",
            "early_warnings": "Expiring secrets and certificates, Basic-auth milestones, a new root CA.",
        }

    def clean_value(self) -> str:
        return self.cleaned_data["value"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope, value = data.get("scope"), data.get("value", "")
        allowed = {
            Subscription.Scope.ROLE: {code for code, _ in role_choices()},
            Subscription.Scope.OPTION: set(OPTIONS),
        }
        if scope == Subscription.Scope.ALL:
            data["value"] = ""
        elif not value:
            self.add_error("value", "Name the role, zone or option this subscription is for.")
        elif scope in allowed and value not in allowed[scope]:
            self.add_error("value", f"“{value}” is not one of {', '.join(sorted(allowed[scope]))}.")
        elif scope == Subscription.Scope.ZONE:
            try:
                validate_zone(value)
            except ValidationError as error:
                self.add_error("value", error)
        self._clean_target(data)
        return data

    def _clean_target(self, data: dict[str, Any]) -> None:
        channel, url = data.get("channel"), (data.get("new_url") or "").strip()
        if channel == Subscription.Channel.EMAIL:
            if not data.get("email"):
                self.add_error("email", "An e-mail subscription needs the address to write to.")
            return
        data["email"] = ""
        if url:
            try:
                URLValidator(schemes=["https", "http"])(url)
            except ValidationError:
                self.add_error("new_url", "Paste the whole URL, starting with https:// (http:// inside your network).")
            else:
                if problem := webhook_host_problem(url):
                    self.add_error("new_url", problem)
        elif not self.instance.url:
            self.add_error("new_url", "A Teams or webhook subscription needs the URL to post to.")

    def save(self, commit: bool = True) -> Subscription:
        subscription = super().save(commit=False)
        url = (self.cleaned_data.get("new_url") or "").strip()
        if subscription.channel == Subscription.Channel.EMAIL:
            subscription.url = None  # an e-mail subscription keeps no URL
        elif url:
            subscription.url = url
        if commit:
            subscription.save()
        return subscription


class MuteForm(forms.Form):
    muted_until = forms.DateTimeField(
        label="Mute alerts until",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="A maintenance window: changes during it are told afterwards if they still hold. Empty: not muted.",
    )
    mute_reason = forms.CharField(label="Why", required=False, max_length=200)

    def clean_muted_until(self) -> datetime | None:
        until = self.cleaned_data["muted_until"]
        if until is None:
            return None
        if not str(self.data.get("muted_until", "")).isascii():  # strptime reads ٢٠٢٧ as 2027: digits 0-9 only
            raise ValidationError("Write the date and time with the digits 0-9, e.g. 2026-12-31 22:00.")
        if until <= timezone.now():
            raise ValidationError(
                f"{dates.when(until)} has passed: choose when the maintenance window ends (empty: not muted)."
            )
        return until
