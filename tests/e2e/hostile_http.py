#!/usr/bin/env python3
"""Hostile HTTP clients for tests/e2e/server_hostile.sh, on raw sockets.

  raw PORT [SRC]                  send stdin as the request; print the answer, then "closed"
                                  if the server closed the connection within 3 s, else "open"
  idle PORT N HOLD [SRC]          N connections that send a POST's headers and one byte of its
                                  body, then nothing; prints "open=A closed=B" after 1 s, holds
                                  them HOLD s, then prints "end: closed_by_server=C"
  drip PORT headers|body MAX      send a request one byte a second (its headers, or its body
                                  after the headers); print the seconds until the server closed
                                  the connection, or "open" after MAX s
  chunked PORT MAX_BYTES          send a chunked body of up to MAX_BYTES as fast as possible;
                                  print "STATUS SECONDS BYTES_SENT" once an answer comes (STATUS
                                  "reset" if the connection broke without one)
"""
import errno
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def connect(port, src=None, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((HOST, port))
    return s


def closed_by_peer(s):
    """True if the peer closed (EOF or reset); False if the connection is still open."""
    timeout = s.gettimeout()
    s.setblocking(False)
    try:
        while True:
            if s.recv(65536) == b"":
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.settimeout(timeout)


def raw(port, src=None):
    s = connect(port, src)
    s.sendall(sys.stdin.buffer.read())
    got = b""
    state = "open"
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            state = "closed"
            break
        if not data:
            state = "closed"
            break
        got += data
    sys.stdout.write(got.decode("utf-8", "backslashreplace"))
    print("\n" + state)


def idle(port, n, hold, src=None):
    head = (b"POST /v1/compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{")
    socks = []
    for _ in range(n):
        try:
            s = connect(port, src, timeout=2)
            s.sendall(head)
            socks.append(s)
        except OSError:
            pass
    time.sleep(1)
    closed = sum(1 for s in socks if closed_by_peer(s))
    print(f"open={len(socks) - closed} closed={n - len(socks) + closed}", flush=True)
    time.sleep(hold)
    print(f"end: closed_by_server={n - len(socks) + sum(1 for s in socks if closed_by_peer(s))}",
          flush=True)


def drip(port, what, limit):
    s = connect(port)
    head = b"POST /v1/compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if what == "body":
        s.sendall(head + b"Content-Length: 100000\r\n\r\n")
        payload = b"{" + b" " * 99999
    else:
        payload = b"X-Slow: " + b"a" * 10000
    start = time.monotonic()
    for i in range(len(payload)):
        if time.monotonic() - start > limit:
            print("open")
            return
        try:
            s.send(payload[i:i + 1])
        except OSError:
            break
        r, _, _ = select.select([s], [], [], 1)
        if r and closed_by_peer(s):
            break
    print(f"{time.monotonic() - start:.1f}")


def chunked(port, limit):
    s = connect(port)
    s.sendall(b"POST /v1/compile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b" " * 0x100000 + b"\r\n"
    s.setblocking(False)
    sent = 0
    start = time.monotonic()
    pending = b""
    while sent < limit:
        r, w, _ = select.select([s], [s], [], 5)
        if r:
            break
        if not w:
            continue
        if not pending:
            pending = chunk
        try:
            n = s.send(pending)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                continue
            print(f"reset {time.monotonic() - start:.2f} {sent}")
            return
        pending = pending[n:]
        sent += n
    s.setblocking(True)
    s.settimeout(5)
    try:
        answer = s.recv(4096)
    except OSError:
        answer = b""
    status = answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/1.") else "reset"
    print(f"{status} {time.monotonic() - start:.2f} {sent}")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    if cmd == "raw":
        raw(port, *args)
    elif cmd == "idle":
        idle(port, int(args[0]), float(args[1]), *args[2:])
    elif cmd == "drip":
        drip(port, args[0], float(args[1]))
    elif cmd == "chunked":
        chunked(port, int(args[0]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
