"""Django's development server, run in a background thread of this process.

The example serves Django in the same process as the local SES so the pages can
read what moto received. Requests are logged like ``manage.py runserver`` does.
"""

from __future__ import annotations

import threading

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application


class BackgroundServer:
    """A threaded WSGI server for the example on ``host:port`` (0: a free port)."""

    def __init__(self, host: str, port: int) -> None:
        self._httpd = ThreadedWSGIServer((host, port), WSGIRequestHandler, allow_reuse_address=True)
        self._httpd.set_app(StaticFilesHandler(get_wsgi_application()))
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.url = f"http://{bound_host}:{bound_port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="example-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
