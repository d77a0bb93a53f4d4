#!/usr/bin/env python3
"""The one test PKI of every driver: certificates made with the openssl CLI at
test time, EC P-256 keys (fast to make) unless said otherwise.

    python3 tests/lib/pki.py [--set local|adversarial|chain] DIR   (tests/lib/pki.sh DIR: local)

Sets (each idempotent: a DIR already made is left as it is):
  local        "tlsguard test CA" (ca.pem, the only anchor the clients get via
               SSL_CERT_FILE) and otherca.pem (a second CA nobody trusts);
               server certificates <name>.pem/.key:
                 good        test CA, SAN DNS:localhost, IP:127.0.0.1
                 selfsigned  self-signed, same SANs
                 untrusted   signed by the other CA, same SANs
                 wrongname   test CA, SAN DNS:wrong.example only
                 expired     test CA, same SANs as good, valid 2020-01-01 .. 2021-01-01
                 multi       test CA, SANs api.test.example, a.b.test.example,
                             test.example and the local ones (host patterns)
               pins/<name>.pin: base64 sha256 of the DER SubjectPublicKeyInfo
               (the sha256/ pin form without its prefix), every cert and CA.
               With rsa=True also rsa.pem/.key: RSA 2048, test CA, local SANs.
  adversarial  ca.pem "adv public CA" (valid 2019..2036), otherca.pem (private)
               and otherca.dir/ hashed; victim, attacker, private_victim,
               expired_victim, critical_victim, clientauth_victim,
               proxy_victim (a proxy certificate under attacker's key, chain
               file), wildcard, cn_victim (tests/adversarial/cases.py says
               what each is for); pins/NAME.pin "sha256/..." of victim,
               attacker, otherca, ca.
  chain        root CA ca -> intermediate inter -> leaf (localhost, 127.0.0.1),
               and an unrelated CA other (30 days each).
"""

import os
import subprocess
import sys
from typing import List, Optional

LOCAL_SANS = "DNS:localhost,IP:127.0.0.1"
CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
LEAF_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth"]


class Pki:
    """One directory of certificates, made by `openssl` (OPENSSL, else the PATH's)."""

    def __init__(self, d: str, openssl: Optional[str] = None):
        os.makedirs(d, exist_ok=True)
        self.dir = os.path.abspath(d)
        self.openssl = openssl or os.environ.get("OPENSSL", "openssl")

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def run(self, *args, stdin: Optional[bytes] = None) -> bytes:
        p = subprocess.run([self.openssl] + list(args), input=stdin, cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("openssl %s failed (exit %d): %s" % (
                " ".join(args[:2]), p.returncode, p.stderr.decode(errors="replace")[-1500:]))
        return p.stdout

    def key(self, name: str, rsa: bool = False):
        opts = (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] if rsa else
                ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        self.run("genpkey", *opts, "-out", name + ".key")

    def ca(self, name: str, cn: str, days: int = 3650, ski: bool = True):
        """A self-signed CA NAME.pem/.key."""
        self.key(name)
        ext = CA_EXT + (["subjectKeyIdentifier=hash"] if ski else [])
        addext = [a for e in ext for a in ("-addext", e)]
        self.run("req", "-x509", "-new", "-key", name + ".key", "-sha256", "-days", str(days),
                 "-subj", "/CN=" + cn, *addext, "-out", name + ".pem")

    def leaf(self, name: str, issuer: str, subj: str, ext: List[str], days: int = 825, rsa: bool = False):
        """NAME.pem/.key signed by ISSUER.pem/.key, with the extension lines `ext`."""
        self.key(name, rsa)
        self.run("req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr")
        with open(self.path(name + ".ext"), "w") as f:
            f.write("".join(line + "\n" for line in ext))
        self.run("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                 "-CAcreateserial", "-sha256", "-days", str(days), "-extfile", name + ".ext",
                 "-out", name + ".pem")
        os.unlink(self.path(name + ".csr"))
        os.unlink(self.path(name + ".ext"))

    def dated(self, name: str, issuer: str, subj: str, start: str, end: str, sans: str,
              selfsign: bool = False, leaf: bool = False):
        """NAME.pem with the validity start..end (YYYYMMDDhhmmssZ): `openssl x509
        -req` cannot backdate, `openssl ca` can. A leaf for `sans`, or with
        selfsign a CA signed by its own (new) key (with leaf too: a server
        certificate for `sans` signed by its own key)."""
        db = self.path("caDB-" + name)
        os.makedirs(db, exist_ok=True)
        open(os.path.join(db, "index.txt"), "w").close()
        with open(os.path.join(db, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(db, "ca.cnf"), "w") as f:
            f.write("[ ca ]\ndefault_ca = testca\n[ testca ]\ndatabase = %s/index.txt\nserial = %s/serial\n"
                    "new_certs_dir = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\n"
                    "policy = anything\nunique_subject = no\ncopy_extensions = none\n"
                    "x509_extensions = leaf_ext\n[ anything ]\ncommonName = supplied\n"
                    "[ ca_ext ]\n%s\nsubjectKeyIdentifier = hash\n[ leaf_ext ]\n%s\nsubjectAltName = %s\n"
                    % (db, db, db, self.path(issuer + ".pem"), self.path(issuer + ".key"),
                       "\n".join(e.replace("=", " = ", 1) for e in CA_EXT),
                       "\n".join(e.replace("=", " = ", 1) for e in LEAF_EXT), sans))
        self.key(name)
        self.run("req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr")
        extra = ["-selfsign", "-keyfile", name + ".key", "-extensions", "leaf_ext" if leaf else "ca_ext"
                 ] if selfsign else []
        self.run("ca", "-batch", "-config", os.path.join(db, "ca.cnf"), "-notext", *extra,
                 "-startdate", start, "-enddate", end, "-in", name + ".csr", "-out", name + ".pem")
        os.unlink(self.path(name + ".csr"))

    def self_signed_leaf(self, name: str, subj: str, sans: str, days: int = 825):
        self.key(name)
        self.run("req", "-x509", "-new", "-key", name + ".key", "-sha256", "-days", str(days), "-subj", subj,
                 "-addext", "subjectAltName=" + sans, "-addext", "extendedKeyUsage=serverAuth",
                 "-out", name + ".pem")

    def self_signed_server(self, name: str, subj: str, sans: str, days: int = 825):
        """NAME.pem/.key: a server certificate (LEAF_EXT: CA:FALSE) for `sans`
        signed by its own key, as `openssl x509 -req -signkey` makes one."""
        self.key(name)
        self.run("req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr")
        with open(self.path(name + ".ext"), "w") as f:
            f.write("".join(line + "\n" for line in LEAF_EXT + ["subjectAltName=" + sans]))
        self.run("x509", "-req", "-in", name + ".csr", "-signkey", name + ".key", "-sha256", "-days", str(days),
                 "-extfile", name + ".ext", "-out", name + ".pem")
        os.unlink(self.path(name + ".csr"))
        os.unlink(self.path(name + ".ext"))

    def spki_pin(self, name: str) -> str:
        """base64(sha256(DER SubjectPublicKeyInfo)) of NAME.pem, the openssl CLI way."""
        pub = self.run("x509", "-in", name + ".pem", "-pubkey", "-noout")
        der = self.run("pkey", "-pubin", "-outform", "der", stdin=pub)
        digest = self.run("dgst", "-sha256", "-binary", stdin=der)
        return self.run("base64", "-A", stdin=digest).decode().strip()

    def write_pins(self, names: List[str], prefix: str = ""):
        os.makedirs(self.path("pins"), exist_ok=True)
        for name in names:
            with open(self.path(os.path.join("pins", name + ".pin")), "w") as f:
                f.write(prefix + self.spki_pin(name) + "\n")

    def done(self, mark: str) -> bool:
        return os.path.exists(self.path(mark))

    def mark(self, mark: str):
        open(self.path(mark), "w").close()


def make_local(d: str, rsa: bool = False) -> str:
    p = Pki(d)
    if not p.done(".local"):
        p.ca("ca", "tlsguard test CA")
        p.ca("otherca", "tlsguard untrusted CA")
        p.leaf("good", "ca", "/CN=tlsguard test good", LEAF_EXT + ["subjectAltName=" + LOCAL_SANS])
        p.leaf("untrusted", "otherca", "/CN=tlsguard test untrusted", LEAF_EXT + ["subjectAltName=" + LOCAL_SANS])
        p.leaf("wrongname", "ca", "/CN=tlsguard test wrongname", LEAF_EXT + ["subjectAltName=DNS:wrong.example"])
        p.leaf("multi", "ca", "/CN=tlsguard test multi", LEAF_EXT + [
            "subjectAltName=DNS:api.test.example,DNS:a.b.test.example,DNS:test.example," + LOCAL_SANS])
        p.self_signed_leaf("selfsigned", "/CN=tlsguard test selfsigned", LOCAL_SANS)
        p.dated("expired", "ca", "/CN=tlsguard test expired", "20200101000000Z", "20210101000000Z", LOCAL_SANS)
        p.write_pins(["ca", "otherca", "good", "selfsigned", "untrusted", "wrongname", "expired", "multi"])
        p.mark(".local")
    if rsa and not p.done("rsa.pem"):
        p.leaf("rsa", "ca", "/CN=tlsguard test rsa", LEAF_EXT + ["subjectAltName=" + LOCAL_SANS], rsa=True)
    return p.dir


def make_adversarial(d: str) -> str:
    p = Pki(d)
    if p.done(".done"):
        return p.dir
    # The public CA is valid from 2019 (road 3's set_time looks at 2020).
    p.dated("ca", "ca", "/CN=adv public CA", "20190101000000Z", "20360101000000Z", "DNS:victim.test",
            selfsign=True)
    p.ca("otherca", "adv private CA")

    def leaf(name, issuer, cn, *ext):
        p.leaf(name, issuer, cn, LEAF_EXT[:2] + list(ext))
    sa = LEAF_EXT[2]
    leaf("victim", "ca", "/CN=adv victim", sa, "subjectAltName=DNS:victim.test")
    leaf("attacker", "ca", "/CN=adv attacker", sa, "subjectAltName=DNS:attacker.test")
    leaf("private_victim", "otherca", "/CN=adv private victim", sa, "subjectAltName=DNS:victim.test")
    leaf("critical_victim", "ca", "/CN=adv critical", sa, "subjectAltName=DNS:victim.test",
         "1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:unknown")
    leaf("clientauth_victim", "ca", "/CN=adv clientauth", "extendedKeyUsage=clientAuth",
         "subjectAltName=DNS:victim.test")
    leaf("wildcard", "ca", "/CN=adv wildcard", sa, "subjectAltName=DNS:*.example.test")
    leaf("cn_victim", "ca", "/CN=victim.test", sa, "subjectAltName=DNS:unrelated.test")
    # RFC 3820: the proxy's subject is its issuer's plus one CN.
    p.leaf("proxy_victim", "attacker", "/CN=adv attacker/CN=victim.test",
           [LEAF_EXT[1], sa, "proxyCertInfo=critical,language:id-ppl-anyLanguage,pathlen:0"])
    with open(p.path("attacker.pem")) as f, open(p.path("proxy_victim.pem"), "a") as out:
        out.write(f.read())
    p.dated("expired_victim", "ca", "/CN=adv expired", "20200101000000Z", "20210101000000Z", "DNS:victim.test")
    os.makedirs(p.path("otherca.dir"), exist_ok=True)
    with open(p.path("otherca.pem")) as f, open(p.path("otherca.dir/otherca.pem"), "w") as out:
        out.write(f.read())
    p.run("rehash", p.path("otherca.dir"))
    p.write_pins(["victim", "attacker", "otherca", "ca"], prefix="sha256/")
    p.mark(".done")
    return p.dir


def make_chain(d: str) -> str:
    p = Pki(d)
    if p.done(".chain"):
        return p.dir
    p.ca("ca", "tlsguard pin test root CA", days=30, ski=False)
    p.ca("other", "tlsguard pin unrelated CA", days=30, ski=False)
    p.leaf("inter", "ca", "/CN=tlsguard pin test intermediate", CA_EXT, days=30)
    p.leaf("leaf", "inter", "/CN=localhost/O=tlsguard pin test", [
        "basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth", "subjectAltName=" + LOCAL_SANS], days=30)
    p.mark(".chain")
    return p.dir


def pin(d: str, name: str) -> str:
    """The policy's form of a pin, "sha256/<base64>", of <d>/<name>.pem from
    the pins/<name>.pin that make_local or make_adversarial wrote."""
    with open(os.path.join(d, "pins", name + ".pin")) as f:
        value = f.read().strip()
    return value if value.startswith("sha256/") else "sha256/" + value


SETS = {"local": make_local, "adversarial": make_adversarial, "chain": make_chain}


def make(d: str, which: str = "local", **kw) -> str:
    """Makes set `which` in d (once); returns d as an absolute path."""
    return SETS[which](d, **kw)


if __name__ == "__main__":
    args = sys.argv[1:]
    which = "local"
    if len(args) == 3 and args[0] == "--set" and args[1] in SETS:
        which, args = args[1], args[2:]
    if len(args) != 1:
        sys.exit("usage: pki.py [--set %s] DIR" % "|".join(SETS))
    try:
        make(args[0], which)
    except RuntimeError as e:
        sys.exit("pki.py: %s" % e)
