"""The example's local SES: :class:`django_ses.testing.LocalSES`, set up like an account.

``run.py`` starts it (:func:`start`) on ``EXAMPLE_LOCAL_SES_URL``; the demo
pages read what it accepted (:func:`running`), and ``provision`` creates the
example's identity, topics and receipt rules in it.
"""

from __future__ import annotations

from django_ses.testing import LocalSES, Quota

#: The local SES's quota in the demo: a production account's rate, so
#: AWS_SES_AUTO_THROTTLE (0.5) paces sends at 50 recipients per second.
QUOTA = Quota(max_send_rate=100.0, max_24_hour_send=50000.0, production_access=True)

_running: LocalSES | None = None


def start(port: int) -> LocalSES:
    """Start the local SES on 127.0.0.1:``port`` (0: a free port)."""
    global _running
    local = LocalSES(port=port, quota=QUOTA)
    local.start()
    _running = local
    return local


def stop() -> None:
    global _running
    if _running is not None:
        _running.stop()
        _running = None


def running() -> LocalSES | None:
    """The local SES started in this process, if any."""
    return _running
