"""Wall time of full diagnoses against the lab (run on demand, not in CI).

    .venv/bin/python benchmarks/diagnosis_wall_time.py [--repeat 20]

Runs every demo scenario's plan through the engine with the real checks, against the lab on free
loopback ports, and prints the median and 95th percentile per scenario, plus the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from connectors.registry import OPTIONS  # noqa: E402
from diagnostics.context import RunContext  # noqa: E402
from diagnostics.engine import run_plan  # noqa: E402
from diagnostics.registry import CHECKS  # noqa: E402
from lab import Lab  # noqa: E402
from lab.scenarios import SCENARIOS, configure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with Lab.start() as lab:
        configure(lab)
        env = lab.environment(timeout=2.0)
        print(f"{'scenario':38} {'verdict':8} {'median ms':>10} {'p95 ms':>8}")
        for scenario in SCENARIOS:
            config = scenario.config(lab.ports)
            plan = OPTIONS[config.option].plan(config)
            times = []
            for _ in range(args.repeat):
                ctx = RunContext(scenario.target(lab.ports), env)
                began = time.perf_counter()
                run_plan(plan, ctx, CHECKS, budget=30)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{scenario.key:38} {scenario.verdict:8} {statistics.median(times):10.0f} {p95:8.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB, {args.repeat} runs per scenario")


if __name__ == "__main__":
    main()
