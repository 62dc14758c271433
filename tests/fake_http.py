"""Shared plumbing for the FAKE HTTP servers that stand in for services no real server can be run for here
(Ranger admin, Oozie, HBase REST): a JSON-answering handler base and a context manager serving it on loopback."""
import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    def send_json(self, body, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serving(handler):
    """Serve `handler` on a free loopback port; yields the base URL."""
    srv = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
