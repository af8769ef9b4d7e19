"""The embedded mode's broker: kombu's filesystem transport, with messages that appear in the queue whole.

kombu 5.7's filesystem transport creates a message's file in the queue folder and only then writes it (under
an advisory lock its reader never takes). A worker that lists the folder in between moves the still empty
file away, fails to parse it (JSONDecodeError) and its consumer dies: the worker of ``make run`` stopped when
beat, the web server or the worker's own threads enqueued at the wrong moment (seen in
tests/portal/test_scheduled_checks_with_beat.py). Here a message is written under a name the reader skips
(it starts with a dot, so it names no queue) and renamed into place when complete; a rename within a folder
is atomic, so a reader sees no message or a whole one. The table of queues bound to an exchange (its control
file) had the same race twice over: created with a truncating open before its lock, so a process publishing at
that moment read it empty, and two processes binding at once could each write their own. It is now rewritten
whole and renamed into place, under a lock file of its own. Everything else is kombu's.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.filesystem import exchange_queue_t
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Put ``payload`` onto ``queue``: written whole, then published by one rename."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"  # kombu's own name and order
        final = os.path.join(self.data_folder_out, name)
        draft = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(draft, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(draft, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        """Add ``queue`` to the exchange's table: read, rewritten whole and renamed into place, one binder at a time."""
        table = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        wanted = exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with open(table.with_name(f".{table.name}.lock"), "a") as guard:
                fcntl.flock(guard.fileno(), fcntl.LOCK_EX)  # released when the file is closed
                queues = self.get_table(exchange)
                if wanted in queues:
                    return
                draft = table.with_name(f".{table.name}.{uuid.uuid4().hex}.part")
                draft.write_bytes(str_to_bytes(dumps([wanted, *queues])))
                os.replace(draft, table)
        except OSError as exc:
            raise ChannelError(f"Cannot open {table}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
