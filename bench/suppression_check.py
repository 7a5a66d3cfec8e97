#!/usr/bin/env python
"""The suppression-list pre-check: what it adds to a send of many new recipients.

    python bench/suppression_check.py [--recipients 500] [--latency 0.02] [--rounds 3]

Runs in this process against the package's local SES (django_ses.testing),
with ``--latency`` seconds added to every ``GetSuppressedDestination`` call
(a round trip to SES), a local-memory cache large enough for every answer,
and one address in ten on the account's suppression list. Prints, as medians
of ``--rounds``, the seconds of :meth:`SuppressionListCheck.suppressed` for
``--recipients`` addresses never seen (one lookup each), one after the other
(concurrency 1) and 8 at once (the default ``AWS_SES_SEND_CONCURRENCY``), then
for the same addresses again (every answer cached: no call), and the number
of lookups the local SES received.

Not part of the test suite; the peers have no such check to compare with.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test.utils import override_settings

    from django_ses import SESBackend
    from django_ses.testing import LocalSES

    local = LocalSES()
    local.start()

    def answer(call):  # type: ignore[no-untyped-def]
        time.sleep(args.latency)
        return local.forward(call)

    caches = {
        "bench": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10 * args.recipients * args.rounds},
        }
    }
    results: dict[str, list[float]] = {"new, 1 at once": [], "new, 8 at once": [], "cached": []}
    lookups: list[int] = []
    with override_settings(
        AWS_SES_REGION_ENDPOINT_URL=local.url,
        AWS_SES_CHECK_SUPPRESSION_LIST=True,
        CACHES=caches,
        AWS_SES_SUPPRESSION_LIST_CACHE="bench",
    ):
        for _ in range(args.rounds):
            for concurrency in (1, 8):
                local.reset()
                local.respond("sesv2", "GetSuppressedDestination", answer)
                addresses = [
                    f"u{i}-{uuid.uuid4().hex[:8]}@example.org" for i in range(args.recipients)
                ]
                for address in addresses[::10]:
                    local.ses.suppression.add(address)
                check = SESBackend(concurrency=concurrency).suppression_list_check()
                assert check is not None
                began = time.perf_counter()
                found = check.suppressed(addresses)
                results[f"new, {concurrency} at once"].append(time.perf_counter() - began)
                assert len(found) == len(addresses[::10])
                began = time.perf_counter()
                assert check.suppressed(addresses) == found
                results["cached"].append(time.perf_counter() - began)
                lookups.append(len(local.calls("sesv2", "GetSuppressedDestination")))
    local.stop()

    print(
        f"{args.recipients} addresses, {args.latency * 1000:.0f} ms per lookup, "
        f"medians of {args.rounds} rounds"
    )
    print(f"{'case':<16} {'seconds':>8} {'ms/address':>11}")
    for name, runs in results.items():
        seconds = statistics.median(runs)
        print(f"{name:<16} {seconds:>8.3f} {seconds / args.recipients * 1000:>11.2f}")
    print(f"lookups per run (new, then cached): {sorted(set(lookups))}")


if __name__ == "__main__":
    main()
