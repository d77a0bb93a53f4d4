#!/usr/bin/env python3
"""The peer of bench/process.py's clients: a TLS server on 127.0.0.1.

    python3 bench/tls_server.py PORT CERT KEY

One thread per connection. A request that starts with "GET" gets a short
HTTP/1.0 answer (curl, urllib); anything else is read and dropped until the
client closes (bench_client's handshakes and bulk writes). Runs until killed.
"""

import socket
import ssl
import sys
import threading


def serve(ctx, raw):
    try:
        with ctx.wrap_socket(raw, server_side=True) as conn:
            data = conn.recv(65536)
            if data.startswith(b"GET"):
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                return
            while data:
                data = conn.recv(1 << 20)
    except (OSError, ssl.SSLError):
        raw.close()


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(128)
    while True:
        raw, _ = lsock.accept()
        threading.Thread(target=serve, args=(ctx, raw), daemon=True).start()


if __name__ == "__main__":
    main()
