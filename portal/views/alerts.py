"""Alerts: the subscriptions page (who is told, on which channel) and a system's maintenance window."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal import dates
from portal.forms import first_error
from portal.models import AuditEvent
from portal.monitoring.forms import MuteForm, SubscriptionForm
from portal.monitoring.models import Alert, Subscription, SystemAlerting
from portal.roles import permission_required
from portal.views.queries import system_for


def _page(request: HttpRequest, form: SubscriptionForm, editing: Subscription | None = None) -> HttpResponse:
    alerts = Alert.objects.prefetch_related("deliveries")[:20]
    context = {"form": form, "editing": editing, "subscriptions": Subscription.objects.all(), "alerts": alerts,
               "after_runs": settings.PORTAL_ALERT_AFTER_RUNS}  # fmt: skip
    return render(request, "portal/alerts.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("monitoring.change_subscription", raise_exception=True)
def alerts(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = form.save()
        messages.success(request, f"Subscription “{subscription}” added.")
        return redirect("alerts")
    return _page(request, form)


@require_http_methods(["GET", "POST"])
@permission_required("monitoring.change_subscription", raise_exception=True)
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk)
    form = SubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Subscription “{subscription}” saved.")
        return redirect("alerts")
    return _page(request, form, editing=subscription)


@require_POST
@permission_required("monitoring.delete_subscription", raise_exception=True)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk)
    subscription.delete()
    messages.success(request, f"Subscription “{subscription}” removed.")
    return redirect("alerts")


@require_POST
@permission_required("monitoring.change_systemalerting", raise_exception=True)
def system_mute(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = system_for(sid, client)
    state, _ = SystemAlerting.objects.get_or_create(system=system)
    form = MuteForm(request.POST if "muted_until" in request.POST else {"muted_until": ""})
    if not form.is_valid():  # either field may be wrong (a reason too long is no date error): name the one
        messages.error(request, f"Alerts not muted: {first_error(form, unnamed=('muted_until',))}")
        return redirect("setup_edit", sid=system.sid, client=system.client)
    until = form.cleaned_data["muted_until"]
    before = dates.when(state.muted_until) if state.muted_until else ""
    state.muted_until, state.mute_reason = until, form.cleaned_data["mute_reason"] if until else ""
    state.save(update_fields=["muted_until", "mute_reason"])
    AuditEvent.record("system.alerts_muted", source=AuditEvent.Source.WEB, system=system, actor=request.user,
                      changes={"alerts_muted_until": [before, dates.when(until) if until else ""]})  # fmt: skip
    if until and until > timezone.now():
        messages.success(request, f"Alerts for {system} muted until {dates.when(until)}.")
    else:
        messages.success(request, f"Alerts for {system} are on.")
    return redirect("setup_edit", sid=system.sid, client=system.client)
