#!/usr/bin/env python3
"""peer_server.py --port P --cert C --key K --min V --max V --log FILE

A TLS test peer on 127.0.0.1 that writes one JSON line per connection to
FILE: the protocol version and cipher it negotiated (or why the handshake
failed), and every application byte it received. It answers a complete
request (HTTP headers plus Content-Length body, or one line) with a small
HTTP 200, so HTTP clients finish normally. Versions: TLSv1, TLSv1_1,
TLSv1_2, TLSv1_3. Ciphers are 'DEFAULT:@SECLEVEL=0', which OpenSSL 3 needs
for TLS 1.0/1.1. python3 standard library only.
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


def serve(conn, ctx, log):
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
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
            if not answered and request_complete(data):
                tls.sendall(RESPONSE)
                answered = True
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
    args = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
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
        threading.Thread(target=serve, args=(conn, ctx, log), daemon=True).start()


if __name__ == "__main__":
    main()
