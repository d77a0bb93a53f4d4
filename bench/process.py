"""Whole-process rows of `make bench` (bench/run.py imports this).

Short programs pay the shim's fixed costs (first use, trust store) on one
connection; bench_tls's in-process loops hide them. Here every figure is a
whole client process, the server in another process (bench/tls_server.py), with and
without LD_PRELOAD, by instructions (valgrind --tool=callgrind, no toggle:
everything the process runs, ld.so included) beside wall clock. A no-op
preload (an empty .so) shows what any preload costs, i.e. the instrument's
resolution. Also here: the older whole-process rows (`curl --version`
start-up by wall clock; the trust store by callgrind over bench_tls).
"""

import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from tgtest import free_port, is_listening, stop_group  # noqa: E402


class Server:
    """bench/tls_server.py on 127.0.0.1, in a process group of its own."""

    def __init__(self, pki):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "tls_server.py"), str(self.port),
                                      os.path.join(pki, "good.pem"), os.path.join(pki, "good.key")],
                                     start_new_session=True, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not is_listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bench/tls_server.py did not start")
            time.sleep(0.05)

    def stop(self):
        stop_group(self.proc)


def rows(b, o, port):
    """(key, label, argv, extra env, target: max instruction ratio with/without)."""
    ca = os.path.join(b.pki, "ca.pem")
    client = o.client
    url = "https://localhost:%d/" % port
    out = [
        ("c1", "C client, own CA file, one verified handshake",
         [client, "--port", str(port), "--ca", ca], 1.03),
    ]
    if o.name == "ossl3":  # curl and python3 link the system's OpenSSL 3
        pyget = ("import ssl, urllib.request as u; "
                 "u.urlopen('%s', context=ssl.create_default_context(cafile='%s')).read()" % (url, ca))
        out += [
            ("curl", "`curl -s URL` (the system bundle, via CURL_CA_BUNDLE)",
             ["curl", "-s", "-o", "/dev/null", url], 1.03),
            ("curlca", "`curl --cacert ca.pem URL`",
             ["curl", "-s", "-o", "/dev/null", "--cacert", ca, url], 1.03),
            ("py", "python3 `urllib.request`, `cafile=`", [sys.executable, "-c", pyget], 1.03),
        ]
    out += [
        ("hs100", "C client, 100 full handshakes",
         [client, "--port", str(port), "--ca", ca, "--n", "100"], 1.01),
        ("bulk", "C client, 64 MiB of SSL_write in 16 KiB records, set-up included",
         [client, "--port", str(port), "--ca", ca, "--mode", "bulk", "--n", "64"], 1.005),
    ]
    return out


def env_for(b, o, preload):
    """The bench environment; SSL_CERT_FILE is the system bundle plus the test
    CA, so whatever loads the default store (a shim that should not, say)
    pays what it costs on a real machine. curl ignores SSL_CERT_FILE and reads
    its compiled-in CA file unless CURL_CA_BUNDLE names another: the same
    bundle, loaded the same way (CURLOPT_CAINFO)."""
    env = b.env(o, False, SSL_CERT_FILE=b.bundle, CURL_CA_BUNDLE=b.bundle,
                PYTHONHASHSEED="0")  # python3's count otherwise moves ~0.3% between runs
    if preload:
        env["LD_PRELOAD"] = preload
    return env


def callgrind(b, argv, env, tag):
    out = os.path.join(b.tmp, "cgp-%s.out" % tag)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=900)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("callgrind %s failed (exit %d):\n%s" % (" ".join(argv), p.returncode, err[-3000:]))
    collected = [int(line.split(":")[1]) for line in err.splitlines() if "Collected :" in line]
    if not collected:
        raise RuntimeError("no instruction count from callgrind %s" % " ".join(argv))
    return collected[-1], out


def timed(argv, env):
    """Wall-clock seconds of one run."""
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, st = os.waitpid(pid, 0)
    dt = time.perf_counter() - t0
    if st != 0:
        raise RuntimeError("%s exited with status %d" % (" ".join(argv), st))
    return dt


def wall(argv, env_a, env_b, pairs):
    """Median of the pair ratios B/A by wall clock, interleaved A B, B A, ...;
    the medians of A and B in ms."""
    ta, tb, ratios = [], [], []
    timed(argv, env_a)  # warm the page cache
    for i in range(pairs):
        if i % 2:
            y, x = timed(argv, env_b), timed(argv, env_a)
        else:
            x, y = timed(argv, env_a), timed(argv, env_b)
        ta.append(x)
        tb.append(y)
        ratios.append(y / x)
    return statistics.median(ta) * 1e3, statistics.median(tb) * 1e3, statistics.median(ratios)


def peak_rss(b, argv, env_a, env_b, runs=5):
    """Median peak RSS (KiB) without and with, by bench/peak_rss.c."""
    def one(env):
        out = subprocess.run([b.peak_rss] + argv, env=env, stdout=subprocess.PIPE, check=True).stdout
        return int(out.decode().split("=")[1])
    return statistics.median(one(env_a) for _ in range(runs)), statistics.median(one(env_b) for _ in range(runs))


def make_noop(b):
    """An empty shared object: what LD_PRELOAD of anything costs."""
    src, so = os.path.join(b.tmp, "noop.c"), os.path.join(b.tmp, "noop.so")
    with open(src, "w") as f:
        f.write("/* an empty preload */\nint tg_bench_noop;\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", so, src], check=True)
    return so


def build_clients(b, osls, cflags):
    b.peak_rss = os.path.join(b.args.build, "bench", "peak_rss")
    subprocess.run(["cc"] + cflags + ["-o", b.peak_rss, os.path.join(HERE, "peak_rss.c")], check=True, cwd=REPO)
    for o in osls:
        o.client = os.path.join(b.args.build, "bench", "bench_client-" + o.name)
        subprocess.run(["cc"] + cflags + o.cflags + ["-o", o.client, os.path.join(HERE, "bench_client.c")]
                       + o.ldflags, check=True, cwd=REPO)


def measure_callgrind(b, osls, pool, port):
    """Submits every callgrind run; returns {(o.name, key, side): future}."""
    noop = b.noop
    jobs = {}
    for o in osls:
        for key, label, argv, target in rows(b, o, port):
            for side, pre in (("A", None), ("B", b.lib)):
                jobs[(o.name, key, side)] = pool.submit(callgrind, b, argv, env_for(b, o, pre),
                                                        "%s-%s-%s" % (o.name, key, side))
        jobs[(o.name, "c1", "N")] = pool.submit(callgrind, b, rows(b, o, port)[0][2], env_for(b, o, noop),
                                                "%s-c1-noop" % o.name)
    o = osls[0]
    for side, pre in (("A", None), ("N", noop), ("B", b.lib)):
        jobs[("", "true", side)] = pool.submit(callgrind, b, ["/bin/true"], env_for(b, o, pre), "true-" + side)
    return jobs


def measure_wall(b, osls, port, pairs):
    res = {}
    for o in osls:
        for key, label, argv, target in rows(b, o, port):
            res[(o.name, key)] = wall(argv, env_for(b, o, None), env_for(b, o, b.lib),
                                      pairs if key not in ("hs100", "bulk") else max(3, pairs // 2))
        res[(o.name, "noop")] = wall(rows(b, o, port)[0][2], env_for(b, o, None), env_for(b, o, b.noop), pairs)
    o = osls[0]
    curlca = [r for r in rows(b, o, port) if r[0] == "curlca"]
    if curlca:
        res["rss"] = peak_rss(b, curlca[0][2], env_for(b, o, None), env_for(b, o, b.lib))
    return res


def reproduce(b, o, argv):
    env = "SSL_CERT_FILE=BUNDLE " + ("CURL_CA_BUNDLE=BUNDLE " if argv[0] == "curl" else "")
    if o.env:
        env += "LD_LIBRARY_PATH=%s " % o.env["LD_LIBRARY_PATH"]
    cmd = " ".join(a if " " not in a else "\"%s\"" % a for a in argv)
    cmd = cmd.replace(b.pki, "PKI").replace(b.args.build, "build").replace(sys.executable, "python3")
    return "%s[LD_PRELOAD=build/libtlsguard.so] valgrind --tool=callgrind %s" % (env, cmd)


def mark(ratio, target):
    return "%.3f %s" % (ratio, "✓" if ratio <= target else "✗")


def emit(b, osls, jobs, walls, port):
    b.heading("Whole processes, one client each (server in another process)")
    b.emit("Instructions: valgrind --tool=callgrind over the whole client process (ld.so, start-up and exit "
           "included; no toggle), repeatable. Wall clock: interleaved pairs A B, B A ..., the median of the "
           "pair ratios. Ratios are *cost with shim / without* here: 1.000 = no cost, ✓ when within the target. "
           "SSL_CERT_FILE (OpenSSL's default store) and CURL_CA_BUNDLE (curl's own CA file) are the system "
           "bundle plus the test CA (%d certificates), so curl without `--cacert` verifies for real against "
           "it, and any default store the shim loads costs what it does on a real machine. The server is "
           "bench/tls_server.py (Python, OpenSSL 3) on 127.0.0.1." % (
               open(b.bundle).read().count("BEGIN CERTIFICATE")))
    b.emit()
    b.table("| OpenSSL | process | instructions without | with shim | ratio | target | wall without | "
            "with shim | wall ratio |")
    cmds = []
    for o in osls:
        for key, label, argv, target in rows(b, o, port):
            ia, ib = jobs[(o.name, key, "A")].result()[0], jobs[(o.name, key, "B")].result()[0]
            ta, tb, wr = walls[(o.name, key)][:3]
            b.emit("| %s | %s | %.2f M | %.2f M | %s | ≤ %.3f | %.1f ms | %.1f ms | %.3f |" % (
                o.label, label, ia / 1e6, ib / 1e6, mark(ib / ia, target), target, ta, tb, wr))
            cmds.append(reproduce(b, o, argv))
        ia, inoop = jobs[(o.name, "c1", "A")].result()[0], jobs[(o.name, "c1", "N")].result()[0]
        ta, tb, wr = walls[(o.name, "noop")][:3]
        b.emit("| %s | no-op preload (an empty .so), C client one handshake | %.2f M | %.2f M | %.4f | ~1.000 | "
               "%.1f ms | %.1f ms | %.3f |" % (o.label, ia / 1e6, inoop / 1e6, inoop / ia, ta, tb, wr))
    b.emit()
    t = {s: jobs[("", "true", s)].result()[0] for s in ("A", "N", "B")}
    d = t["B"] - t["A"]
    b.emit("**Start-up of a program that never uses TLS** (`/bin/true`, whole process): %s instructions "
           "without, %s with the shim: **%+d** (target < 50 000 %s); an empty preload adds %+d of that "
           "(ld.so mapping any extra object), the shim itself %+d." % (
               "{:,}".format(t["A"]), "{:,}".format(t["B"]), d, "✓" if d < 50000 else "✗",
               t["N"] - t["A"], t["B"] - t["N"]))
    b.emit()
    if "rss" in walls:
        ra, rb = walls["rss"]
        b.emit("**Peak RSS of `curl --cacert ca.pem URL`** (ru_maxrss of a fork of bench/peak_rss.c, median of "
               "5 runs): %d KiB without, %d KiB with the shim: %+d KiB (target ≤ +256 KiB %s)." % (
                   ra, rb, rb - ra, "✓" if rb - ra <= 256 else "✗"))
        b.emit()
    b.emit("To reproduce a row (BUNDLE: /etc/ssl/certs/ca-certificates.crt + PKI/ca.pem; PKI: tests/lib/pki.sh "
           "DIR; a server: `python3 bench/tls_server.py PORT PKI/good.pem PKI/good.key`; the C client: "
           "`cc bench/bench_client.c -lssl -lcrypto`):")
    b.emit()
    for c in dict.fromkeys(cmds):
        b.emit("    " + c.replace(":%d/" % port, ":PORT/").replace("--port %d" % port, "--port PORT"))
    b.emit("    [LD_PRELOAD=build/libtlsguard.so] valgrind --tool=callgrind /bin/true")
    b.emit()


# ---- the older whole-process rows: start-up of `curl --version`, the trust store

def startup(b, o, runs):
    """Milliseconds to run a program that loads libssl and exits, without and with the shim."""
    argv = ["curl", "--version"] if o.name == "ossl3" else [o.openssl, "version"]
    envs = (b.env(o, False), b.env(o, True))
    times = ([], [])
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for i in range(runs + 10):
            for side in (0, 1):
                t0 = time.perf_counter()
                pid = os.posix_spawnp(argv[0], argv, envs[side], file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
                _, st = os.waitpid(pid, 0)
                dt = (time.perf_counter() - t0) * 1e3
                if st != 0:
                    raise RuntimeError("%s exited %d" % (" ".join(argv), st))
                if i >= 10:  # warm-up runs dropped
                    times[side].append(dt)
    finally:
        os.close(devnull)
    diffs = [y - x for x, y in zip(*times)]
    return " ".join(argv), statistics.median(times[0]), statistics.median(times[1]), statistics.median(diffs)


def calls_to(cgfile, pattern):
    """How many times functions matching `pattern` were called, from a raw callgrind file."""
    names, total, current = {}, 0, None
    rx = re.compile(pattern)
    with open(cgfile) as f:
        for line in f:
            if line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    current = names.get(m.group(1), "")
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.strip())
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
            elif line.startswith("calls=") and current is not None:
                if rx.search(current):
                    total += int(line.split("=")[1].split()[0])
                current = None
    return total


def trust_store(b, o, pool):
    extra = {"SSL_CERT_FILE": b.bundle}
    jobs = {}
    for k in (1, 100):
        for anchors in ("own", "none"):
            for shim in (False, True):
                out = os.path.join(b.tmp, "cg-trust-%s-%d-%s-%d.out" % (o.name, k, anchors, shim))
                argv = ["--mode", "contexts", "--contexts", str(k), "--anchors", anchors]
                jobs[(k, anchors, shim)] = (pool.submit(b.bench_tls, o, shim, argv, out, extra), out)
    res = {}
    for key, (fut, out) in jobs.items():
        ir = fut.result()["Ir"]
        loads = calls_to(out, r"^X509_load_cert_crl_file")
        res[key] = (ir, loads)
    return res


def emit_startup_trust(b, osls, starts, trusts, startup_runs):
    """The start-up (curl --version) and trust-store tables."""
    b.heading("Process start-up")
    b.table("| OpenSSL | program | median without | median with shim | median of pair differences | target |")
    for o in osls:
        what, x, y, d = starts[o.name]
        b.emit("| %s | `%s` | %.2f ms | %.2f ms | %+.2f ms %s | ≤ +1 ms |" % (o.label, what, x, y, d,
                                                                        "✓" if d <= 1.0 else "✗"))
    b.emit()
    b.emit("%d interleaved runs each (posix_spawn + waitpid, output to /dev/null), after 10 warm-up pairs." %
           startup_runs)
    b.emit()

    b.heading("Trust store: paid once per process, and never by a program with its own anchors")
    b.emit("Whole-process instructions (millions), callgrind; K client contexts made one after the other, one "
           "full TLS 1.3 handshake each. SSL_CERT_FILE is a %d-certificate bundle (the system's + the test CA): "
           "what OpenSSL's default verify paths load. *own anchors*: each context loads the test CA itself "
           "(SSL_CTX_load_verify_locations) and verifies; *none*: a legacy client (no anchors, "
           "SSL_VERIFY_NONE): without the shim it verifies nothing, with it the shim verifies with its "
           "shared default store. *bundle parses*: calls of X509_load_cert_crl_file(_ex)." % (
               open(b.bundle).read().count("BEGIN CERTIFICATE")))
    b.emit()
    b.table("| OpenSSL | anchors | K | without shim | with shim | shim adds | bundle parses without / with |")
    for o in osls:
        t = trusts[o.name]
        for anchors in ("own", "none"):
            for k in (1, 100):
                (x, lx), (y, ly) = t[(k, anchors, False)], t[(k, anchors, True)]
                b.emit("| %s | %s | %d | %.1f M | %.1f M | %+.1f M | %d / %d |" % (
                    o.label, anchors, k, x / 1e6, y / 1e6, (y - x) / 1e6, lx, ly))
        add1 = t[(1, "none", True)][0] - t[(1, "none", False)][0]
        add100 = t[(100, "none", True)][0] - t[(100, "none", False)][0]
        b.emit("| %s | none: per extra context (100 vs 1) | | | | %+.2f M | |" % (o.label, (add100 - add1) / 99e6))
    b.emit()
