"""The printable status report as a PDF, without a browser: WeasyPrint lays out the same HTML and print
stylesheet the page uses (it needs Debian's Pango; ``make test`` and the Dockerfile install it)."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

STYLESHEETS = ("portal/portal.css", "portal/report.css")


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report is self-contained (inline SVG, local stylesheets): WeasyPrint fetches nothing, so a
    crafted URL in a description can never make the portal open a connection."""
    raise ValueError(f"not fetched: {url[:80]}")


def render_pdf(request: HttpRequest, context: dict[str, Any]) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs a moment the other pages need not pay

    html = render_to_string("portal/dashboard_report.html", {**context, "pdf": True}, request=request)
    stylesheets = [CSS(filename=finders.find(name)) for name in STYLESHEETS]
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=stylesheets)
