"""The error lookup page: paste what SAP or Microsoft said, get the catalogue's meaning, cause and fix."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.explain import explain_text
from portal.forms import ExplainForm
from portal.roles import permission_required


@require_GET
@permission_required("portal.view_sapsystem", raise_exception=True)
def explain(request: HttpRequest) -> HttpResponse:
    asked = "text" in request.GET
    form = ExplainForm(request.GET if asked else None)
    results = explain_text(form.cleaned_data["text"]) if asked and form.is_valid() else None
    return render(request, "portal/explain.html", {"form": form, "results": results})
