#!/usr/bin/env python3
"""A registry front that speaks the distribution spec's token flow, for the tests.

Every /v2/ request needs "Authorization: Bearer T" with a token T that GET /token issued;
without it the answer is 401 with "WWW-Authenticate: Bearer realm=...,service=...,scope=...".
/token wants Basic credentials alice:s3cret. Requests with a good token go to the registry
behind (plain HTTP). Usage: token_proxy.py PORTFILE UPSTREAM_HOST:PORT LOG
"""
import base64
import http.client
import http.server
import json
import secrets
import sys

PORTFILE, UPSTREAM, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
TOKENS = set()


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        log("%s %s" % (self.command, self.path))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def token(self):
        want = "Basic " + base64.b64encode(b"alice:s3cret").decode()
        if self.headers.get("Authorization") != want:
            log("token refused")
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        tok = secrets.token_hex(16)
        TOKENS.add(tok)
        log("token issued for %s" % self.path)
        self.reply(200, json.dumps({"token": tok}).encode(),
                   [("Content-Type", "application/json")])

    def forward(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            repo = self.path.split("/")[2] if self.path.count("/") > 2 else "x"
            realm = 'Bearer realm="http://%s/token",service="eucc-test",scope="repository:%s:pull,push"' % (
                self.headers.get("Host"), repo)
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}',
                              [("WWW-Authenticate", realm),
                               ("Content-Type", "application/json")])
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("authorization", "host", "content-length")}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        up = http.client.HTTPConnection(UPSTREAM, timeout=30)
        up.request(self.command, self.path, body=body, headers=headers)
        r = up.getresponse()
        data = r.read()
        out = []
        for k, v in r.getheaders():
            if k.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            if k.lower() == "location":
                v = v.replace("http://" + UPSTREAM, "http://" + self.headers.get("Host"))
            out.append((k, v))
        up.close()
        self.send_response(r.status)
        for k, v in out:
            self.send_header(k, v)
        self.send_header("Content-Length", r.getheader("Content-Length") or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def route(self):
        if self.path.startswith("/token"):
            return self.token()
        return self.forward()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = route


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
