"""A model file served over HTTP from a thread, the way a release server (or a bad network)
serves it: whole, slowly, cut short, or not at all."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def random_weights(path: Path) -> Path:
    """Real YOLO weights: yolo11n's architecture with random weights, as ``yolo11n.pt`` would be."""
    from ultralytics import YOLO

    YOLO("yolo11n.yaml").save(str(path))
    return path


class ModelServer:
    """Serves ``files`` at ``/NAME``. ``cut_after``: bytes sent before the connection closes
    (the Content-Length still announces them all); ``delay``: seconds between 64 kB chunks."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.cut_after: int | None = None
        self.delay = 0.0
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append(self.path)
                body = outer.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                end = len(body) if outer.cut_after is None else outer.cut_after
                try:
                    for start in range(0, end, 1 << 16):
                        self.wfile.write(body[start:min(start + (1 << 16), end)])
                        self.wfile.flush()
                        if outer.delay:
                            time.sleep(outer.delay)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client cancelled
                if outer.cut_after is not None:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
