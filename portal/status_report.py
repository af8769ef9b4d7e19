"""The printable status report as a PDF, without a browser: WeasyPrint lays out the same HTML and print
stylesheet the page uses (it needs Debian's Pango; ``make test`` and the Dockerfile install it)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

STYLESHEETS = ("portal/portal.css", "portal/report.css")


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report is self-contained (inline SVG, local stylesheets): WeasyPrint fetches nothing, so a
    crafted URL in a description can never make the portal open a connection."""
    raise ValueError(f"not fetched: {url[:80]}")


@cache
def svg_colours() -> str:
    """The charts' colours as plain SVG rules. WeasyPrint draws inline SVG with the rules inside the SVG only
    and knows no CSS variables; the colours stay defined once, in portal.css, and are read from there."""
    css = Path(finders.find(STYLESHEETS[0])).read_text()
    root = dict(re.findall(r"--([a-z]+):(#[0-9a-fA-F]{6})", css.split("}", 1)[0]))
    rules = []
    for kind, selector in (("option", ".segment.option-"), ("progress", ".progress-segment.progress-")):
        for code, value in re.findall(rf"\.{kind}-([a-z_0-9]+) \{{ --{kind}-colour:([^;]+); \}}", css):
            value = re.sub(r"var\(--([a-z]+)\)", lambda found: root.get(found.group(1), "#8a94a3"), value)
            rules.append(f"{selector}{code}{{fill:{value}}}")
    return "".join(rules)


class PdfUnavailable(Exception):
    """WeasyPrint cannot load here: the Pango libraries it needs are not installed."""


def render_pdf(request: HttpRequest, context: dict[str, Any]) -> bytes:
    try:  # imported here: loading Pango costs a moment the other pages need not pay
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: cannot load libpango / libgobject
        raise PdfUnavailable(str(exc)) from None

    context = {**context, "pdf": True, "svg_style": svg_colours()}
    html = render_to_string("portal/dashboard_report.html", context, request=request)
    stylesheets = [CSS(filename=finders.find(name)) for name in STYLESHEETS]
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=stylesheets)
