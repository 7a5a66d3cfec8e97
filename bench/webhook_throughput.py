#!/usr/bin/env python
"""Workload (e): verified SNS notifications through the webhook, ours against django-ses.

    python bench/webhook_throughput.py [--notifications 2000] [--rounds 3]
        [--postgres postgres://postgres@127.0.0.1:5432/bench_db] [--profile 30]

Each run is a fresh child process (bench/_webhook_worker.py) that POSTs
``--notifications`` signed SES ``Delivery`` notifications (SignatureVersion 1)
through Django's test client to one implementation's ``SESEventWebhookView``,
with the signing certificate already in that implementation's cache (a
certificate made in the child, cached under an ``sns.us-east-1.amazonaws.com``
URL: nothing is fetched, and no setting widens what production trusts).
Implementations:

* ``ours``: this checkout, verification on, every MessageId recorded once in
  ``SNSNotification`` (de-duplication on), on SQLite in memory;
* ``ours, no verification``: the same with ``AWS_SES_VERIFY_EVENT_SIGNATURES = False``;
* ``ours on PostgreSQL`` (with ``--postgres``, a database the run may write to);
* ``django-ses``: django-ses 4.8.2 with its ``events`` extra (cryptography,
  requests), in a virtualenv under bench/.venvs/ made with bench/peers.py's
  helper; it verifies but records nothing;
* ``… with a receiver``: ours and django-ses with a receiver that does nothing
  connected to ``delivery_received``. Without one, nothing listens to the
  Delivery events and ours writes its row without a transaction around the
  (empty) dispatch; with one, the row commits together with the receivers.

Runs are interleaved, ``--rounds`` times each; the table shows medians. The
wall-clock rate depends on what else the machine runs; the CPU time of the
child per notification is the steadier figure, and "CPU-bound rate" is its
inverse. Target (issue 11): ours, verified and de-duplicated, at least
django-ses's verified rate. ``--profile N`` prints our N most expensive
functions (cProfile, cumulative) from one extra run. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402  (bench/peers.py: the peer virtualenvs)

WORKER = HERE / "_webhook_worker.py"
CHILD_TIMEOUT = 600


@dataclass
class Variant:
    label: str
    impl: peers.Implementation
    flags: list[str]
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def run_once(variant: Variant, args: argparse.Namespace, extra: list[str] | None = None) -> str:
    impl = variant.impl
    assert impl.python is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO"))}
    if impl.requirement is None:
        env["PYTHONPATH"] = str(peers.ROOT)
    command = [
        impl.python,
        str(WORKER),
        f"--impl={'ours' if impl.requirement is None else 'django-ses'}",
        f"--notifications={args.notifications}",
        *variant.flags,
        *(extra or []),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=HERE, timeout=CHILD_TIMEOUT
    )
    if done.returncode:
        variant.error = "worker failed: " + " | ".join(done.stderr.strip().splitlines()[-4:])
        return ""
    result = json.loads(done.stdout.strip().splitlines()[-1])
    inside = Path(result["module_file"]).is_relative_to(peers.ROOT / "django_ses")
    if inside != (impl.requirement is None):
        variant.error = f"imported the wrong package: {result['module_file']}"
        return ""
    if result["ok"] != args.notifications or (
        result["rows"] is not None and result["rows"] != args.notifications
    ):
        variant.error = f"not every notification was processed once: {result}"
        return ""
    if not extra:
        variant.runs.append(result)
    return done.stderr


def median(variant: Variant, key: str) -> float:
    return statistics.median(float(run[key]) for run in variant.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="also run ours on this PostgreSQL database URL")
    parser.add_argument("--profile", type=int, default=0, help="print our N costliest functions")
    args = parser.parse_args()

    ours = peers.Implementation("ours", "ours", None, python=sys.executable)
    django_ses = peers.Implementation(
        "django-ses-events", "django-ses[events]", "django-ses[events]==4.8.2"
    )
    print(
        f"Python {sys.version.split()[0]}, Django {peers.django_release()}, "
        f"{os.cpu_count()} CPUs, {args.notifications} notifications per run"
    )
    peers.ensure_venv(django_ses)
    print(f"  django-ses: {django_ses.error or django_ses.python}")
    variants = [Variant("ours (verified, de-duplicated, SQLite)", ours, [])]
    variants.append(Variant("ours (no verification, SQLite)", ours, ["--no-verify"]))
    if args.postgres:
        variants.append(
            Variant(
                "ours (verified, de-duplicated, PostgreSQL)", ours, ["--database", args.postgres]
            )
        )
    variants.append(
        Variant("ours (verified, de-duplicated, a receiver, SQLite)", ours, ["--receiver"])
    )
    peer = Variant("django-ses 4.8.2 (verified)", django_ses, [])
    peer_receiver = Variant("django-ses 4.8.2 (verified, a receiver)", django_ses, ["--receiver"])
    for variant in (peer, peer_receiver):
        variant.error = django_ses.error
        variants.append(variant)

    for round_number in range(1, args.rounds + 1):
        for variant in variants:
            if variant.error:
                continue
            run_once(variant, args)
            status = variant.error or (
                f"{variant.runs[-1]['per_s']:.0f}/s, {variant.runs[-1]['cpu_ms']:.3f} CPU ms"
            )
            print(f"  round {round_number} {variant.label:<52} {status}")

    print(f"\nmedians of {args.rounds} rounds")
    print(
        f"  {'implementation':<52} {'notif./s':>9} {'CPU ms/notif.':>14} {'CPU-bound rate':>15} "
        f"{'redelivered/s':>14}"
    )
    for variant in variants:
        if variant.error or not variant.runs:
            print(f"  {variant.label:<52} FAILED: {variant.error}")
            continue
        cpu = median(variant, "cpu_ms")
        print(
            f"  {variant.label:<52} {median(variant, 'per_s'):9.0f} {cpu:14.3f} "
            f"{1000 / cpu:13.0f}/s {median(variant, 'redelivered_per_s'):14.0f}"
        )
    if peer.runs and variants[0].runs:
        print("\nratios to django-ses verified (with a receiver: to it with one), above 1 faster")
        for variant in variants:
            against = peer_receiver if "--receiver" in variant.flags else peer
            if not variant.runs or variant.impl is django_ses or not against.runs:
                continue
            wall = median(variant, "per_s") / median(against, "per_s")
            cpu = median(against, "cpu_ms") / median(variant, "cpu_ms")
            print(f"  {variant.label:<52} rate {wall:5.2f}   CPU-bound rate {cpu:5.2f}")
        target = median(peer, "per_s")
        achieved = median(variants[0], "per_s")
        verdict = "met" if achieved >= target else "NOT met"
        print(f"\ntarget: ours verified >= django-ses verified ({target:.0f}/s): {verdict}")
    if args.profile and not variants[0].error:
        print(f"\nprofile of ours (verified, de-duplicated, SQLite), top {args.profile}:")
        print(run_once(variants[0], args, ["--profile", str(args.profile)]))


if __name__ == "__main__":
    main()
