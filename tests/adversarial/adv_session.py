#!/usr/bin/env python3
"""adv_session.py PORT TLS — python3 ssl: a session got for attacker.test (its
own certificate) offered with session= for server_hostname victim.test.
No verification of its own (CERT_NONE): a careless program. Prints
"session reused: yes|no"; exit 0 when the marker was written, 1 on an error
(the exception text printed)."""
import socket
import ssl
import sys


def connect(ctx, port, name, session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname=name, session=session)


def main():
    port, tls = int(sys.argv[1]), sys.argv[2]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    v = ssl.TLSVersion.TLSv1_2 if tls == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = v
    try:
        s = connect(ctx, port, "attacker.test")
        s.sendall(b"ADV-FIRST\n")
        s.settimeout(0.5)
        try:
            s.recv(10)         # TLS 1.3 tickets arrive after the handshake
        except (socket.timeout, ssl.SSLError):
            pass
        sess = s.session
        s.close()
        s = connect(ctx, port, "victim.test", sess)
        print("session reused: %s" % ("yes" if s.session_reused else "no"))
        s.sendall(b"ADV-MARKER python/session\n")
        print("marker written")
        s.close()
    except (OSError, ssl.SSLError) as e:
        print("error: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
