"""The audit log's small HTTP services (witness, signer): POST routes with text bodies.

Standard library only (``http.server``, ``urllib``): they run on localhost or a private
network next to a database, not as public web servers.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)

MAX_REQUEST = 1 << 20  # a checkpoint with 63 proof lines fits in a few KiB


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, text body, content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


Route = Callable[[bytes], Answer]


def text_server(routes: Mapping[str, Route], host: str, port: int) -> ThreadingHTTPServer:
    """A threaded server answering ``POST <path>`` with ``routes[path](body)``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as tlog-witness recommends

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            route = routes.get(self.path)
            if route is None:
                answer = Answer(404, f"only {', '.join(routes)} served here\n")
            elif not 0 <= length <= MAX_REQUEST:
                answer = Answer(400, "oversized request body\n")
            else:
                answer = route(self.rfile.read(length))
            body = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # Any: as http.server declares it
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)


def run(server: ThreadingHTTPServer, announce: Callable[[str], None]) -> None:
    """Announce the server's URL (port 0 picks a free one), then serve until interrupted."""
    host, port = server.server_address[:2]
    announce(f"http://{host!s}:{port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def post(url: str, body: str, timeout: float) -> tuple[int, str, str]:
    """POST text; (status, body, content type), with status 0 when nothing answered."""
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (
                response.status,
                response.read().decode("utf-8"),
                response.headers.get_content_type(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), exc.headers.get_content_type()
    except (OSError, urllib.error.URLError) as exc:
        return 0, f"unreachable: {exc}", ""
