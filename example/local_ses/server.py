"""moto's server on 127.0.0.1, in this process, with boto3 pointed at it."""

from __future__ import annotations

import logging
import os

from moto.server import ThreadedMotoServer

REGION = "us-east-1"

_running: LocalSES | None = None


class LocalSES:
    """A local AWS (moto) serving SES, SNS and S3 on 127.0.0.1."""

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.url = ""

    def start(self) -> str:
        """Start the server and return its URL."""
        global _running
        # moto's server logs every request through werkzeug; the example logs its own.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        _running = self
        return self.url

    def stop(self) -> None:
        global _running
        self._server.stop()
        _running = None


def running() -> LocalSES | None:
    """The local SES started in this process, if any."""
    return _running


def point_boto3_at(url: str) -> None:
    """Make every boto3 client in this process talk to ``url`` with dummy credentials.

    Real credentials from the environment or a profile are never used, so the
    example cannot send real mail by accident.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "example-local-ses",
            "AWS_SECRET_ACCESS_KEY": "example-local-ses",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": url,
            "AWS_ENDPOINT_URL_SES": url,
            "AWS_ENDPOINT_URL_SESV2": url,
            "AWS_ENDPOINT_URL_SNS": url,
            "AWS_ENDPOINT_URL_S3": url,
        }
    )
