"""GnuTLS and NSS programs in the whole-process rows of `make bench`
(bench/process.py measures them as it does OpenSSL's; bench/run.py
`--only gnutls` / `--only nss` runs just these).

Each is a set of client processes against bench/tls_server.py, callgrind
without and with the shim, targets beside: one verified connection
(whole process) within 3 %, 100 handshakes within 2 %.

  gnutls  bench/bench_gnutls.c (libgnutls, its own CA file, verifying by
          gnutls_session_set_verify_cert), wget and gnutls-cli (both on
          libgnutls here) with the test CA as their CA file
  nss     bench/bench_nss.c (NSS, a certificate database of its own with the
          test CA trusted, NSS's default auth-certificate hook) and a
          libcurl-nss client (tests/nss/curl_nss.c: CentOS's curl) with
          --cacert, i.e. CURLOPT_CAINFO
"""

import os
import shutil
import subprocess


class Programs:
    """Quacks like tests/lib/tgtest.py's OpensslBuild where bench/process.py
    looks: name, label, env, version, and rows of its own."""

    def __init__(self, name, label, version):
        self.name, self.label, self.version = name, label, version
        self.env, self.cflags, self.ldflags = {}, [], []
        self.client = None


def _pkg(what, *names):
    p = subprocess.run(["pkg-config", what] + list(names), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout.decode().split() if p.returncode == 0 else None


def available(names):
    """The Programs sets among `names` that this machine can build and run,
    and a line per set it cannot."""
    out, skipped = [], []
    for name in names:
        if name == "gnutls":
            v = _pkg("--modversion", "gnutls")
            if v is None or not shutil.which("wget") or not shutil.which("gnutls-cli"):
                skipped.append("gnutls: needs libgnutls28-dev (pkg-config gnutls), wget, gnutls-bin")
                continue
            out.append(Programs("gnutls", "GnuTLS %s" % v[0], "GnuTLS %s" % v[0]))
        elif name == "nss":
            v = _pkg("--modversion", "nss")
            if v is None or not shutil.which("certutil") or not _has_lib("libcurl-nss.so.4"):
                skipped.append("nss: needs libnss3-dev, libnspr4-dev, libnss3-tools, libcurl3-nss")
                continue
            out.append(Programs("nss", "NSS %s" % v[0], "NSS %s" % v[0]))
    return out, skipped


def _has_lib(soname):
    p = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return soname in p.stdout.decode(errors="replace")


def build(b, o, cflags, here, repo):
    """The set's clients into <build>/bench; NSS's certificate database."""
    out = os.path.join(b.args.build, "bench")
    if o.name == "gnutls":
        o.client = os.path.join(out, "bench_gnutls")
        subprocess.run(["cc"] + cflags + ["-o", o.client, os.path.join(here, "bench_gnutls.c")]
                       + _pkg("--libs", "gnutls"), check=True, cwd=repo)
    else:
        o.client = os.path.join(out, "bench_nss")
        subprocess.run(["cc"] + cflags + _pkg("--cflags", "nss") + ["-o", o.client, os.path.join(here, "bench_nss.c")]
                       + _pkg("--libs", "nss"), check=True, cwd=repo)
        o.curl = os.path.join(out, "nss_curl")
        subprocess.run(["cc"] + cflags + ["-o", o.curl, os.path.join(repo, "tests", "nss", "curl_nss.c"),
                                          "-l:libcurl-nss.so.4"], check=True, cwd=repo)
        o.db = os.path.join(b.tmp, "nssdb")
        os.makedirs(o.db)
        subprocess.run(["certutil", "-N", "-d", "sql:" + o.db, "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", "sql:" + o.db, "-n", "bench-ca", "-t", "C,,", "-i",
                        os.path.join(b.pki, "ca.pem")], check=True)


def rows(b, o, port):
    """(key, label, argv, target) as bench/process.py's rows. "c1" first and
    "hs100" (the same client, 100 handshakes) are what the per-handshake
    figure is taken from."""
    ca = os.path.join(b.pki, "ca.pem")
    url = "https://localhost:%d/" % port
    if o.name == "gnutls":
        own = [o.client, "--port", str(port), "--ca", ca]
        return [
            ("c1", "C client (libgnutls), own CA file, one verified handshake", own, 1.03),
            ("wget", "`wget --ca-certificate=ca.pem URL`",
             ["wget", "-q", "-O", "/dev/null", "--ca-certificate=" + ca, url], 1.03),
            ("gcli", "`gnutls-cli --x509cafile ca.pem` (stdin /dev/null)",
             ["gnutls-cli", "--x509cafile", ca, "-p", str(port), "localhost"], 1.03),
            ("hs100", "C client (libgnutls), 100 full handshakes", own + ["--n", "100"], 1.02),
        ]
    own = [o.client, "--port", str(port), "--db", o.db]
    return [
        ("c1", "C client (NSS), own certificate database, one verified handshake", own, 1.03),
        ("curlnss", "libcurl-nss client (tests/nss/curl_nss.c), `cacert=ca.pem`",
         [o.curl, url, "cacert=" + ca], 1.03),
        ("hs100", "C client (NSS), 100 full handshakes", own + ["--n", "100"], 1.02),
    ]
