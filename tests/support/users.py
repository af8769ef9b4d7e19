"""The cast of users every test area shares (the fixtures are in tests/conftest.py)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User

PASSWORD = "correct horse battery staple"


def make_user(username: str, group: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
