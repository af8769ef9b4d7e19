"""Signing in: each role lands where its work is (the helpdesk on the Helpdesk page)."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.shortcuts import resolve_url
from django.urls import reverse

from portal.roles import landing_page


class SignInView(LoginView):
    def get_redirect_url(self) -> str:
        """A page asked for by name wins, except the front page itself: "/" is where everyone is sent to
        sign in, so it says nothing about where this user wants to go. The systems list stays one click away."""
        wanted = super().get_redirect_url()
        return "" if wanted == reverse("system_list") else wanted

    def get_default_redirect_url(self) -> str:
        return resolve_url(landing_page(self.request.user))
