"""The embedded broker publishes each message whole: a worker reading the queue folder never sees a message
file before its content (kombu's own transport created the file first and wrote it after)."""

import json
import os
import threading
from pathlib import Path

from kombu import Connection
from kombu.transport.virtual import BrokerState

from portal import embedded_broker

_transports: dict[Path, type] = {}


def _connection(folder: Path) -> Connection:
    """A connection to the broker in ``folder``. kombu keeps which queues are bound per process (in the
    transport's class), so each test's folder gets a transport class of its own, as if it were a process."""
    (folder / "queue").mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
               "control_folder": str(folder / "control"), "store_processed": False}  # fmt: skip
    transport = _transports.setdefault(
        folder, type("OneProcess", (embedded_broker.Transport,), {"global_state": BrokerState()})
    )
    return Connection("filesystem://", transport=transport, transport_options=options)


def test_a_message_is_complete_before_its_name_appears_in_the_queue(tmp_path, monkeypatch):
    seen = []
    replace = os.replace

    def publish(draft: str, final: str) -> None:
        queue = Path(final).parent
        seen.append(([name for name in os.listdir(queue) if name.endswith(".default.msg")], Path(draft).name,
                     json.loads(Path(draft).read_bytes())))  # fmt: skip
        replace(draft, final)

    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("default")  # declared and bound first, as a worker does at its start
        monkeypatch.setattr(embedded_broker.os, "replace", publish)
        queue.put({"run": 7})
    ((listed_before, draft_name, body),) = seen
    assert listed_before == []  # nothing a reader could take yet
    assert draft_name.startswith(".") and draft_name.partition(".")[2] != "default.msg"  # a name the reader skips
    assert body["body"]  # the whole message, already parseable
    assert [name for name in os.listdir(tmp_path / "queue") if not name.endswith(".msg")] == []  # no draft left


def test_messages_written_by_several_threads_while_a_worker_reads_all_arrive_whole(tmp_path):
    writers, per_writer = 4, 150
    received: list[int] = []

    def write(start: int) -> None:
        with _connection(tmp_path) as connection:
            queue = connection.SimpleQueue("default")
            for number in range(start, start + per_writer):
                queue.put({"n": number})

    def read() -> None:
        with _connection(tmp_path) as connection:
            queue = connection.SimpleQueue("default")
            while len(received) < writers * per_writer:
                message = queue.get(block=True, timeout=10)  # a half-written file would raise here
                received.append(message.payload["n"])
                message.ack()

    with _connection(tmp_path) as connection:
        connection.SimpleQueue("default")  # the queue exists before anyone writes, as after a worker's start
    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(i * per_writer,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    reader.join(timeout=60)
    assert sorted(received) == list(range(writers * per_writer))


def test_an_exchange_table_is_complete_before_its_name_appears(tmp_path, monkeypatch):
    """kombu created the table with a truncating open before taking its lock: a process publishing at that
    moment read it empty and died on the JSON."""
    seen = []
    replace = os.replace

    def publish(draft: str, final: str) -> None:
        if str(final).endswith(".exchange"):
            seen.append((Path(final).exists(), json.loads(Path(draft).read_bytes())))
        replace(draft, final)

    monkeypatch.setattr(embedded_broker.os, "replace", publish)
    with _connection(tmp_path) as connection:
        connection.SimpleQueue("default")
    with _connection(tmp_path) as connection:  # binding the same queue again writes nothing
        connection.SimpleQueue("default")
    assert seen == [(False, [["default", "", "default"]])]
    assert json.loads((tmp_path / "control" / "default.exchange").read_text()) == [["default", "", "default"]]
