"""A real local HTTP receiver for webhook tests: a thread running http.server."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECEIVER_PORT = 0  # a free port the system picks: nothing else on the machine can hold it


class Receiver:
    """Records every POST (headers, body) and answers from `responses` (status codes, or
    ("hang", seconds) to hold the connection), then 200 once they run out."""

    def __init__(self, port: int = RECEIVER_PORT):
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.responses: list = []
        self.received = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.received:
                    receiver.requests.append((dict(self.headers.items()), body))
                    plan = receiver.responses.pop(0) if receiver.responses else 200
                    receiver.received.notify_all()
                if isinstance(plan, tuple) and plan[0] == "hang":
                    time.sleep(plan[1])
                    plan = 200
                if isinstance(plan, tuple) and plan[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", plan[1])
                    self.end_headers()
                    return
                self.send_response(plan)
                self.send_header("Content-Length", "2")
                self.end_headers()
                try:
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        with self.received:
            ok = self.received.wait_for(lambda: len(self.requests) >= count, timeout)
        assert ok, f"expected {count} request(s), got {len(self.requests)}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
