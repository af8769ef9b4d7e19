"""Exchange's SMTP AUTH clients report: imported by Basis admins, read by everyone who sees the dashboard."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal import dates
from portal.exchange_report import evidence, import_report, latest
from portal.forms import AsciiDateField
from portal.models import ExchangeReport
from portal.roles import permission_required
from portal.system_import import ImportRefused

MAX_BYTES = 5_000_000  # a report of tens of thousands of accounts stays well below this


class ReportUploadForm(forms.Form):
    file = forms.FileField(label="The exported .csv file", help_text="Exchange admin center → Reports → Mail flow → "
                           "SMTP AUTH clients → Export.")  # fmt: skip
    as_of = AsciiDateField(label="As of", input_formats=dates.INPUT_DAY_FORMATS,
                           widget=forms.DateInput(format=dates.INPUT_DAY, attrs={"placeholder": "e.g. 28 Nov 2026"}),
                           help_text="The last day the report covers (its date range's end).")  # fmt: skip

    def clean_as_of(self) -> date:
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("A report cannot cover days that have not come yet.")
        return as_of

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("That file is larger than an SMTP AUTH clients report can be (5 MB).")
        return upload.read()


@require_http_methods(["GET", "POST"])
@permission_required("portal.view_dashboard", raise_exception=True)
def exchange_report(request: HttpRequest) -> HttpResponse:
    may_import = request.user.has_perm("portal.change_sapsystem")
    form = ReportUploadForm(initial={"as_of": timezone.localdate()})
    problems: list = []
    if request.method == "POST" and may_import:
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = import_report(form.cleaned_data["file"], as_of=form.cleaned_data["as_of"],
                                       actor=request.user,
                                       filename=request.FILES["file"].name)  # fmt: skip
            except ImportRefused as refused:
                problems = refused.problems
            else:
                accounts = report.rows.values("sender").distinct().count()
                messages.success(
                    request, f"Report as of {dates.day(report.as_of)} imported: {accounts} sending accounts."
                )
                return redirect("exchange_report")
    elif request.method == "POST":
        raise PermissionDenied("portal.change_sapsystem")
    context = {"form": form, "problems": problems, "may_import": may_import, "evidence": evidence(latest()),
               "earlier": ExchangeReport.objects.all()[1:11]}  # fmt: skip
    return render(request, "portal/exchange_report.html", context)
