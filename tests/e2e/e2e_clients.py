"""The clients of the e2e suite (tests/e2e/run.py): curl and python on the
system OpenSSL 3; s_client, the C clients of tests/clients and the API roads
around the floor on each OpenSSL."""

import os
import sys
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import cbuild  # noqa: E402  (tests/lib/cbuild.py: the C programs, made by make)
from tgtest import OpensslBuild  # noqa: E402
from e2e_model import C_CLIENTS, LEGACY_CIPHERS, PEERS, Client  # noqa: E402
# What tests/programs.mk makes for each OpenSSL.
C_PROGRAMS = C_CLIENTS + ["legacy_roads", "late_anchors"]


def s_client_argv(build: OpensslBuild, name: Optional[str] = None):
    """`openssl s_client` of `build`, accepting TLS 1.0 and legacy suites. It
    carries on after verify errors. -quiet implies -ign_eof, which would wait
    for the server forever: -no_ign_eof closes after stdin's EOF. 1.0.x knows
    neither @SECLEVEL nor -min_protocol: options turn SSLv2/SSLv3 off there
    (no SSLv2-compatible ClientHello, which an OpenSSL 3 server rejects).
    With `name`: SNI `name`, connecting to 127.0.0.1."""
    floor = (["-cipher", LEGACY_CIPHERS, "-min_protocol", "TLSv1"] if build.has_proto_ctrl
             else ["-cipher", "DEFAULT", "-no_ssl2", "-no_ssl3"])
    return lambda h, p, peer: [build.openssl, "s_client", "-connect", "%s:%d" % ("127.0.0.1" if name else h, p),
                               "-servername", name or h, "-quiet", "-no_ign_eof"] + floor


# Roads a libssl does not have, and why (their cases are skipped there).
def missing_road(build: OpensslBuild, road: str) -> Optional[str]:
    if road in ("ctx_max_proto", "ssl_max_proto") and not build.has_proto_ctrl:
        return "SSL_CTX_set_max_proto_version/SSL_set_max_proto_version are OpenSSL 1.1.0+"
    return None


# 0x20000000 is SSL_OP_NO_TLSv1_3 from 1.1.1, SSL_OP_NETSCAPE_CA_DN_BUG in 1.0.x.
def foreign_options(build: OpensslBuild) -> int:
    return 0 if build.has_tls13 else 0x20000000


def make_clients(tmp: str, builds: List[OpensslBuild], build_dir: str) -> List[Client]:
    """Every client: curl and python on the system OpenSSL 3; s_client, the C
    clients and the roads on each OpenSSL of `builds` (the C programs made in
    build_dir/tests/<openssl>; the PKI in tmp/pki)."""
    bins = {b.name: cbuild.bin_dir(build_dir, b) for b in builds}
    pki = os.path.join(tmp, "pki")
    return (tool_clients(builds) + c_clients(builds, bins) + road_clients(builds, bins, pki)
            + named_clients(builds, pki))


def tool_clients(builds: List[OpensslBuild]) -> List[Client]:
    """curl and python (system OpenSSL 3), each OpenSSL's own s_client."""
    clients: List[Client] = []
    clients.append(Client(
        "ossl3", "curl",
        lambda h, p, peer: ["curl", "-sS", "-k", "--tlsv1.0", "--ciphers", LEGACY_CIPHERS,
                            "-m", "2", "https://%s:%d/" % (h, p)],
        marker=b"GET / ", ok_codes=(28,)))  # s_server -quiet never answers HTTP: curl times out
    clients.append(Client(
        "ossl3", "python",
        lambda h, p, peer: [sys.executable, os.path.join(TESTS, "clients", "py_client.py"),
                            h, str(p)],
        marker=b"TLSGUARD-PAYLOAD py_client\n", errqueue_names_tlsguard=True))

    for b in builds:
        if b.openssl:
            clients.append(Client(b.name, "s_client", s_client_argv(b),
                                  marker=b"TLSGUARD-PAYLOAD s_client\n",
                                  stdin=b"TLSGUARD-PAYLOAD s_client\n", env=dict(b.env),
                                  tls13=b.has_tls13))
    return clients


def c_clients(builds: List[OpensslBuild], bins: Dict[str, str]) -> List[Client]:
    """The C clients of tests/clients (and legacy_tls1 as SSLv2) on each OpenSSL."""
    clients: List[Client] = []
    envs: Dict[str, Dict[str, str]] = {b.name: dict(b.env) for b in builds}
    tls13 = {b.name: b.has_tls13 for b in builds}
    foreign = {b.name: foreign_options(b) for b in builds}

    def c_client(path, prog, ssl2=False):
        def argv(h, p, peer):
            method = "any"
            if ssl2:
                method = "ssl2"
            elif prog == "legacy_tls1":
                method = "tls1_1" if peer.name == "tls11" else "tls1"
            return [path, h, str(p), "--method", method]
        return argv

    for ossl in bins:
        for prog in C_CLIENTS:
            unreachable = {}
            if prog == "legacy_tls1":
                # A TLSv1_client_method() client cannot reach a TLS 1.2+ peer by
                # itself (s_server's default security level refuses TLS 1.0):
                # only the shim's protocol upgrade makes that work.
                why = "TLSv1 method vs a TLS 1.2+ peer"
                unreachable = {"good13": why, "good12": why}
            clients.append(Client(
                ossl, prog, c_client(os.path.join(bins[ossl], prog), prog),
                marker=("TLSGUARD-PAYLOAD %s\n" % prog).encode(), env=envs[ossl],
                errqueue_names_tlsguard=True, prints_ssl_get_error=True,
                port_known=(prog != "legacy_membio"),
                noshim_unreachable=unreachable, tls13=tls13[ossl], foreign_options=foreign[ossl]))
    # SSLv2_client_method(): no peer here speaks SSLv2, so it reaches none by
    # itself; the shim must upgrade it like the other fixed methods.
    for b in builds:
        if b.version_number < 0x10100000:
            clients.append(Client(
                b.name, "legacy_ssl2", c_client(os.path.join(bins[b.name], "legacy_tls1"), "legacy_tls1", True),
                marker=b"TLSGUARD-PAYLOAD legacy_tls1\n", env=envs[b.name],
                errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=False,
                noshim_unreachable={p: "SSLv2 method vs a TLS server" for p in PEERS},
                foreign_options=foreign[b.name], skip=None if b.version_number < 0x10002000 else
                "SSLv2_client_method() returns NULL in 1.0.2u (no SSLv2 by default since 1.0.2g)"))
    return clients


def road_clients(builds: List[OpensslBuild], bins: Dict[str, str], pki: str) -> List[Client]:
    """legacy_roads: one client per API road around the floor (see its source)."""
    clients: List[Client] = []
    for b in builds:
        ossl = b.name
        env, foreign = dict(b.env), foreign_options(b)
        for road in ROADS:
            extra = ["--ca", os.path.join(pki, "otherca.pem")] if road == "private_ca" else []
            clients.append(Client(
                ossl, "roads:" + road, roads_argv(os.path.join(bins[ossl], "legacy_roads"), road, extra),
                marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=env,
                errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13,
                skip=missing_road(b, road), foreign_options=foreign))
        # Three connections on one context, each resuming the previous session.
        clients.append(Client(
            ossl, "roads:resume",
            roads_argv(os.path.join(bins[ossl], "legacy_roads"), "plain",
                       ["--connections", "3", "--resume"]),
            marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=env,
            errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13))
        # A session from localhost offered to another name: resumption skips
        # the certificate, so the name is checked again by the shim.
        clients.append(Client(
            ossl, "roads:resume-as-other",
            roads_argv(os.path.join(bins[ossl], "legacy_roads"), "plain",
                       ["--connections", "2", "--resume-as", "wrong.example"]),
            marker=b"TLSGUARD-PAYLOAD legacy_roads\n", env=env, log_host="wrong.example",
            errqueue_names_tlsguard=True, prints_ssl_get_error=True, tls13=b.has_tls13))
    return clients


def named_clients(builds: List[OpensslBuild], pki: str) -> List[Client]:
    """curl with its own CA file, curl and s_client to names under test.example."""
    clients: List[Client] = []
    # curl with its own CA file: it loads it lazily, while it waits for the
    # ServerHello. Its anchors are kept, and nothing is added to them.
    for ca, other in (("ca", "otherca"), ("otherca", "ca")):
        clients.append(Client(
            "ossl3", "curl+cacert=" + ca,
            (lambda f: lambda h, p, peer: ["curl", "-sS", "--cacert", f, "-m", "2",
                                           "https://%s:%d/" % (h, p)])(os.path.join(pki, ca + ".pem")),
            marker=b"GET / ", ok_codes=(28,),
            env={"SSL_CERT_FILE": os.path.join(pki, other + ".pem")}))

    # curl to names under test.example, all resolved to 127.0.0.1 by curl itself.
    for name in ("api.test.example", "a.b.test.example", "test.example"):
        clients.append(Client(
            "ossl3", "curl@" + name,
            (lambda n: lambda h, p, peer: [
                "curl", "-sS", "-k", "-m", "2", "--resolve", "%s:%d:127.0.0.1" % (n, p),
                "https://%s:%d/" % (n, p)])(name),
            marker=b"GET / ", ok_codes=(28,), host=name))
    # The same names through each other OpenSSL's s_client (SNI, connecting to 127.0.0.1).
    for b in builds:
        if b.openssl and b.name != "ossl3":
            for name in ("api.test.example", "a.b.test.example", "test.example"):
                clients.append(Client(
                    b.name, "s_client@" + name, s_client_argv(b, name),
                    marker=b"TLSGUARD-PAYLOAD s_client\n", stdin=b"TLSGUARD-PAYLOAD s_client\n",
                    env=dict(b.env), tls13=b.has_tls13, host=name))
    return clients


ROADS = ["ctx_max_proto", "ssl_max_proto", "clear_options", "no_high_versions",
         "set_ssl_method", "ctx_set_ssl_version", "cert_verify_cb", "weak_ciphers",
         "private_ca"]
PROTOCOL_ROADS = ROADS[:6]


def roads_argv(path: str, road: str, extra: List[str]):
    return lambda h, p, peer: [path, h, str(p), "--road", road] + extra


