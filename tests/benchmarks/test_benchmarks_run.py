"""The benchmarks run on demand, never in CI; these runs on a tiny fleet keep them from rotting."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


def _run(script: str, *args: str) -> list[dict]:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_scheduler_benchmark_runs_both_schedulers_on_a_tiny_fleet():
    ours, beat = _run("scheduler_at_scale.py", "--systems", "20")
    assert ours["queries_per_look"] == 1
    assert ours["runs_in_the_hour"] >= ours["runs_expected"] == 5 * 4 + 15  # 5 production systems, every 15 min
    assert beat["periodic_task_rows"] == 21  # one per system, and beat's own clean-up task


def test_the_sweep_benchmark_sweeps_a_tiny_fleet_through_a_real_worker_and_the_latency_proxy():
    first, again = _run(
        "sweep_throughput.py", "--systems", "5", "--concurrency", "5", "--rtt-ms", "20", "--sweeps", "2"
    )
    for figures in (first, again):
        assert figures["outcomes"] == {"passed": 5} and figures["enqueued"] == 5
        assert figures["systems_per_s"] > 0 and figures["peak_rss_mib"] > 0 and figures["run_median_s"] >= 0.02
        assert figures["cpu_ms_per_diagnosis"] > 0 and figures["context_switches_per_diagnosis"]["voluntary"] > 0
    assert (first["sweep"], again["sweep"]) == ("1 of 2", "2 of 2")
