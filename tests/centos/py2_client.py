# -*- coding: utf-8 -*-
"""py2_client.py MODE HOST PORT [CAFILE] -- the user's Python 2.7 TLS clients.

Runs on Python 2.7 (2.7.6 has no SSLContext, no SNI, and no certificate
checks in urllib2/httplib). Sends one payload "TLSGUARD-PAYLOAD <mode>\\n"
(as a POST body, or raw for wrap_tls1) to https://HOST:PORT/:
  requests          requests.post(url, data=payload, verify=CAFILE)
  requests_noverify requests.post(url, data=payload, verify=False)
  urllib2           urllib2.urlopen(url, payload)
  httplib           httplib.HTTPSConnection(HOST, PORT).request("POST", "/", payload)
  wrap_tls1         ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLSv1), sendall
Prints "OK <what came back>" and exits 0, or prints "ERROR <type>: <text>"
(the exception as the program sees it) and exits 1; exit 2: usage.
requests must be on PYTHONPATH.
"""
from __future__ import print_function

import socket
import ssl
import sys
import warnings


def run(mode, host, port, cafile):
    url = "https://%s:%d/" % (host, port)
    payload = "TLSGUARD-PAYLOAD %s\n" % mode
    if mode in ("requests", "requests_noverify"):
        import requests
        warnings.simplefilter("ignore")  # InsecureRequestWarning for verify=False
        r = requests.post(url, data=payload, verify=cafile if mode == "requests" else False,
                          timeout=10)
        return "HTTP %d %r" % (r.status_code, r.text)
    if mode == "urllib2":
        import urllib2
        r = urllib2.urlopen(url, payload, timeout=10)
        return "HTTP %d %r" % (r.getcode(), r.read())
    if mode == "httplib":
        import httplib
        c = httplib.HTTPSConnection(host, port, timeout=10)
        c.request("POST", "/", payload)
        r = c.getresponse()
        return "HTTP %d %r" % (r.status, r.read())
    if mode == "wrap_tls1":
        sock = socket.create_connection((host, port), timeout=10)
        tls = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLSv1)
        tls.sendall(payload)
        reply = tls.recv(256)
        tls.close()
        return "sent %d bytes, got %r" % (len(payload), reply[:40])
    raise SystemExit("unknown mode %s" % mode)


def main(argv):
    if len(argv) not in (4, 5):
        print("usage: py2_client.py MODE HOST PORT [CAFILE]", file=sys.stderr)
        return 2
    cafile = argv[4] if len(argv) == 5 else None
    try:
        print("OK " + run(argv[1], argv[2], int(argv[3]), cafile))
    except Exception as e:  # what the user would see, whatever the library
        print("ERROR %s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
