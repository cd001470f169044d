"""A subscriber's callbacks for tests of our built-in hub (WebSub §5.3, §7):
echo hub.challenge, remember verifications and deliveries by path.

    server = hub_callbacks.start()          # a ThreadingHTTPServer
    url = hub_callbacks.url(server, "/cb/1")
    Callbacks.seen["/cb/1"]   -> ["subscribe", ...]  (verifications)
    Callbacks.posts["/cb/1"]  -> [(headers dict, body bytes), ...]
    Callbacks.hold["/cb/1"] = threading.Event()  # verify once it is set
    Callbacks.hold_posts["/cb/1"] = threading.Event()  # answer deliveries
                                                      # once it is set
"""

import http.server
import threading
import urllib.parse

HOLD_SECONDS = 15.0  # a held verification answers after this at the latest


class Callbacks(http.server.BaseHTTPRequestHandler):
    seen = {}
    posts = {}
    hold = {}
    hold_posts = {}
    lock = threading.Lock()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with self.lock:
            self.seen.setdefault(u.path, []).append(q.get("hub.mode", [""])[0])
            hold = self.hold.get(u.path)
        if hold is not None:
            hold.wait(HOLD_SECONDS)
        body = q.get("hub.challenge", [""])[0].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.posts.setdefault(u.path, []).append(
                (dict(self.headers.items()), body))
            hold = self.hold_posts.get(u.path)
        if hold is not None:
            hold.wait(HOLD_SECONDS)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url(server, path):
    return "http://127.0.0.1:%d%s" % (server.server_address[1], path)
