#!/usr/bin/env python3
"""py_client.py HOST PORT [--method tls1|tls1_1|any] -- a careless Python TLS client.

SSLContext(PROTOCOL_TLS_CLIENT) with check_hostname off, CERT_NONE, a TLS 1.0
floor (or exactly the version --method names) and 'DEFAULT:@SECLEVEL=0'
ciphers; wrap_socket(server_hostname=HOST) (Python sends no SNI for an IP
literal), sendall one payload "TLSGUARD-PAYLOAD py_client\\n".
Exit 0 when the payload was sent, 1 when TLS or the write failed (the exception
text is printed), 2 on setup errors (usage, resolution, TCP connect).
Python's _ssl drives the handshake with SSL_set_connect_state + SSL_do_handshake.
"""
import socket
import ssl
import sys
import warnings

PROGNAME = "py_client"


def main(argv):
    method = "any"
    if len(argv) == 5 and argv[3] == "--method" and argv[4] in ("tls1", "tls1_1", "any"):
        method = argv[4]
    elif len(argv) != 3:
        print("usage: py_client.py HOST PORT [--method tls1|tls1_1|any]", file=sys.stderr)
        return 2
    host, port = argv[1], argv[2]
    payload = ("TLSGUARD-PAYLOAD %s\n" % PROGNAME).encode()

    # TLSv1/TLSv1_1 and their setters are deprecated: that is the point here.
    warnings.simplefilter("ignore", DeprecationWarning)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if method == "tls1":
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    elif method == "tls1_1":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1

    try:
        sock = socket.create_connection((host, int(port)), timeout=5)
    except OSError as e:
        print("connect to %s port %s failed: %s" % (host, port, e))
        return 2
    try:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            tls.sendall(payload)
            print("sent %d bytes over %s" % (len(payload), tls.version()))
            tls.settimeout(0.25)
            try:
                tls.recv(256)  # drain TLS 1.3 tickets; result ignored
            except (OSError, ssl.SSLError):
                pass
    except (OSError, ssl.SSLError) as e:
        print("TLS failed: %s: %s" % (type(e).__name__, e))
        return 1
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
