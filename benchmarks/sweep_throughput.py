"""A sweep of many lab systems through a real Celery worker, with a round-trip time in front of the lab (on demand,
never in CI; tests/benchmarks/test_benchmarks_run.py runs it on a tiny fleet so it cannot rot).

    .venv/bin/python benchmarks/sweep_throughput.py --systems 1000 --rtt-ms 100 --pool threads --concurrency 100

What it does, all on this machine: a private redis-server and database (SQLite, or ``--postgres`` a private
PostgreSQL cluster), the lab in this process, benchmarks/latency_proxy.py between the diagnostics and the lab
(every TCP flight and DNS datagram waits half the round-trip time each way), ``--systems`` SMTP OAuth 2.0 systems
set up by the book (each its own mailbox, so Exchange's three connections per mailbox never limit the sweep), one
worker node (``celery worker`` with the pool and concurrency asked for), and the schedule's own ``enqueue_due``
handing every system to it at once. It prints systems per second from the first enqueue to the last run's end,
the worker's peak RSS (its process and pool processes together, sampled every 0.2 s), CPU seconds of the worker,
the lab and the proxy, and how the runs ended. ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def start_redis(workdir: Path) -> tuple[str, int]:
    port = free_port()
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                    "--daemonize", "yes", "--pidfile", str(workdir / "redis.pid"), "--dir", str(workdir)],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    wait_for(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0,
             10, "redis-server")  # fmt: skip
    return f"redis://127.0.0.1:{port}/0", port


def start_postgres(workdir: Path) -> str:
    """A private cluster on a unix socket in ``workdir`` (initdb refuses root: it runs as postgres)."""
    data, sockets, logs = workdir / "pg", workdir / "pg-socket", workdir / "pg-log"
    for folder in (data, sockets, logs):
        folder.mkdir()
        shutil.chown(folder, "postgres", "postgres")
    workdir.chmod(0o755)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "bench"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    options = f"-k {sockets} -c listen_addresses='' -c max_connections=400 -c fsync=off"
    subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "start",
                    "-l", str(logs / "pg.log")], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    subprocess.run([*as_postgres, str(PG_BIN / "createdb"), "-h", str(sockets), "-U", "bench", "bench"], check=True)
    return f"postgres://bench@/bench?host={sockets}"


def stop_postgres(workdir: Path) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(workdir / "pg"), "-m",
                    "fast", "stop"], check=False, stdout=subprocess.DEVNULL)  # fmt: skip


def tree_of(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds of ``pids``."""
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            user, system = user + int(fields[11]), system + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return user / ticks, system / ticks


def context_switches(pids: list[int]) -> tuple[int, int]:
    """(voluntary, involuntary) context switches of every thread of ``pids``, the finished ones included."""
    voluntary = involuntary = 0
    for pid in pids:
        try:  # the process's own line counts only its main thread; /proc/PID/sched would need a debug kernel
            for task in Path(f"/proc/{pid}/task").iterdir():
                for line in (task / "status").read_text().splitlines():
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary += int(line.split()[1])
        except OSError:
            continue
    return voluntary, involuntary


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def sweep(args: argparse.Namespace, node, workers, workdir: Path, lab_pid: int, proxy_pids: list[int]) -> dict:  # noqa: ANN001
    """One sweep of every system: all enqueued at once by the schedule's own ``enqueue_due``, then the figures."""
    from django.db.models import F

    from diagnostics.models import DiagnosticRun
    from portal.models import SapSystem
    from portal.schedule import enqueue_due
    from portal.tasks import enqueue_run

    SapSystem.objects.update(check_interval=5)  # due again: the schedule enqueues each system whose interval passed
    hour = dt.timedelta(hours=1)  # and the earlier sweep an hour ago
    DiagnosticRun.objects.update(created_at=F("created_at") - hour, started_at=F("started_at") - hour,
                                 finished_at=F("finished_at") - hour)  # fmt: skip
    first_run = DiagnosticRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    cpu_before = cpu_seconds([lab_pid]), cpu_seconds(proxy_pids), cpu_seconds(node()), cpu_split(node())
    switches_before = context_switches(node())
    load_before = os.getloadavg()[0]  # others' work on a shared machine: read the figures with it
    started = time.monotonic()
    enqueued = enqueue_due(enqueue_run)
    enqueue_seconds = time.monotonic() - started
    peak = 0.0
    deadline = started + args.timeout
    unfinished = DiagnosticRun.objects.exclude(state__in=("done", "aborted"))
    while unfinished.exists():
        if any(worker.poll() is not None for worker in workers):
            raise SystemExit(f"a worker stopped:\n{(workdir / 'worker-0.log').read_text()[-4000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the sweep did not finish within {args.timeout} s")
        peak = max(peak, rss_mib(node()))
        time.sleep(0.2)
    wall = time.monotonic() - started
    peak = max(peak, rss_mib(node()))
    cpu = (cpu_seconds([lab_pid]) - cpu_before[0], cpu_seconds(proxy_pids) - cpu_before[1],
           cpu_seconds(node()) - cpu_before[2])  # fmt: skip
    user, system = (after - before for after, before in zip(cpu_split(node()), cpu_before[3], strict=True))
    switches = [after - before for after, before in zip(context_switches(node()), switches_before, strict=True)]

    runs = list(
        DiagnosticRun.objects.filter(id__gt=first_run).values_list("state", "verdict", "started_at", "finished_at")
    )
    outcomes: dict[str, int] = {}
    for state, verdict, _, _ in runs:
        key = verdict if state == "done" else state
        outcomes[key] = outcomes.get(key, 0) + 1
    durations = [(end - begin).total_seconds() for _, _, begin, end in runs if begin and end]
    figures = {
        "systems": args.systems, "enqueued": enqueued, "rtt_ms": args.rtt_ms, "pool": args.pool,
        "concurrency": args.concurrency, "processes": args.processes, "database": "postgres" if args.postgres else "sqlite",
        "wall_s": round(wall, 1), "systems_per_s": round(args.systems / wall, 1),
        "enqueue_s": round(enqueue_seconds, 2), "peak_rss_mib": round(peak),
        "cpu_s_worker": round(cpu[2], 1), "cpu_s_worker_user": round(user, 1), "cpu_s_worker_system": round(system, 1),
        "cpu_ms_per_diagnosis": round(1000 * cpu[2] / max(1, len(runs))),
        "context_switches_per_diagnosis": {"voluntary": round(switches[0] / max(1, len(runs))),
                                           "involuntary": round(switches[1] / max(1, len(runs)))},
        "cpu_s_lab": round(cpu[0], 1), "cpu_s_proxy": round(cpu[1], 1),
        "run_median_s": round(statistics.median(durations), 2) if durations else None,
        "outcomes": outcomes, "cores": os.cpu_count(), "load_1min": [load_before, os.getloadavg()[0]],
        "worker_cpus": sorted(args.worker_cpu_set) or "shared",
    }  # fmt: skip
    warned = DiagnosticRun.objects.filter(id__gt=first_run, verdict__in=("warning", "failed", "error")).first()
    if warned is not None:
        figures["example_problem"] = [f"{r.key}: {r.status} {r.code} {r.summary}" for r in warned.results.all()
                                      if r.status not in ("pass", "skipped")]  # fmt: skip
    return figures


def main() -> None:  # noqa: PLR0915 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--rtt-ms", type=float, default=100.0, help="0: no proxy, straight to the lab")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "gevent", "solo"])
    parser.add_argument("--concurrency", type=int, default=100, help="per worker process")
    parser.add_argument("--processes", type=int, default=1, help="worker processes on the node (e.g. one per core)")
    parser.add_argument("--postgres", action="store_true", help="a private PostgreSQL cluster instead of SQLite")
    parser.add_argument("--worker-cpus", default="", help="pin the worker processes to these CPUs (e.g. 1) and "
                        "everything else (lab, proxy, Redis, database) to the others: a node of its own")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the sweep")
    parser.add_argument("--sweeps", type=int, default=1, help="sweeps of the same systems, one after the other: the "
                        "first starts every runbook and alert state, the next ones are what a schedule repeats")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    worker_cpus = {int(cpu) for cpu in args.worker_cpus.split(",") if cpu.strip()}
    args.worker_cpu_set = worker_cpus
    if worker_cpus:  # this process and what it starts (Redis, PostgreSQL, the proxy) keep off the worker's CPUs
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) - worker_cpus)
    children: list[subprocess.Popen] = []
    try:
        redis_url, redis_port = start_redis(workdir)
        database_url = (
            start_postgres(workdir) + "&conn_max_age=60" if args.postgres else f"sqlite:///{workdir / 'sweep.sqlite3'}"
        )
        os.environ.update({"DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(workdir / "data"),
                           "REDIS_URL": redis_url, "PORTAL_ROUTE_BY_ZONE": "0",
                           "DJANGO_SETTINGS_MODULE": "portal.settings"})  # fmt: skip
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from lab import Lab
        from lab.dns import LAB_DNSBL_ZONES
        from lab.scenarios import CONTOSO, configure, scenario
        from portal.models import MailSetup, SapSystem

        call_command("migrate", verbosity=0)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
        lab = Lab.start()
        configure(lab)
        ports = {"submission": lab.port("submission"), "entra": lab.entra.port, "dns": lab.dns.port}
        if args.rtt_ms > 0:
            proxied = {name: free_port() for name in ports}
            command = [sys.executable, str(ROOT / "benchmarks" / "latency_proxy.py"), "--rtt-ms", str(args.rtt_ms),
                       "--udp", f"{proxied['dns']}:127.0.0.1:{ports['dns']}"]  # fmt: skip
            for name in ports:
                command += ["--tcp", f"{proxied[name]}:127.0.0.1:{ports[name]}"]
            proxy = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            children.append(proxy)
            assert proxy.stdout is not None and proxy.stdout.readline().strip() == "ready"
        else:
            proxied = dict(ports)

        template = scenario("prd-oauth2-healthy").values({**lab.ports, "submission": proxied["submission"]})
        systems = SapSystem.objects.bulk_create(
            SapSystem(sid=f"{chr(65 + i // 100)}{i % 100:02d}", client="100", role="PRD", description="sweep")
            for i in range(args.systems)
        )
        setups = []
        for system in systems:
            mailbox = f"sap-{system.sid.lower()}@{CONTOSO.domain}"
            lab.directory.add_mailbox(mailbox, tenant_id=CONTOSO.tenant_id, full_access={template["client_id"]})
            setups.append(MailSetup(
                system=system, option="oauth2", cloud="lab", smtp_host=template["smtp_host"],
                smtp_port=template["smtp_port"], tls="starttls", sender=mailbox, mailbox=mailbox,
                tenant=template["tenant"], client_id=template["client_id"], client_secret=template["client_secret"],
                egress_ips=[template["egress_ips"]], test_recipient=template["test_recipient"],
                secret_expires=template["secret_expires"],
            ))  # fmt: skip
        MailSetup.objects.bulk_create(setups)

        worker_env = {
            **os.environ,
            "PORTAL_SECRET_KEYS": ",".join(settings.PORTAL_SECRET_KEYS),
            "PORTAL_DNS_NAMESERVERS": f"127.0.0.1:{proxied['dns']}",
            "PORTAL_EXTRA_CA_BUNDLE": str(lab.pki.ca_pem_path),
            "PORTAL_LOGIN_AUTHORITY_HOST": f"https://localhost:{proxied['entra']}",
            "PORTAL_ALLOW_LOOPBACK_TARGETS": "1",
            "PORTAL_DNSBL_ZONES": ",".join(LAB_DNSBL_ZONES),
            "PORTAL_RUN_BUDGET": "60",
        }
        workers = []
        for number in range(args.processes):
            log = (workdir / f"worker-{number}.log").open("wb")
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", f"--pool={args.pool}",
                 f"--concurrency={args.concurrency}", "--queues=default", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel=WARNING", f"--hostname=sweep-{number}@%h"],
                cwd=ROOT, env={**worker_env, "PORTAL_WORKER_NAME": f"sweep-node-{number}"}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, worker_cpus)) if worker_cpus else None,  # noqa: PLW1509
            ))  # fmt: skip
        children.extend(workers)
        from portal.celery import app

        wait_for(lambda: len(app.control.ping(timeout=1.0)) == len(workers), 120, "the workers to answer a ping")
        time.sleep(1)

        def node() -> list[int]:
            return [pid for worker in workers for pid in tree_of(worker.pid)]

        lab_pid, proxy_pids = os.getpid(), [children[0].pid] if args.rtt_ms > 0 else []
        for number in range(1, args.sweeps + 1):
            figures = sweep(args, node, workers, workdir, lab_pid, proxy_pids)
            figures["sweep"] = f"{number} of {args.sweeps}"
            print(json.dumps(figures))
            if args.json:
                path = args.json if args.sweeps == 1 else args.json.with_suffix(f".{number}{args.json.suffix}")
                path.write_text(json.dumps(figures, indent=2) + "\n")
        lab.close()
    finally:
        for child in reversed(children):  # the worker (its own process group, with its pool), then the proxy
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM) if child.args[1:3] == ["-m", "celery"] else child.terminate()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
        subprocess.run(["redis-cli", "-p", str(locals().get("redis_port", 0)), "shutdown", "nosave"],
                       check=False, capture_output=True)  # fmt: skip
        if args.postgres:
            stop_postgres(workdir)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
