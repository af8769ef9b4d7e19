"""Finding a system from what a person types on the command line: SID and, when needed, client."""

from __future__ import annotations

from portal.models import SapSystem


class SystemNotFound(Exception):
    pass


def system_by_sid(sid: str, client: str | None = None) -> SapSystem:
    systems = list(SapSystem.objects.filter(sid=sid.upper()).select_related("mail_setup").order_by("client"))
    if client is not None:
        systems = [system for system in systems if system.client == client.zfill(3)]
    if not systems:
        where = f"{sid.upper()}/{client}" if client else sid.upper()
        raise SystemNotFound(f"no SAP system {where} in the portal")
    if len(systems) > 1:
        clients = ", ".join(system.client for system in systems)
        raise SystemNotFound(f"{sid.upper()} has several clients ({clients}): choose one with --client")
    return systems[0]
