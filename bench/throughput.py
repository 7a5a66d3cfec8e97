#!/usr/bin/env python
"""Throughput, throttle accuracy and batch memory: ours and the peers, against a local SES stub.

    python bench/throughput.py [--rounds 3] [--quick] [--only a,b,c,d] [--impls ours,...]

The peers are those of bench/peers.py (django-ses 4.8.2 from PyPI and the
latest django-anymail, each in its own virtualenv under bench/.venvs/, made
once); each run is a child process (bench/_throughput_worker.py) talking to
the stub of bench/ses_stub.py, which runs in this process with a per-request
latency, a ``MaxSendRate`` and ``Throttling`` answers above it. Workloads:

* (a) one batch of 500 messages (text + HTML + a 20 KB attachment), 1 and 3
  recipients, at 0 and 50 ms latency, ours on SES v1 ("ours") and v2
  ("ours-v2"); a budget of 100 messages per second
  (``MaxSendRate`` = 200 x recipients, throttling at the default 0.5 for the
  backends that have it);
* (b) 200 separate ``send_mail()`` calls, SES v1 and v2, no latency, no
  throttling (the cost of a connection per message);
* (c) throttle accuracy at a 14/s quota with the default factor (a budget of
  7 recipients per second), about 10 s of single-recipient, mixed 1-5
  recipient and 3-recipient messages, in one batch;
* (d) peak RSS of a batch of 100 and of 2,000 messages sharing one 100 KB
  attachment.

Reported per workload and implementation, as medians of ``--rounds``
interleaved rounds: messages/s, CPU ms per message (the sending process's
own), peak RSS, throttling answers from the stub, utilisation of the budget
(recipients/s accepted over the span of the run, over the budget) and the
busiest one-second window over the budget; then ours / django-ses and ours /
anymail for messages/s and CPU per message (and peak RSS for d). Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import ROOT, Implementation, django_release, ensure_venv  # noqa: E402
from ses_stub import SESStub  # noqa: E402

WORKER = HERE / "_throughput_worker.py"
CHILD_TIMEOUT = 900


@dataclass
class Scenario:
    key: str
    label: str
    workload: str
    messages: int
    latency: float
    max_send_rate: float
    budget: float | None  # recipients per second, for the utilisation
    recipients: int = 1
    sizes: str = ""
    v2: bool = False
    throttle: str = "0.5"
    attachment_kib: int = 20
    impls: tuple[str, ...] = ("ours", "django-ses", "anymail")
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def scenarios(quick: bool) -> list[Scenario]:
    n = 100 if quick else 500
    out = []
    for latency in (0.0, 0.05):
        for recipients in (1, 3):
            out.append(
                Scenario(
                    f"a-{recipients}r-{int(latency * 1000)}ms",
                    f"(a) batch of {n}, {recipients} rcpt, {int(latency * 1000)} ms",
                    "batch",
                    n,
                    latency,
                    200.0 * recipients,
                    100.0 * recipients,
                    recipients=recipients,
                    impls=("ours", "ours-v2", "django-ses", "anymail"),
                )
            )
    for v2 in (False, True):
        out.append(
            Scenario(
                f"b-v{2 if v2 else 1}",
                f"(b) 200 send_mail(), v{2 if v2 else 1}",
                "send_mail",
                50 if quick else 200,
                0.0,
                1e6,
                None,
                v2=v2,
                throttle="none",
                attachment_kib=0,
            )
        )
    seconds = 5 if quick else 10
    for label, sizes, mean in (
        ("1 rcpt", "1", 1),
        ("1-5 rcpt", "1,2,3,4,5", 3),
        ("3 rcpt", "3", 3),
    ):
        out.append(
            Scenario(
                f"c-{sizes}",
                f"(c) 14/s x 0.5, {label}",
                "accuracy",
                math.ceil(seconds * 7 / mean) + 1,
                0.0,
                14.0,
                7.0,
                sizes=sizes,
                attachment_kib=0,
                impls=("ours", "django-ses"),
            )
        )
    for count in (100, 2000):
        out.append(
            Scenario(
                f"d-{count}",
                f"(d) batch of {count} x 100 KB",
                "memory",
                count,
                0.0,
                1e6,
                None,
                throttle="none",
                attachment_kib=100,
            )
        )
    return out


def run_once(impl: Implementation, scenario: Scenario, stub: SESStub) -> dict[str, Any] | str:
    assert impl.python is not None
    stub.reset(latency=scenario.latency, max_send_rate=scenario.max_send_rate)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        BOTO_DISABLE_CRT="true",  # the same pure-Python signer for all (see peers.py)
    )
    for key in [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
        del env[key]
    if impl.requirement is None:
        env["PYTHONPATH"] = str(ROOT)
    command = [
        impl.python,
        str(WORKER),
        f"--impl={'ours' if impl.requirement is None else impl.name}",
        f"--url={stub.url}",
        f"--workload={scenario.workload}",
        f"--messages={scenario.messages}",
        f"--recipients={scenario.recipients}",
        f"--throttle={scenario.throttle}",
        f"--attachment-kib={scenario.attachment_kib}",
    ]
    if scenario.sizes:
        command.append(f"--sizes={scenario.sizes}")
    if scenario.v2 or impl.name == "ours-v2":
        command.append("--v2")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=HERE, timeout=CHILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {CHILD_TIMEOUT} s"
    if done.returncode:
        return f"exited {done.returncode}: " + " | ".join(done.stderr.strip().splitlines()[-3:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    inside = Path(result["module_file"]).is_relative_to(ROOT / "django_ses")
    if inside != (impl.requirement is None):
        return f"imported the wrong package: {result['module_file']}"
    stats = stub.stats()
    arrivals = sorted(stats["arrivals"])
    result["throttled"] = stats["throttled"]
    result["accepted"] = stats["accepted_calls"]
    # What the stub accepted (a peer may raise part-way through the accuracy run).
    result["msg_per_s"] = (
        stats["accepted_calls"] if scenario.workload == "accuracy" else result["sent"]
    ) / result["seconds"]
    result["cpu_ms_per_msg"] = result["cpu_seconds"] * 1000 / result["messages"]
    if scenario.budget and len(arrivals) > 1:
        span = arrivals[-1][0] - arrivals[0][0]
        carried = sum(n for _, n in arrivals) - arrivals[-1][1]
        result["utilisation"] = carried / span / scenario.budget
        result["busiest"] = busiest_window(arrivals) / scenario.budget
    return result


def busiest_window(arrivals: list[tuple[float, int]]) -> int:
    best, total, j = 0, 0, 0
    for i in range(len(arrivals)):
        while j < len(arrivals) and arrivals[j][0] < arrivals[i][0] + 1.0:
            total += arrivals[j][1]
            j += 1
        best = max(best, total)
        total -= arrivals[i][1]
    return best


def med(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def print_table(items: list[Scenario], impls: dict[str, Implementation], rounds: int) -> None:
    print(f"\nmedians of {rounds} interleaved rounds")
    head = (
        f"{'workload':<34} {'impl':<18} {'msg/s':>8} {'CPU ms/msg':>10} {'peak RSS':>9} "
        f"{'throttled':>9} {'util':>6} {'busiest':>7} {'msg/s vs dj-ses':>15} "
        f"{'vs anymail':>10} {'CPU vs dj-ses':>13} {'vs anymail':>10} {'RSS vs dj-ses':>13} "
        f"{'vs anymail':>10}"
    )
    print(head)
    for scenario in items:
        for name in scenario.impls:
            runs = scenario.runs.get(name, [])
            impl = impls[name]
            label = f"{name} {runs[-1]['version']}" if runs else name
            if not runs:
                print(f"{scenario.label:<34} {label:<18} FAILED: {impl.error}")
                continue

            def ratio(key: str, peer: str, scenario: Scenario = scenario, name: str = name) -> str:
                if not name.startswith("ours") or not scenario.runs.get(peer):
                    return "-"
                ours, theirs = med(scenario.runs[name], key), med(scenario.runs[peer], key)
                return f"{ours / theirs:.2f}" if ours and theirs else "-"

            print(
                f"{scenario.label:<34} {label:<18} {fmt(med(runs, 'msg_per_s'), '8.1f')} "
                f"{fmt(med(runs, 'cpu_ms_per_msg'), '10.2f')} "
                f"{fmt((med(runs, 'rss_peak_kib') or 0) / 1024, '5.1f', ' MiB')} "
                f"{fmt(med(runs, 'throttled'), '9.0f')} "
                f"{fmt((med(runs, 'utilisation') or 0) * 100 if 'utilisation' in runs[0] else None, '5.1f', '%')} "  # noqa: E501
                f"{fmt(med(runs, 'busiest'), '7.2f')} "
                f"{ratio('msg_per_s', 'django-ses'):>15} {ratio('msg_per_s', 'anymail'):>10} "
                f"{ratio('cpu_ms_per_msg', 'django-ses'):>13} {ratio('cpu_ms_per_msg', 'anymail'):>10} "  # noqa: E501
                f"{ratio('rss_peak_kib', 'django-ses'):>13} {ratio('rss_peak_kib', 'anymail'):>10}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for a try")
    parser.add_argument("--only", default="a,b,c,d", help="workloads to run: a,b,c,d")
    parser.add_argument(
        "--impls", default="ours,django-ses,anymail", help="implementations to run (for a try)"
    )
    args = parser.parse_args()

    impls = {
        "ours": Implementation("ours", "ours", None, python=sys.executable),
        "ours-v2": Implementation("ours-v2", "ours", None, python=sys.executable),
        "django-ses": Implementation("django-ses", "django-ses", "django-ses==4.8.2"),
        "anymail": Implementation("anymail", "anymail", "django-anymail[amazon-ses]"),
    }
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, Django {django_release()}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    chosen = set(args.impls.split(","))
    chosen |= {"ours-v2"} if "ours" in chosen else set()
    for impl in list(impls.values())[2:]:
        if impl.name not in chosen:
            impl.error = "not chosen (--impls)"
            continue
        ensure_venv(impl)
        print(f"  {impl.name}: {impl.error or impl.python}")
    wanted = set(args.only.split(","))
    items = [s for s in scenarios(args.quick) if s.key[0] in wanted]
    stub = SESStub()
    stub.start()
    try:
        for round_number in range(1, args.rounds + 1):
            for scenario in items:
                for name in scenario.impls:
                    impl = impls[name]
                    if impl.python is None or name not in chosen:
                        continue
                    result = run_once(impl, scenario, stub)
                    if isinstance(result, str):
                        impl.error = result
                        print(f"  round {round_number} {scenario.key:<14} {name:<11} {result}")
                        continue
                    scenario.runs.setdefault(name, []).append(result)
                    print(
                        f"  round {round_number} {scenario.key:<14} {name:<11} "
                        f"{result['msg_per_s']:8.1f} msg/s  throttled {result['throttled']}"
                        + (f"  raised {result['raised']}" if result.get("raised") else ""),
                        flush=True,
                    )
    finally:
        stub.stop()
    print_table(items, impls, args.rounds)


if __name__ == "__main__":
    main()
