"""Executes a plan of checks: dependencies, concurrency and a time budget; never hangs.

Pure Python (no ORM): ``on_findings`` is called in the calling thread with the checks that finished
since its last call, at most every ``report_every`` seconds and once more at the end, so the runner
saves results in a few batches while independent checks still run (a page shows them live).
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace

from connectors.plan import PlannedCheck

from .context import RunContext
from .findings import Finding, Status

logger = logging.getLogger(__name__)

CheckFn = Callable[[RunContext], Finding]
BLOCKING = (Status.FAIL, Status.ERROR, Status.SKIPPED)
REDACTED = "[redacted]"


def run_plan(
    plan: Sequence[PlannedCheck],
    ctx: RunContext,
    checks: Mapping[str, CheckFn],
    *,
    on_findings: Callable[[list[Finding]], None] | None = None,
    report_every: float = 0.0,
    budget: float = 30.0,
    max_workers: int = 6,
) -> list[Finding]:
    """Run every planned check once; return the findings in plan order."""
    ctx.use_plan(plan)
    order = list(dict.fromkeys(item.key for item in plan))  # a key planned twice runs once
    waiting = {item.key: tuple(dep for dep in item.after if dep in order) for item in plan}
    findings: dict[str, Finding] = {}
    running: dict[Future[Finding], tuple[str, float]] = {}
    deadline = time.monotonic() + budget
    executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="check")
    unreported: list[Finding] = []
    reported_at = time.monotonic()

    def finish(finding: Finding) -> None:
        finding = _scrub(finding, _secrets_of(ctx))
        findings[finding.key] = finding
        ctx.record(finding)
        unreported.append(finding)

    def report(*, now: bool = False) -> None:
        nonlocal reported_at
        if unreported and (now or time.monotonic() - reported_at >= report_every):
            if on_findings is not None:
                on_findings(list(unreported))
            unreported.clear()
            reported_at = time.monotonic()

    def next_wake() -> float:
        """Seconds to wait for a check: until the budget ends, or sooner when findings wait to be reported."""
        until = deadline - time.monotonic()
        if unreported:
            until = min(until, reported_at + report_every - time.monotonic())
        return max(0.0, until)

    try:
        while len(findings) < len(order):
            ready = [k for k in order if k in waiting and all(d in findings for d in waiting[k])]
            for key in ready:
                deps = waiting.pop(key)
                blocker = next((d for d in deps if findings[d].status in BLOCKING), None)
                if blocker is not None:
                    finish(_skipped(key, f"Skipped: {blocker} did not pass ({findings[blocker].status})."))
                elif key not in checks:
                    finish(Finding(key, Status.ERROR, f"No check is registered under {key!r}.", code="internal"))
                else:
                    running[executor.submit(_call, checks[key], key, ctx)] = (key, time.monotonic())
            if not running:
                if not ready:  # nothing runs and nothing became ready: the rest wait on each other
                    for key in [k for k in order if k in waiting]:
                        waiting.pop(key)
                        finish(Finding(key, Status.ERROR, f"{key} waits on a check that waits on it.", code="internal"))
                continue
            done, _ = wait(running, timeout=next_wake(), return_when=FIRST_COMPLETED)
            for future in done:
                key, started = running.pop(future)
                finish(_timed(future.result(), key, started))
            report()
            if not done and time.monotonic() >= deadline:
                ctx.cancelled.set()
                for key, _started in running.values():
                    finish(_over_budget(key, budget, started=True))
                running.clear()
                for key in [k for k in order if k in waiting]:
                    waiting.pop(key)
                    finish(_over_budget(key, budget, started=False))
        report(now=True)
    finally:
        ctx.cancelled.set()
        executor.shutdown(wait=False, cancel_futures=True)
        ctx.close()
    return [findings[key] for key in order]


def _call(check: CheckFn, key: str, ctx: RunContext) -> Finding:
    try:
        return check(ctx)
    except Exception as exc:  # noqa: BLE001 - a bug in one check must not sink the run
        logger.exception("check %s raised %s", key, type(exc).__name__)
        return Finding(
            key,
            Status.ERROR,
            f"The check itself failed ({type(exc).__name__}); this is a fault in the portal, not in the system.",
            code="internal",
            remedy="Run the checks again; if it repeats, report it with the worker log.",
        )


def _timed(finding: Finding, key: str, started: float) -> Finding:
    elapsed = int((time.monotonic() - started) * 1000)
    return replace(finding, key=key, duration_ms=finding.duration_ms or elapsed)


def _skipped(key: str, summary: str) -> Finding:
    return Finding(key, Status.SKIPPED, summary)


def _over_budget(key: str, budget: float, *, started: bool) -> Finding:
    if started:
        return Finding(
            key,
            Status.ERROR,
            f"Did not finish within the run's time budget of {budget:g} s.",
            code="run.budget",
            remedy="Run the checks again; if it repeats, look at the slowest check's evidence.",
        )
    return _skipped(key, f"Skipped: the run's time budget of {budget:g} s ran out before this check started.")


def _secrets_of(ctx: RunContext) -> list[str]:
    values = [ctx.target.secret, ctx.target.private_key_pem]
    token = ctx.facts("oauth.token").get("access_token")
    values.append(token if isinstance(token, str) else None)
    return [v for v in values if v and len(v) >= 4]


def _variants(secret: str) -> Iterable[str]:
    yield secret
    yield base64.b64encode(secret.encode()).decode()


def _scrub(finding: Finding, secrets: list[str]) -> Finding:
    """Last line of defence: no secret (or its base64 form) leaves a check in any text field."""
    changes = {}
    for name in ("summary", "explanation", "remedy", "evidence"):
        text = getattr(finding, name)
        cleaned = text
        for secret in secrets:
            for variant in _variants(secret):
                cleaned = cleaned.replace(variant, REDACTED)
        if cleaned != text:
            changes[name] = cleaned
    return replace(finding, **changes) if changes else finding
