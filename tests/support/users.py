"""The cast of users every test area shares (the fixtures are in tests/conftest.py)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User

from portal.roles import GROUP_PERMISSIONS, LATER_PERMISSIONS

PASSWORD = "correct horse battery staple"


def make_user(username: str, group: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def ensure_role_groups() -> None:
    """The groups the data migrations made, with their permissions: a transactional test flushes them."""
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in [*codes, *LATER_PERMISSIONS.get(name, [])]:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
