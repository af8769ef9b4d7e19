"""Finding a system from what a person types on the command line: SID and, when needed, client."""

from __future__ import annotations

from portal.models import SapSystem


class SystemNotFound(Exception):
    pass


def system_by_sid(sid: str, client: str | None = None) -> SapSystem:
    if not (sid.isascii() and (client or "").isascii()):  # upper() would turn "ßa" into "SSA"
        raise SystemNotFound(
            "no such SAP system: a SID is written with the letters A-Z and digits 0-9, a client with 0-9"
        )
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
