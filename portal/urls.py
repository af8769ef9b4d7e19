from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from portal.views import (
    advisor,
    alerts,
    dashboard,
    exchange,
    explain,
    fleet_runs,
    helpdesk,
    runs,
    schedule,
    setup,
    signin,
    systems,
)


class SidConverter:
    """Three letters or digits: anything else is not a system, so it is a 404 before any query."""

    regex = "[A-Za-z0-9]{3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ClientConverter(SidConverter):
    regex = "[0-9]{3}"


handler403 = "portal.views.errors.permission_denied"

register_converter(SidConverter, "sid")
register_converter(ClientConverter, "client")

system = "systems/<sid:sid>/<client:client>/"

urlpatterns = [
    path("", systems.system_list, name="system_list"),
    path("systems/new/", systems.system_create, name="system_create"),
    path(system, systems.system_detail, name="system_detail"),
    path(f"{system}edit/", systems.system_edit, name="system_edit"),
    path(f"{system}runs/", runs.run_checks, name="run_checks"),
    path(f"{system}runs/<int:run_id>/", runs.run_detail, name="run_detail"),
    path(f"{system}test-send/", runs.test_send, name="test_send"),
    path(f"{system}configuration/", setup.setup_edit, name="setup_edit"),
    path(f"{system}configuration/check/", setup.setup_check, name="setup_check"),
    path(f"{system}configuration/schedule/", schedule.schedule_edit, name="schedule_edit"),
    path(f"{system}steps/", setup.setup_steps, name="setup_steps"),
    path(f"{system}steps.md", setup.setup_steps_markdown, name="setup_steps_markdown"),
    path(f"{system}steps/scripts/<slug:key>.ps1", setup.setup_script, name="setup_script"),
    path("fleet-runs/", fleet_runs.fleet_run_start, name="fleet_run_start"),
    path("fleet-runs/<int:fleet_id>/", fleet_runs.fleet_run_detail, name="fleet_run_detail"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard.dashboard_export, name="dashboard_export"),
    path("dashboard/report/", dashboard.dashboard_report, name="dashboard_report"),
    path("dashboard/report.pdf", dashboard.dashboard_report_pdf, name="dashboard_report_pdf"),
    path("exchange-report/", exchange.exchange_report, name="exchange_report"),
    path(f"{system}steps/<str:key>/done/", setup.step_tick, name="step_tick"),
    path("helpdesk/", helpdesk.helpdesk, name="helpdesk"),
    path("helpdesk/cards/<sid:sid>/<client:client>/", helpdesk.helpdesk_card, name="helpdesk_card"),
    path("advisor/", advisor.advisor, name="advisor"),
    path("explain/", explain.explain, name="explain"),
    path(f"{system}advisor/apply/", advisor.advisor_apply, name="advisor_apply"),
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/<int:pk>/", alerts.subscription_edit, name="subscription_edit"),
    path("alerts/<int:pk>/delete/", alerts.subscription_delete, name="subscription_delete"),
    path(f"{system}alerts/mute/", alerts.system_mute, name="system_mute"),
    path("login/", signin.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
