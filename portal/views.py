"""Pages of the portal. Views stay thin: access helpers at the top, behaviour on models and services."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.models import SapSystem


def _system_for(sid: str, client: str) -> SapSystem:
    return get_object_or_404(SapSystem.objects.select_related("mail_setup"), sid=sid.upper(), client=client)


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def system_list(request: HttpRequest) -> HttpResponse:
    systems = SapSystem.objects.select_related("mail_setup").order_by("sid", "client")
    page = Paginator(systems, 50).get_page(request.GET.get("page"))
    return render(request, "portal/system_list.html", {"page": page})


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def system_detail(request: HttpRequest, sid: str, client: str) -> HttpResponse:
    system = _system_for(sid, client)
    setup = getattr(system, "mail_setup", None)
    return render(request, "portal/system_detail.html", {"system": system, "setup": setup})
