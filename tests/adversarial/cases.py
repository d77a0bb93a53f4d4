"""The cases of the adversarial suite (run.py runs and judges them).

Each road gets: <ver>/<road>/noshim (the careless program really reaches the
bad server), <ver>/<road>/shim (blocked: no marker byte, a log line, the error
text) and, where a good server exists for that program, <ver>/<road>/shim-good
(it still works). Real programs (s_client, python3, stunnel4, ruby) are in
programs.py.
"""

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS, "lib"))
import pki  # noqa: E402
import tgtest  # noqa: E402

CLIENTS = ["adv_bio", "adv_resume", "adv_params", "adv_anchors", "adv_pin", "adv_resolve",
           "adv_reneg", "adv_exdata", "adv_early"]
C_ERROR = r"error:.*tlsguard"       # an OpenSSL error line from the queue naming tlsguard
UNTRUSTED = r"issuer|unable to get|self.signed|untrusted|verif"
MISMATCH = r"mismatch|not valid for|name"


@dataclass
class Ver:
    name: str
    label: str
    ossl: tgtest.OpensslBuild   # its flags, for tests/lib/cbuild.py
    env: Dict[str, str]
    openssl: str
    tls13: bool
    bin: str = ""


@dataclass
class Srv:
    cert: str
    tls: str = "any"
    push: bool = False
    reneg: Optional[str] = None
    early: bool = False
    no_tickets: bool = False


@dataclass
class Case:
    name: str
    ver: Ver
    srv: Optional[Srv]
    steps: Callable        # (port, workdir) -> [(argv, stdin bytes)]
    expect: str            # reach (no shim) | block | connect (good server, shim)
    shim: bool
    host: Optional[str] = "victim.test"   # the host= a block line must name
    reason: Optional[str] = None
    errtext: Optional[str] = C_ERROR
    env: Dict[str, str] = field(default_factory=dict)
    want_out: Optional[str] = None
    ok_rc: Optional[tuple] = (0,)
    wrap: Optional[Callable] = None       # (argv, env) -> argv
    custom: Optional[Callable] = None     # (ctx, case, workdir) -> why or None


def versions():
    """OpenSSL 3.0 and 1.1.1 always; 1.0.2u and 1.0.1e where the vendor builds exist."""
    vers, skips = [], []
    for b in tgtest.openssl_builds():
        vers.append(Ver(b.name, b.label, b, b.env, b.openssl, True))
    for what, name in (("openssl-1.0.2u", "ossl102"), ("openssl-1.0.1e", "ossl101")):
        old, skip, errors = tgtest.old_openssl_builds([name])
        if errors:
            raise RuntimeError(errors[0][1])
        if not old:
            skips.append("SKIP %s/*: %s" % (name, skip[0]))
            continue
        b = old[0]
        vers.append(Ver(name, what, b, b.env, b.openssl, False))
    return vers, skips


def make_pki(tmp):
    """The adversarial set of tests/lib/pki.py (it says what each certificate is)."""
    return pki.make(os.path.join(tmp, "pki"), "adversarial")


def base_env(ctx):
    """The public CA is every program's default trust; nothing else is."""
    return {"SSL_CERT_FILE": os.path.join(ctx.pki, "ca.pem"),
            "SSL_CERT_DIR": os.path.join(ctx.tmp, "no-such-dir")}


def client(ver, prog, road, *extra):
    def steps(port, work):
        return [([os.path.join(ver.bin, prog), road, str(port)] + list(extra), b"")]
    return steps


def trio(name, ver, steps, bad, reason, good=None, **kw):
    """noshim reaches the bad server, the shim blocks it; the shim lets a good one through."""
    out = [Case(name + "/noshim", ver, bad, steps, "reach", False, **kw),
           Case(name + "/shim", ver, bad, steps, "block", True, reason=reason, **kw)]
    if good:
        kw.pop("want_out", None)
        out.append(Case(name + "/shim-good", ver, good, steps, "connect", True, **kw))
    return out


def plan_bio(ctx, v):
    cases = []
    for road in ("connect_puts", "connect_write", "connect_read", "push_chain", "do_handshake",
                 "ssl_info_cb", "ssl_verify_none", "ctx_callbacks"):
        push = road == "connect_read"
        cases += trio("%s/bio:%s" % (v.name, road), v, client(v, "adv_bio", road),
                      Srv("private_victim", push=push), UNTRUSTED, Srv("victim", push=push))
    return cases


def tls_versions(v):
    return ["1.2", "1.3"] if v.tls13 else ["1.2"]


def plan_resume(ctx, v):
    """A session got for attacker.test (its own certificate) offered for victim.test."""
    cases = []
    ca = os.path.join(ctx.pki, "ca.pem")
    for tls in tls_versions(v):
        t = "tls" + tls.replace(".", "")
        for road in ("clear", "set_session", "verified_set_session", "d2i_session"):
            cases += trio("%s/resume:%s/%s" % (v.name, road, t), v,
                          client(v, "adv_resume", road, "--ca", ca), Srv("attacker", tls), MISMATCH,
                          want_out="session reused: yes")
        if tls == "1.2":   # id-based: a TLS 1.3 PSK needs more than the parts set here
            cases += trio("%s/resume:forged_session/%s" % (v.name, t), v,
                          client(v, "adv_resume", "forged_session"), Srv("attacker", tls, no_tickets=True),
                          MISMATCH + "|certificate",     # no peer certificate in it to name
                          want_out="session reused: yes")
        good = client(v, "adv_resume", "set_session", "--first-sni", "victim.test")
        cases.append(Case("%s/resume:same_name/%s/shim-good" % (v.name, t), v, Srv("victim", tls), good,
                          "connect", True, want_out="session reused: yes"))
        # Road 5: bytes written after a verdict reached only after the handshake.
        for road in ("info_cb_write", "bio_after"):
            cases += trio("%s/after:%s/%s" % (v.name, road, t), v, client(v, "adv_resume", road),
                          Srv("attacker", tls), MISMATCH, errtext=None, want_out="session reused: yes")
    return cases


PARAM_ROADS = [  # road, bad server certificate, reason, the name the program uses
    ("no_check_time", "expired_victim", r"expire", "victim.test"),
    ("set_time", "expired_victim", r"expire", "victim.test"),
    ("ignore_critical", "critical_victim", r"critical|extension", "victim.test"),
    ("purpose_any", "clientauth_victim", r"purpose|usage", "victim.test"),
    ("proxy", "proxy_victim", r"proxy|issuer|mismatch|CA|chain|purpose", "victim.test"),
    ("proxy_env", "proxy_victim", r"proxy|issuer|mismatch|CA|chain|purpose", "victim.test"),
    ("multi_label", "wildcard", MISMATCH, "deep.victim.example.test"),
    ("always_subject", "cn_victim", MISMATCH, "victim.test"),
    ("store_verify_cb", "private_victim", UNTRUSTED, "victim.test"),
    ("dane_ee", "private_victim", UNTRUSTED, "victim.test"),
]


def plan_params(ctx, v):
    cases = []
    ca = os.path.join(ctx.pki, "ca.pem")
    for road, cert, reason, name in PARAM_ROADS:
        env = {"OPENSSL_ALLOW_PROXY_CERTS": "1"} if road == "proxy_env" else {}
        steps = client(v, "adv_params", road, "--ca", ca, "--sni", name,
                       "--peer-cert", os.path.join(ctx.pki, cert + ".pem"))
        cases += trio("%s/params:%s" % (v.name, road), v, steps, Srv(cert), reason, env=env, host=name)
        if road == "set_time":
            continue    # at its own 2020 clock no current certificate is valid: no good server
        good_name = "a.example.test" if road == "multi_label" else "victim.test"
        good_cert = "wildcard" if road == "multi_label" else "victim"
        cases.append(Case("%s/params:%s/shim-good" % (v.name, road), v, Srv(good_cert),
                          client(v, "adv_params", road, "--ca", ca, "--sni", good_name,
                                 "--peer-cert", os.path.join(ctx.pki, good_cert + ".pem")),
                          "connect", True, env=env))
    return cases


def plan_anchors(ctx, v):
    """Its private CA works under the shim; the public one is never added."""
    cases = []
    ca = os.path.join(ctx.pki, "otherca.pem")
    d = os.path.join(ctx.pki, "otherca.dir")
    for road, extra in (("set1_store", ["--ca", ca]), ("set0_store", ["--ca", ca]),
                        ("hash_dir", ["--dir", d]), ("load_dir", ["--dir", d]),
                        ("set_cert_store", ["--ca", ca]), ("store_add_cert", ["--ca", ca]),
                        ("load_verify_file", ["--ca", ca])):
        cases += trio("%s/anchors:%s" % (v.name, road), v, client(v, "adv_anchors", road, *extra),
                      Srv("victim"), UNTRUSTED, Srv("private_victim"))
    return cases


def plan_pin(ctx, v):
    """The name comes only from SSL_set1_host: its host block's pins apply."""
    bad = os.path.join(ctx.tmp, "pin-bad.policy")
    good = os.path.join(ctx.tmp, "pin-good.policy")
    for path, pins in ((bad, ("attacker", "otherca")), (good, ("victim", "attacker"))):
        with open(path, "w") as f:
            f.write("host victim.test\n")
            for name in pins:
                with open(os.path.join(ctx.pki, "pins", name + ".pin")) as p:
                    f.write("    pin %s\n" % p.read().strip())
    steps = client(v, "adv_pin", "host_only")
    name = "%s/pin:host_only" % v.name
    return [Case(name + "/noshim", v, Srv("victim"), steps, "reach", False),
            Case(name + "/shim", v, Srv("victim"), steps, "block", True, reason=r"pin",
                 env={"TLSGUARD_POLICY": bad}),
            Case(name + "/shim-good", v, Srv("victim"), steps, "connect", True,
                 env={"TLSGUARD_POLICY": good})] + sni_differs(v)


def sni_differs(v):
    """SNI attacker.test, SSL_set1_host victim.test: the program's host name
    ranks first. OpenSSL 1.0.2 has no SSL_set1_host and its parameters cannot
    be read back: OpenSSL itself refuses the name there (strictly), and the
    log can only name the SNI (README: "What it cannot reach")."""
    cases = trio("%s/name:sni_differs" % v.name, v, client(v, "adv_pin", "sni_differs"),
                 Srv("attacker"), MISMATCH, Srv("victim"))
    if v.name.startswith("ossl102"):
        for c in cases:
            c.host = "attacker.test"
    return cases


def hosts_wrap(ctx):
    """Runs argv in a mount namespace whose /etc/hosts maps victim.test and
    attacker.test to 127.0.0.1 (LD_PRELOAD reaches only the client itself)."""
    hosts = os.path.join(ctx.tmp, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 victim.test attacker.test\n")

    def wrap(argv, env):
        pre = ["env", "LD_PRELOAD=" + env["LD_PRELOAD"]] if "LD_PRELOAD" in env else []
        # Without the right to mount (not root): one SKIP line, exit 77.
        inner = 'mount --bind "$0" /etc/hosts || { echo "SKIP: cannot bind-mount a hosts file"; exit 77; }; exec "$@"'
        return ["sh", "-c", 'unshare -m true 2>/dev/null || { echo "SKIP: unshare -m is not permitted '
                '(needs root)"; exit 77; }; exec unshare -m sh -c "$0" "$@"', inner, hosts] + pre + argv
    return wrap


def plan_resolve(ctx, v):
    wrap = hosts_wrap(ctx)
    cases = []
    cases += trio("%s/resolve:ambiguous" % v.name, v, client(v, "adv_resolve", "ambiguous"),
                  Srv("attacker"), MISMATCH, Srv("victim"), wrap=wrap)
    # gethostbyname() hands out bytes the program copies: no socket can be
    # tied to one lookup, so an address resolved for two names is judged by
    # the literal address (IP SANs): the attacker is blocked, and so is the
    # victim's name-only certificate (fail closed, README).
    name = "%s/resolve:ambiguous_gethostbyname" % v.name
    steps = client(v, "adv_resolve", "ambiguous_gethostbyname")
    for suffix, srv in (("/shim", "attacker"), ("/shim-ambiguous-victim", "victim")):
        cases.append(Case(name + suffix, v, Srv(srv), steps, "block", True, host="127.0.0.1",
                          reason=r"not valid for 127\.0\.0\.1 \(IP address\)", wrap=wrap))
    cases.insert(len(cases) - 2, Case(name + "/noshim", v, Srv("attacker"), steps, "reach", False,
                                      wrap=wrap))
    return cases


def plan_deepbind(ctx, v):
    """A plugin dlopen()ed RTLD_DEEPBIND binds to its own libssl, past every
    preload: out of reach (README), so only its control runs. A dlopen hook
    would change where the program's own dlopen calls search (the caller's
    RPATH/RUNPATH, $ORIGIN), so none is installed."""
    cases = []
    for road in ("deepbind", "local"):
        def steps(port, work, road=road):
            return [([os.path.join(v.bin, "adv_deepbind"), road, str(port),
                      "--plugin", os.path.join(v.bin, "adv_plugin.so")], b"")]
        trio_cases = trio("%s/dlopen:%s" % (v.name, road), v, steps, Srv("private_victim"),
                          UNTRUSTED, Srv("victim"))
        if road == "deepbind":
            trio_cases = [c for c in trio_cases if not c.shim]
        cases += trio_cases
    return cases


def plan_reneg(ctx, v):
    cases = []
    for road in ("ssl_read", "bio_read"):
        cases += trio("%s/reneg:%s" % (v.name, road), v, client(v, "adv_reneg", road),
                      Srv("victim", "1.2", reneg="private_victim"), UNTRUSTED,
                      Srv("victim", "1.2", reneg="victim"),
                      want_out="ADV-AFTER-RENEG\npeer now: /CN=adv private victim")
    return cases


def plan_early(ctx, v):
    """TLS 1.3 0-RTT: bytes in the first flight, before any verdict."""
    if not v.tls13:
        return []
    name = "%s/early:no_sni/tls13" % v.name
    bad = client(v, "adv_early", "no_sni")
    good = client(v, "adv_early", "no_sni", "--first-sni", "victim.test")
    return [Case(name + "/noshim", v, Srv("attacker", "1.3", early=True), bad, "reach", False,
                 want_out=r"SSL_write_early_data returned 1"),
            Case(name + "/shim", v, Srv("attacker", "1.3", early=True), bad, "block", True, reason=MISMATCH),
            Case(name + "/shim-good", v, Srv("victim", "1.3", early=True), good, "connect", True)]


def plan(ctx, vers):
    import programs
    cases = []
    for v in vers:
        for part in (plan_bio, plan_resume, plan_params, plan_anchors, plan_pin, plan_resolve,
                     plan_deepbind, plan_reneg, plan_early, programs.plan_exdata, programs.plan_s_client):
            cases += part(ctx, v)
    return cases + programs.plan_system(ctx, vers[0])
