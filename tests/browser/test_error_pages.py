"""The styled 403 in Chromium, at a laptop's and a phone's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import LAPTOP, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_403_names_the_roles_and_the_contact_at_1366_and_390_px(page, helpdesk, settings):
    settings.PORTAL_ADMINS_CONTACT = "the SAP Basis team, basis-admins@contoso.com"
    sign_in(page, "helpdesk")
    for name, viewport in [("1366", LAPTOP), ("390", PHONE)]:
        page.set_viewport_size(viewport)
        response = page.goto("/dashboard/")
        assert response.status == 403
        heading = page.get_by_role("heading", name="Your role does not open this page")
        expect(heading).to_be_visible()
        main = page.locator("main")
        expect(main).to_contain_text("This page is for the roles Basis admin or Manager.")
        expect(main).to_contain_text("Your role: Helpdesk.")
        expect(page.get_by_role("link", name="basis-admins@contoso.com")).to_have_attribute(
            "href", "mailto:basis-admins@contoso.com"
        )
        expect(page.get_by_role("link", name="Back to the systems")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        shoot(page, f"hardening/403-{name}")
        if viewport == PHONE:  # on a phone the navigation folds into the menu: Sign out is one tap away
            page.locator(".menu > summary").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
