"""What a manager and the helpdesk see, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_dashboard_shows_the_chart_and_countdown(page, manager, demo_systems):
    sign_in(page, "manager")
    page.get_by_role("link", name="Migration dashboard").click()
    chart = page.get_by_role("img", name="Mail option by landscape role")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() >= 3
    expect(page.get_by_text("Next milestone")).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    shoot(page, "10-dashboard")


def test_a_manager_cannot_reach_an_edit_page(page, manager, demo_systems):
    sign_in(page, "manager")
    page.goto("/systems/PRD/100/")
    expect(page.get_by_role("link", name="Configuration")).to_have_count(0)
    expect(page.get_by_role("button", name="Run checks")).to_have_count(0)
    response = page.goto("/systems/PRD/100/configuration/")
    assert response.status == 403
    response = page.goto("/systems/new/")
    assert response.status == 403


def test_the_helpdesk_finds_a_system_and_reads_its_card(page, helpdesk, demo_systems):
    sign_in(page, "helpdesk")
    page.get_by_role("link", name="Helpdesk").click()
    page.get_by_label("System, description or owner").fill("payslips")
    expect(page.locator(".health-card")).to_have_count(1)
    expect(page.locator(".health-card")).to_contain_text("Mail from HRP")
    shoot(page, "11-helpdesk")


def test_the_sign_in_page_says_when_the_password_is_wrong(page, manager):
    page.goto("/")
    page.wait_for_url("**/login/**")
    page.get_by_label("User name").fill("manager")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    expect(page.get_by_label("User name")).to_have_value("manager")
    shoot(page, "00-sign-in")


def test_a_manager_reads_a_basic_auth_systems_steps_with_the_retirement_notice(page, manager, demo_systems):
    sign_in(page, "manager")
    page.goto("/systems/DEV/300/steps/")
    expect(page.locator(".notice").first).to_be_visible()
    expect(page.get_by_role("link", name="Download Markdown")).to_be_visible()
    shoot(page, "16-steps-smtp-basic-manager", full_page=False)
    page.goto("/systems/DEV/300/")
    shoot(page, "17-health-tab-manager", full_page=False)
