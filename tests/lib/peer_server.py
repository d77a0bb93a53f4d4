#!/usr/bin/env python3
"""peer_server.py --port P --cert C --key K --min V --max V --log FILE [--ciphers C] [--close]
                 [--greet TEXT]

A TLS test peer on 127.0.0.1 that writes one JSON line per connection to
FILE: the protocol version and cipher it negotiated (or why the handshake
failed), and every application byte it received. It answers a complete
request (HTTP headers plus Content-Length body, or one line) with a small
HTTP 200, so HTTP clients finish normally. Versions: TLSv1, TLSv1_1,
TLSv1_2, TLSv1_3. Ciphers are 'DEFAULT:@SECLEVEL=0' (which OpenSSL 3 needs for
TLS 1.0/1.1) unless --ciphers says otherwise ('' : Python's own default).
After its answer it goes on counting what the client sends until the client
stops; --close: it ends the connection itself (close_notify) right after the
answer, for clients that read until the server closes. --greet: it speaks
first, TEXT and a newline right after the handshake (application data the
client never asked for). Every accepted connection is counted, one line in
FILE.accepted, before it is served, so that a driver can wait until each has
been logged (a client may exit before this peer has read its bytes).
RecordingPeer in
tests/lib/servers.py runs it. python3 standard library only.
"""
import argparse
import json
import socket
import ssl
import threading
import warnings

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


def request_complete(data: bytes) -> bool:
    """A whole HTTP request (headers and Content-Length body), or one line of a
    plain payload."""
    if data.startswith((b"GET ", b"POST ", b"PUT ", b"HEAD ")):
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value.strip() or 0)
        return True
    return b"\n" in data


class Log:
    def __init__(self, path):
        self.path, self.lock, self.seq = path, threading.Lock(), 0

    def write(self, record):
        with self.lock:
            self.seq += 1
            record["seq"] = self.seq
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")


def serve(conn, ctx, log, close, greet):
    rec = {"version": None, "cipher": None, "error": None, "bytes": 0, "data": ""}
    data = b""
    try:
        conn.settimeout(5)
        tls = ctx.wrap_socket(conn, server_side=True)
    except (OSError, ssl.SSLError) as e:
        rec["error"] = "handshake failed: %s" % e
        log.write(rec)
        conn.close()
        return
    rec["version"], rec["cipher"] = tls.version(), tls.cipher()[0]
    try:
        answered = False
        tls.settimeout(3)
        if greet is not None:
            tls.sendall(greet.encode() + b"\n")
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
            if not answered and request_complete(data):
                tls.sendall(RESPONSE)
                answered = True
                if close:
                    tls.settimeout(0)  # our close_notify goes out; the client's is not awaited
                    try:
                        tls.unwrap()
                    except (OSError, ssl.SSLError):
                        pass
                    break
                tls.settimeout(0.5)  # whatever else the client sends is counted too
    except (OSError, ssl.SSLError) as e:
        if not isinstance(e, socket.timeout):
            rec["error"] = "after handshake: %s" % e
    finally:
        rec["bytes"], rec["data"] = len(data), data.decode("latin-1")
        log.write(rec)
        tls.close()


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--port", "--cert", "--key", "--min", "--max", "--log"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--ciphers", default="DEFAULT:@SECLEVEL=0")
    ap.add_argument("--close", action="store_true")
    ap.add_argument("--greet", default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    ctx.minimum_version = getattr(ssl.TLSVersion, args.min)
    ctx.maximum_version = getattr(ssl.TLSVersion, args.max)
    ctx.load_cert_chain(args.cert, args.key)
    log = Log(args.log)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(args.port)))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        with open(args.log + ".accepted", "a") as f:
            f.write("1\n")
        threading.Thread(target=serve, args=(conn, ctx, log, args.close, args.greet),
                         daemon=True).start()


if __name__ == "__main__":
    main()
