#!/usr/bin/env python
"""Our SESBackend against the backends users choose between, at a local SES.

    python bench/peers.py [--messages 300] [--recipients 1] [--batch 50] [--rounds 3]
    python bench/peers.py --throughput [--rounds 3] [--quick]   # = bench/throughput.py

``--throughput`` runs bench/throughput.py instead, with the same peers
against the local SES stub of bench/ses_stub.py (latency, MaxSendRate,
throttling): concurrent batches, ``send_mail()`` calls, throttle accuracy and
batch memory, in one table (docs/performance.rst).

Implementations, each run in its own child process (bench/_peer_worker.py):

* ``ours``: ``django_ses.SESBackend`` from this checkout (the running venv);
* ``django-ses``: the published django-ses package from PyPI (same import
  name as ours, so it lives in its own virtualenv);
* ``anymail``: ``anymail.backends.amazon_ses.EmailBackend`` from
  ``django-anymail[amazon-ses]``.

The peer virtualenvs are made once with ``python -m venv`` + pip (peer + the
same Django feature release as this interpreter) and cached under
bench/.venvs/; delete a folder there to rebuild it. One moto server
(``ThreadedMotoServer``, 127.0.0.1, a free port) runs in this process; before
each run it is reset and the sender domain verified again. Throttling is off
for the backends that have it. Every run sends the same messages (text + HTML
alternative + a small attachment, ``--recipients`` To addresses and one Bcc)
in batches, each through a new ``get_connection().send_messages(batch)`` (as
``send_mail()`` does with batch 1), and reports messages/s, ms/message, the
worker's own CPU ms/message, peak RSS and the tracemalloc peak (of the whole
phase, and of the batches alone over one already-open connection). What moto
accepted is read back through its HTTP API (``/moto-api/data.json``): message
count, distinct recipients per message, whether the Bcc address got the
message, and whether it leaked into the MIME headers.

Implementations run interleaved, ``--rounds`` times each; the table shows the
medians (and the range of messages/s). Ratios are ours / peer: throughput
above 1 means ours is faster, CPU and memory below 1 mean ours uses less. The
wall clock includes moto's own work (it shares the machine), so the CPU time
of the sending process is the sharper measure of backend overhead. A peer
that fails to install or run is reported and skipped. Not part of the test
suite; needs the development extra (moto[server]) and PyPI for the first run.
"""

from __future__ import annotations

import argparse
import email
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from email import policy
from email.utils import parseaddr
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENVS = HERE / ".venvs"
WORKER = HERE / "_peer_worker.py"
BCC = "audit-bcc@example.org"
CHILD_TIMEOUT = 900


@dataclass
class Implementation:
    name: str
    label: str
    requirement: str | None  # None: this checkout, in the running interpreter
    python: str | None = None
    error: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)


def django_release() -> str:
    import django

    return "{}.{}".format(*django.VERSION[:2])


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(impl: Implementation) -> None:
    """Create (once) the peer's venv; on failure set ``impl.error``."""
    assert impl.requirement is not None
    release = django_release()
    slug = impl.name.replace("-", "_")
    folder = VENVS / f"{slug}-py{sys.version_info[0]}.{sys.version_info[1]}-django{release}"
    stamp = folder / ".installed"
    python = venv_python(folder)
    if stamp.exists() and python.exists():
        impl.python = str(python)
        return
    shutil.rmtree(folder, ignore_errors=True)
    print(f"  creating {folder.relative_to(ROOT)} ({impl.requirement}, Django~={release}.0)")
    steps = [
        [sys.executable, "-m", "venv", str(folder)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            impl.requirement,
            f"Django~={release}.0",
        ],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            impl.error = f"{' '.join(step[:4])}...: {exc}"
            return
        if done.returncode:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            impl.error = f"`{' '.join(step[2:])}` failed: " + " | ".join(tail)
            return
    stamp.write_text(impl.requirement + "\n")
    impl.python = str(python)


def moto_get(url: str, path: str) -> Any:
    with urllib.request.urlopen(url + path, timeout=60) as response:
        return json.loads(response.read())


def moto_reset(url: str) -> None:
    request = urllib.request.Request(url + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    import boto3

    client = boto3.client(
        "ses",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.verify_domain_identity(Domain="example.com")


def observed_at_moto(url: str) -> dict[str, Any]:
    """What moto's SES accepted since the last reset, read over HTTP.

    moto records, per message, the API ``Destinations`` followed by the To/Cc/Bcc
    addresses it parses from the MIME headers, so an address can appear twice;
    ``recipients`` counts distinct addresses per message.
    """
    ses = moto_get(url, "/moto-api/data.json").get("ses", {})
    raw = ses.get("RawMessage", [])
    formatted = ses.get("Message", [])  # SendEmail without raw content
    leaked = 0
    bcc_reached = 0
    recipients = 0
    for message in raw:
        parsed = email.message_from_string(message.get("raw_data", ""), policy=policy.compat32)
        headers = "\n".join(f"{k}: {v}" for k, v in parsed.items())
        if BCC in headers:
            leaked += 1
        addresses = {parseaddr(d)[1].lower() for d in message.get("destinations") or []}
        recipients += len(addresses)
        bcc_reached += BCC in addresses
    for message in formatted:
        dest = message.get("destinations") or {}
        addresses = {parseaddr(d)[1].lower() for v in dest.values() for d in v}
        recipients += len(addresses)
        bcc_reached += BCC in addresses
    return {
        "accepted": len(raw) + len(formatted),
        "accepted_raw": len(raw),
        "recipients": recipients,
        "bcc_reached": bcc_reached,
        "bcc_leaked": leaked,
    }


def run_once(impl: Implementation, url: str, args: argparse.Namespace) -> None:
    assert impl.python is not None
    moto_reset(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    for key in [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
        del env[key]
    if impl.requirement is None:
        env["PYTHONPATH"] = str(ROOT)
    if not args.crt:
        # Our development venv has awscrt (the ``crt`` extra); botocore then signs
        # with the CRT SigV4 signer, which costs more per request here than the
        # pure-Python one the peers' venvs use. Same signer for all by default.
        env["BOTO_DISABLE_CRT"] = "true"
    command = [
        impl.python,
        str(WORKER),
        f"--impl={impl.name}",
        f"--url={url}",
        f"--messages={args.messages}",
        f"--recipients={args.recipients}",
        f"--batch={args.batch}",
        f"--warmup={args.warmup}",
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=HERE, timeout=CHILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        impl.error = f"worker timed out after {CHILD_TIMEOUT} s"
        return
    if done.returncode:
        tail = done.stderr.strip().splitlines()[-6:]
        impl.error = f"worker exited {done.returncode}: " + " | ".join(tail)
        return
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        impl.error = f"worker printed no result: {done.stdout[-300:]!r}"
        return
    module_file = Path(result["module_file"])
    inside_checkout = module_file.is_relative_to(ROOT / "django_ses")
    if inside_checkout != (impl.requirement is None):
        impl.error = f"imported the wrong package: {module_file}"
        return
    result["moto"] = observed_at_moto(url)
    impl.runs.append(result)


def median(impl: Implementation, key: str) -> float:
    return statistics.median(float(run[key]) for run in impl.runs)


def print_results(impls: list[Implementation], args: argparse.Namespace) -> None:
    expected_msgs = args.warmup + 3 * args.messages
    expected_recipients = expected_msgs * (args.recipients + 1)
    ran = [impl for impl in impls if impl.runs and not impl.error]

    print(f"\nmedians of {args.rounds} runs")
    print(
        f"  {'implementation':<40} {'msg/s':>7} {'(range)':>13} {'ms/msg':>7} {'CPU ms/msg':>10} "
        f"{'peak RSS':>9} {'tracemalloc peak':>17} {'(batches only)':>15}"
    )
    for impl in impls:
        if impl not in ran:
            print(f"  {impl.label:<40} FAILED: {impl.error}")
            continue
        label = f"{impl.label} {impl.runs[-1]['version']}"
        if impl.runs[-1]["botocore_crt"]:
            label += " +crt"
        rates = [run["messages_per_s"] for run in impl.runs]
        spread = f"{min(rates):.0f}-{max(rates):.0f}"
        print(
            f"  {label:<40} {median(impl, 'messages_per_s'):7.1f} {spread:>13} "
            f"{median(impl, 'ms_per_message'):7.3f} "
            f"{median(impl, 'cpu_ms_per_message'):10.3f} "
            f"{median(impl, 'rss_peak_kib') / 1024:5.1f} MiB "
            f"{median(impl, 'tracemalloc_open_bytes') / 1024:13.0f} KiB "
            f"{median(impl, 'tracemalloc_send_bytes') / 1024:11.0f} KiB"
        )

    print(
        f"\nseen at moto, per run (expected {expected_msgs} messages = {args.warmup} warm-up + "
        f"3 x {args.messages}; {expected_recipients} recipients; Bcc reached {expected_msgs}; "
        "Bcc in MIME headers 0)"
    )
    print(f"  {'implementation':<40} {'accepted':>14} {'recipients':>16} {'Bcc reached':>14}")
    for impl in ran:
        moto = [run["moto"] for run in impl.runs]

        def column(key: str, moto: list[dict[str, Any]] = moto) -> str:
            return "/".join(str(m[key]) for m in moto)

        print(
            f"  {impl.label:<40} {column('accepted'):>14} {column('recipients'):>16} "
            f"{column('bcc_reached'):>14}   Bcc in MIME: {column('bcc_leaked')}"
        )

    ours = impls[0]
    if ours not in ran:
        print("\n  no ratios: our backend did not run")
        return
    print("\nratios, ours / peer (throughput > 1: ours faster; CPU and memory < 1: ours uses less)")
    for peer in ran[1:]:

        def ratio(key: str, peer: Implementation = peer) -> float:
            return median(ours, key) / median(peer, key)

        print(
            f"  vs {peer.label:<28} throughput {ratio('messages_per_s'):5.2f}   "
            f"CPU/message {ratio('cpu_ms_per_message'):5.2f}   "
            f"peak RSS {ratio('rss_peak_kib'):5.2f}   "
            f"tracemalloc {ratio('tracemalloc_open_bytes'):6.3f} "
            f"(batches only {ratio('tracemalloc_send_bytes'):5.2f})"
        )


def main() -> None:
    if "--throughput" in sys.argv[1:]:
        rest = [arg for arg in sys.argv[1:] if arg != "--throughput"]
        raise SystemExit(subprocess.call([sys.executable, str(HERE / "throughput.py"), *rest]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--recipients", type=int, default=1, help="To addresses per message")
    parser.add_argument("--batch", type=int, default=50, help="messages per connection")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--crt",
        action="store_true",
        help="let botocore use awscrt where installed (default: its pure-Python signer for all)",
    )
    args = parser.parse_args()

    impls = [
        Implementation("ours", "ours (django_ses.SESBackend)", None, python=sys.executable),
        Implementation("django-ses", "django-ses (PyPI)", "django-ses"),
        Implementation("anymail", "django-anymail amazon_ses", "django-anymail[amazon-ses]"),
    ]
    print(f"Python {sys.version.split()[0]}, Django {django_release()}, {os.cpu_count()} CPUs")
    print(f"botocore signer: {'as installed (--crt)' if args.crt else 'pure Python for all'}")
    print("peer virtualenvs:")
    for impl in impls[1:]:
        ensure_venv(impl)
        print(f"  {impl.label}: {impl.error or impl.python}")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    print(
        f"\n{args.messages} messages x {args.rounds} rounds, {args.recipients} To + 1 Bcc, "
        f"batches of {args.batch}, moto at {url}"
    )
    try:
        for round_number in range(1, args.rounds + 1):
            for impl in impls:
                if impl.error:
                    continue
                run_once(impl, url, args)
                status = impl.error or f"{impl.runs[-1]['messages_per_s']:.1f} msg/s"
                print(f"  round {round_number} {impl.label:<34} {status}")
    finally:
        server.stop()
    print_results(impls, args)


if __name__ == "__main__":
    main()
