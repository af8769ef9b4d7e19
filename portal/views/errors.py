"""The 403 page: which roles open what was refused, which role the user has, and who grants roles."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.roles import roles_of, roles_with


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # portal.roles.permission_required refuses with the permission's name; other refusals carry none.
    needed = roles_with(str(exception)) if exception else []
    context = {
        "needed": needed,
        "needed_text": " or ".join([", ".join(needed[:-1]), needed[-1]]) if len(needed) > 1 else "".join(needed),
        "user_roles": roles_of(request.user),
        "contact": settings.PORTAL_ADMINS_CONTACT,
        "can_view": request.user.has_perm("portal.view_sapsystem"),
    }
    return render(request, "403.html", context, status=403)
