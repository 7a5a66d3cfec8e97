#!/usr/bin/env python
"""Workload (d): what one large message costs in memory, ours against the peers.

    python bench/large_message_memory.py [--rounds 3] [--v2-mib 20] [--v1-mib 6] [--refused-mib 8]

Each run is a fresh child process (bench/_memory_worker.py) that sends one
message with one binary attachment to a local SES (moto's server, in this
process) and reports how much its peak resident set size grew, as a multiple
of the attachment's size. Cases:

* ``--v2-mib`` (20 MiB) through the SES v2 API: ours, django-ses 4.8.2, anymail;
* ``--v1-mib`` (6 MiB) through the v1 API: ours, django-ses (anymail has no v1);
* ``--refused-mib`` (8 MiB, over 10 MiB once MIME-encoded) through v1: ours
  refuses it for its size before any API call; django-ses has no size check
  and sends it (moto accepts it; SES would refuse it), so its figure is what
  the same message costs there.

The peers run in the virtualenvs bench/peers.py makes (bench/.venvs/, built
once with pip). Implementations run interleaved, ``--rounds`` times each; the
table shows medians. Targets (issue 11): v2 <= 5x, v1 <= 7x, the refusal about
1.5x. Not part of the test suite; needs the development extra (moto[server]).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402  (bench/peers.py: the peer virtualenvs and moto helpers)

WORKER = HERE / "_memory_worker.py"
CHILD_TIMEOUT = 600

#: Targets of issue 11, as a multiple of the attachment's size.
TARGETS = {"v2": 5.0, "v1": 7.0, "refused": 1.5}


@dataclass
class Case:
    key: str
    label: str
    api: str
    mebibytes: float
    impls: tuple[str, ...]
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def run_once(impl: peers.Implementation, case: Case, url: str, crt: bool) -> None:
    assert impl.python is not None
    peers.moto_reset(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    for key in [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
        del env[key]
    if impl.requirement is None:
        env["PYTHONPATH"] = str(peers.ROOT)
    if not crt:
        env["BOTO_DISABLE_CRT"] = "true"  # the same signer for all (see bench/peers.py)
    command = [
        impl.python,
        str(WORKER),
        f"--impl={impl.name}",
        f"--url={url}",
        f"--api={case.api}",
        f"--megabytes={case.mebibytes}",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=HERE, timeout=CHILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        case.errors[impl.name] = f"timed out after {CHILD_TIMEOUT} s"
        return
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-4:]
        case.errors[impl.name] = f"worker exited {done.returncode}: " + " | ".join(tail)
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    inside_checkout = Path(result["module_file"]).is_relative_to(peers.ROOT / "django_ses")
    if inside_checkout != (impl.requirement is None):
        case.errors[impl.name] = f"imported the wrong package: {result['module_file']}"
        return
    case.runs.setdefault(impl.name, []).append(result)


def median(case: Case, impl: str, key: str = "growth_ratio") -> float | None:
    runs = case.runs.get(impl)
    if not runs:
        return None
    return statistics.median(float(run[key]) for run in runs)


def print_results(cases: list[Case], impls: dict[str, peers.Implementation], rounds: int) -> None:
    print(f"\npeak RSS growth / attachment size, medians of {rounds} rounds")
    names = list(impls)
    header = f"  {'message':<34}" + "".join(f"{name:>22}" for name in names)
    print(header + f"{'target':>10}")
    for case in cases:
        cells = []
        for name in names:
            if name not in case.impls:
                cells.append(f"{'-':>22}")
            elif name in case.errors:
                cells.append(f"{'FAILED':>22}")
            else:
                value = median(case, name)
                runs = case.runs.get(name, [])
                spread = f"({min(r['growth_ratio'] for r in runs):.1f}-" + (
                    f"{max(r['growth_ratio'] for r in runs):.1f})"
                )
                cells.append(f"{value:6.2f}x {spread:>13}" if value is not None else f"{'?':>22}")
        target = TARGETS[case.key]
        print(f"  {case.label:<34}" + "".join(cells) + f"{'<= ' + format(target, '.1f') + 'x':>10}")
    print("\n  outcome of each run")
    for case in cases:
        for name in case.impls:
            outcomes = sorted({run["outcome"] for run in case.runs.get(name, [])})
            seconds = median(case, name, "seconds")
            note = case.errors.get(name) or ", ".join(outcomes)
            timing = f"{seconds:.2f} s" if seconds is not None else ""
            print(f"    {case.label:<34} {name:<12} {note} {timing}")
    print("\nratios, ours / peer (below 1: ours uses less)")
    for case in cases:
        ours = median(case, "ours")
        for name in case.impls[1:]:
            peer = median(case, name)
            if ours is None or peer is None:
                continue
            print(f"  {case.label:<34} vs {name:<12} {ours / peer:5.2f}")
    print("\ntargets")
    for case in cases:
        ours = median(case, "ours")
        target = TARGETS[case.key]
        verdict = "met" if ours is not None and ours <= target else "NOT met"
        shown = f"{ours:.2f}x" if ours is not None else "?"
        print(f"  {case.label:<34} ours {shown} (target <= {target:.1f}x): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--v2-mib", type=float, default=20.0)
    parser.add_argument("--v1-mib", type=float, default=6.0)
    parser.add_argument("--refused-mib", type=float, default=8.0)
    parser.add_argument("--only-ours", action="store_true", help="skip the peers")
    parser.add_argument(
        "--crt",
        action="store_true",
        help="let botocore use awscrt where installed (default: its pure-Python signer for all)",
    )
    args = parser.parse_args()

    impls = {"ours": peers.Implementation("ours", "ours", None, python=sys.executable)}
    if not args.only_ours:
        impls["django-ses"] = peers.Implementation("django-ses", "django-ses", "django-ses==4.8.2")
        impls["anymail"] = peers.Implementation("anymail", "anymail", "django-anymail[amazon-ses]")
    print(
        f"Python {sys.version.split()[0]}, Django {peers.django_release()}, {os.cpu_count()} CPUs"
    )
    for impl in list(impls.values())[1:]:
        peers.ensure_venv(impl)
        print(f"  {impl.name}: {impl.error or impl.python}")
    cases = [
        Case(
            "v2", f"{args.v2_mib:g} MiB on v2", "v2", args.v2_mib, ("ours", "django-ses", "anymail")
        ),
        Case("v1", f"{args.v1_mib:g} MiB on v1", "v1", args.v1_mib, ("ours", "django-ses")),
        Case(
            "refused",
            f"{args.refused_mib:g} MiB on v1 (over the limit)",
            "v1",
            args.refused_mib,
            ("ours", "django-ses"),
        ),
    ]
    for case in cases:
        case.impls = tuple(name for name in case.impls if name in impls and not impls[name].error)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        for round_number in range(1, args.rounds + 1):
            for case in cases:
                for name in case.impls:
                    run_once(impls[name], case, url, args.crt)
                    runs = case.runs.get(name)
                    status = case.errors.get(name) or (
                        f"{runs[-1]['growth_ratio']:.2f}x ({runs[-1]['outcome']})" if runs else "?"
                    )
                    print(f"  round {round_number} {case.label:<34} {name:<12} {status}")
    finally:
        server.stop()
    print_results(cases, impls, args.rounds)


if __name__ == "__main__":
    main()
