#!/usr/bin/env python3
"""Measured cost of libtlsguard.so: `make bench`.

    python3 bench/run.py [--build build] [--pairs 5] [--out bench/results.md] [--quick]

Every figure is the same work with and without LD_PRELOAD=<build>/libtlsguard.so,
on OpenSSL 3.0 (the system's) and 1.1.1 (tests/lib/fetch-openssl11.sh):

  handshakes   bench_tls (bench/bench_tls.c): server and client in one process over
               socketpair()s, one thread; the client verifies the test PKI's certificate
               for "localhost" (SNI); SSL_CERT_FILE is the test CA. Wall clock: runs
               interleaved A B A B ..., the ratio B/A per pair, the median of --pairs pairs.
               Instructions: the same under valgrind --tool=callgrind, counting only the
               measured loop (--toggle-collect=bench_loop), smaller counts.
  start-up     `curl --version` (OpenSSL 3) / 1.1.1's `openssl version`: programs that load
               libssl and exit; 200 interleaved runs each, median difference in ms.
  trust store  callgrind, whole process: 1 and 100 contexts with a handshake each, with and
               without the shim, a program with its own anchors and one with none, with
               SSL_CERT_FILE a 146-certificate bundle (the system's plus the test CA), and
               how many times that bundle was parsed.
  policy       bench/bench_policy.c on 10 000 host blocks with pins.
  memory       VmRSS after 1 000 and after 100 000 resumed TLS 1.2 handshakes under the shim.
  processes    bench/process.py: whole client processes (C client, curl, python3) against a
               server in another process, by instructions and wall clock; /bin/true start-up;
               peak RSS of curl --cacert. `--part process` runs only these. GnuTLS and NSS
               programs too (bench/backends.py: C clients, wget, gnutls-cli, libcurl-nss);
               `--only gnutls` / `--only nss` runs only theirs.

Prints the tables and writes them, with the machine, to --out. Asserts nothing about
time (exit 0 unless something failed to run); targets are shown beside each figure.
Python 3 standard library only.
"""

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTS = os.path.join(REPO, "tests")
sys.path.insert(0, os.path.join(TESTS, "lib"))
from tgtest import openssl_builds  # noqa: E402
import process  # noqa: E402  (bench/process.py: the whole-process rows)
import report  # noqa: E402  (bench/report.py: results.md's other sections)
import backends  # noqa: E402  (bench/backends.py: GnuTLS and NSS programs in them)
CFLAGS = ["-std=gnu99", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-Wshadow"]


def sh(argv, what, env=None):
    p = subprocess.run(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what, p.returncode, p.stdout.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def builds():
    osls = openssl_builds()
    for o in osls:
        o.version = sh([o.openssl, "version"], "openssl version", env=dict(os.environ, **o.env)).strip()
        o.bench = None
    return osls



class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.lib = os.path.abspath(os.path.join(args.build, "libtlsguard.so"))
        self.pki = os.path.join(tmp, "pki")
        self.bundle = os.path.join(tmp, "bundle.pem")
        self.out = []   # markdown lines

    def env(self, o, shim, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TLSGUARD_") and k not in ("LD_PRELOAD", "LD_LIBRARY_PATH", "OPENSSL_CONF",
                                                              "SSL_CERT_DIR", "SSL_CERT_FILE")}
        env.update(o.env)
        env["SSL_CERT_FILE"] = os.path.join(self.pki, "ca.pem")
        # The built-in policy (an empty file), whatever /etc/tlsguard.policy says.
        env["TLSGUARD_POLICY"] = os.path.join(self.tmp, "empty.policy")
        if shim:
            env["LD_PRELOAD"] = self.lib
        env.update(extra)
        return env

    def emit(self, line=""):
        print(line, flush=True)
        self.out.append(line)

    def heading(self, title):
        """A section of results.md: its "## title" line and the blank after it."""
        self.emit("## " + title)
        self.emit()

    def table(self, header):
        """A table's header row and its rule: the first two columns (what is
        measured) left-aligned, the figures right-aligned."""
        self.emit(header)
        self.emit("|" + "---|" * 2 + "---:|" * (header.count("|") - 3))

    def bench_tls(self, o, shim, argv, callgrind=None, extra_env=None, timeout=900, cachesim=False):
        cmd = [o.bench, "--pki", self.pki] + argv
        if callgrind:
            cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + callgrind] + (
                ["--cache-sim=yes", "--branch-sim=yes"] if cachesim else []) + (
                ["--toggle-collect=bench_loop"] if "--mode" in argv and "contexts" not in argv else []) + cmd
        p = subprocess.run(cmd, env=self.env(o, shim, **(extra_env or {})), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("%s%s failed:\n%s%s" % ("LD_PRELOAD=shim " if shim else "", " ".join(cmd),
                                                      p.stdout.decode(errors="replace"),
                                                      p.stderr.decode(errors="replace")[-3000:]))
        line = p.stdout.decode().strip().splitlines()[-1]
        res = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if callgrind:
            err = p.stderr.decode()
            m = re.findall(r"Collected : (\d+)", err)
            res["Ir"] = int(m[-1]) if m else None
            for key, pat in (("I1", r"I1\s+misses:\s+([\d,]+)"), ("D1", r"D1\s+misses:\s+([\d,]+)"),
                             ("LL", r"LL misses:\s+([\d,]+)"), ("Bm", r"Mispredicts:\s+([\d,]+)"),
                             ("Ir_total", r"I\s+refs:\s+([\d,]+)")):
                m = re.findall(pat, err)
                if m:
                    res[key] = int(m[-1].replace(",", ""))
        return res


# Rows: (key, label, bench_tls argv for A (no shim) and B (shim), unit, target).
# "same app": A and B run the same command line, only LD_PRELOAD differs.
# "shim verifies": B is a legacy program (SNI only, no anchors, SSL_VERIFY_NONE)
# that the shim makes verify with its shared default store (SSL_CERT_FILE); A is
# the same binary verifying by itself: the same cryptographic work, done natively.
def rows(n_full, n_res, mib):
    return [
        ("full13", "full TLS 1.3 handshakes/s, same app (verifies itself)",
         ["--mode", "full", "--proto", "13", "--app", "verify", "--n", str(n_full)], None, 0.98),
        ("full13L", "full TLS 1.3 handshakes/s, legacy app + shim vs verifying app",
         ["--mode", "full", "--proto", "13", "--app", "verify", "--n", str(n_full)],
         ["--mode", "full", "--proto", "13", "--app", "legacy", "--n", str(n_full)], 0.98),
        ("full12", "full TLS 1.2 handshakes/s, same app (verifies itself)",
         ["--mode", "full", "--proto", "12", "--app", "verify", "--n", str(n_full)], None, 0.98),
        ("full12L", "full TLS 1.2 handshakes/s, legacy app + shim vs verifying app",
         ["--mode", "full", "--proto", "12", "--app", "verify", "--n", str(n_full)],
         ["--mode", "full", "--proto", "12", "--app", "legacy", "--n", str(n_full)], 0.98),
        ("res13", "resumed TLS 1.3 handshakes/s (tickets), same app",
         ["--mode", "resume", "--proto", "13", "--app", "verify", "--n", str(n_res)], None, 0.98),
        ("res12", "resumed TLS 1.2 handshakes/s (tickets), same app",
         ["--mode", "resume", "--proto", "12", "--app", "verify", "--n", str(n_res)], None, 0.98),
        ("bulk", "bulk MiB/s, %d MiB each way in 16 KiB records (TLS 1.3)" % mib,
         ["--mode", "bulk", "--proto", "13", "--app", "verify", "--n", str(mib)], None, 0.995),
    ]


def cpu_speeds(b, o):
    """Full TLS 1.3 handshakes/s without the shim on each CPU this process may
    use (median of 3 short runs each). The vCPUs of a shared machine need not
    be alike: here one ran the same work 1.6x slower than the other, and the
    scheduler put A and B runs on different ones, so every wall-clock run is
    pinned to one CPU, the same for A and B."""
    speeds = {}
    saved = os.sched_getaffinity(0)
    try:
        for cpu in sorted(saved):
            os.sched_setaffinity(0, {cpu})
            argv = ["--mode", "full", "--proto", "13", "--app", "verify", "--n", "150"]
            speeds[cpu] = statistics.median(float(b.bench_tls(o, False, argv)["rate"]) for _ in range(3))
    finally:
        os.sched_setaffinity(0, saved)
    return speeds


def wall_clock(b, o, pairs):
    """Per row: median rate without and with the shim, the median of the pair
    ratios by wall clock (min, max), the median of the pair ratios by the
    process's CPU time, and how far the rate without the shim drifted between
    runs (max/min). Pairs alternate A B, B A, A B ... so that a machine that
    slows down or speeds up during a row favours neither side."""
    res = {}
    for key, label, a_argv, b_argv, target in rows(b.args.n_full, b.args.n_res, b.args.mib):
        b_argv = b_argv or a_argv
        b.bench_tls(o, False, a_argv)  # warm the page cache and CPU clocks
        ra, rb, ratios, cratios = [], [], [], []
        for i in range(pairs):
            if i % 2:
                y = b.bench_tls(o, True, b_argv)
                x = b.bench_tls(o, False, a_argv)
            else:
                x = b.bench_tls(o, False, a_argv)
                y = b.bench_tls(o, True, b_argv)
            ra.append(float(x["rate"]))
            rb.append(float(y["rate"]))
            ratios.append(float(y["rate"]) / float(x["rate"]))
            cratios.append(float(x["cpu_seconds"]) / float(y["cpu_seconds"]))
        res[key] = (label, statistics.median(ra), statistics.median(rb), statistics.median(ratios),
                    min(ratios), max(ratios), target, statistics.median(cratios), max(ra) / min(ra))
        print("  %s %-68s %10.1f %10.1f  ratio %.3f (%.3f..%.3f) cpu %.3f drift %.2f" % (
            o.name, label, res[key][1], res[key][2], res[key][3], res[key][4], res[key][5], res[key][7],
            res[key][8]), flush=True)
    return res


def callgrind_rows(b, o, pool):
    """Instruction counts of the measured loop, per unit, A and B."""
    jobs = {}
    for key, label, a_argv, b_argv, target in rows(b.args.cg_full, b.args.cg_res, b.args.cg_mib):
        b_argv = b_argv or a_argv
        for side, shim, argv in (("A", False, a_argv), ("B", True, b_argv)):
            out = os.path.join(b.tmp, "cg-%s-%s-%s.out" % (o.name, key, side))
            jobs[(key, side)] = (pool.submit(b.bench_tls, o, shim, argv, out), out, argv)
    res = {}
    for key, label, a_argv, b_argv, target in rows(b.args.cg_full, b.args.cg_res, b.args.cg_mib):
        ia = jobs[(key, "A")][0].result()["Ir"]
        ib = jobs[(key, "B")][0].result()["Ir"]
        units = int(a_argv[a_argv.index("--n") + 1]) * (2 if key == "bulk" else 1)
        res[key] = (label, ia / units, ib / units, ia / ib, target, jobs[(key, "B")][1])
    return res


# KCachegrind's cycle estimate: CEst = Ir + 10 Bm + 10 L1m + 100 LLm.
COST_ROWS = ("res12", "full13")


def cost_model(b, o, pool):
    """The simulated caches and branch predictor of callgrind, for rows where
    wall clock and instructions disagree most: the shim's code runs between
    long stretches of OpenSSL's and finds itself out of the caches."""
    jobs = {}
    for key, label, a_argv, b_argv, target in rows(b.args.cg_full, b.args.cg_res, b.args.cg_mib):
        if key not in COST_ROWS:
            continue
        for side, shim in (("A", False), ("B", True)):
            out = os.path.join(b.tmp, "cgc-%s-%s-%s.out" % (o.name, key, side))
            jobs[(key, side)] = (label, int(a_argv[a_argv.index("--n") + 1]),
                                 pool.submit(b.bench_tls, o, shim, a_argv, out, None, 900, True))
    res = {}
    for key in COST_ROWS:
        label, n, fa = jobs[(key, "A")]
        fb = jobs[(key, "B")][2]
        ra, rb = fa.result(), fb.result()
        est = lambda r: r["Ir_total"] + 10 * r["Bm"] + 10 * (r["I1"] + r["D1"]) + 100 * r["LL"]
        res[key] = (label, n, ra, rb, est(ra), est(rb))
    return res


def policy_bench(b):
    exe = os.path.join(b.args.build, "bench", "bench_policy")
    srcs = sorted(f for f in os.listdir(os.path.join(REPO, "policy")) if f.endswith(".c"))
    sh(["cc"] + CFLAGS + ["-Ipolicy", "-o", exe, "bench/bench_policy.c"] + ["policy/" + s for s in srcs],
       "building bench_policy")
    return sh([exe, "10000"], "bench_policy").strip().splitlines()


def memory(b, o, n):
    out = {}
    for shim in (False, True):
        r = b.bench_tls(o, shim, ["--mode", "rss", "--proto", "12", "--app", "verify", "--n", str(n)])
        out[shim] = (int(r["rss_kb_after_1000"]), int(r["rss_kb_after_n"]), float(r["seconds"]))
    return out


def process_only(b, osls, port):
    """`--part process`: the whole-process rows alone, printed (and written to
    --out only when one is given)."""
    walls = process.measure_wall(b, osls, port, b.args.pairs)  # alone: no callgrind beside it
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        jobs = process.measure_callgrind(b, osls, pool, port)
        process.emit(b, osls, jobs, walls, port)
    if b.args.out:
        with open(b.args.out, "w") as f:
            f.write("\n".join(b.out) + "\n")
    return 0



def parse_args(argv):
    """The command line, and the counts it implies; also which other
    libraries' programs (gnutls, nss) are measured."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--pairs", type=int, default=9)
    ap.add_argument("--out", help="default bench/results.md (none with --part process)")
    ap.add_argument("--quick", action="store_true", help="small counts, to try the script out")
    ap.add_argument("--only", choices=["ossl3", "ossl11", "gnutls", "nss"],
                    help="one OpenSSL only; gnutls / nss: only the whole-process rows of those programs "
                         "(bench/backends.py), written to --out only when one is given")
    ap.add_argument("--part", choices=["all", "process"], default="all",
                    help="process: only the whole-process rows (bench/process.py)")
    args = ap.parse_args(argv)
    args.build = os.path.abspath(os.path.join(REPO, args.build))
    others = [args.only] if args.only in ("gnutls", "nss") else [] if args.only else ["gnutls", "nss"]
    if others == [args.only]:
        args.part = "process"
    if args.out is None and args.part == "all":
        args.out = os.path.join(HERE, "results.md")
    q = args.quick
    args.n_full, args.n_res, args.mib = (100, 300, 32) if q else (600, 3000, 512)
    args.cg_full, args.cg_res, args.cg_mib = (10, 30, 2) if q else (30, 300, 16)
    args.startup_runs = 30 if q else 200
    args.mem_n = 3000 if q else 100000
    return args, others


def prepare(b, others):
    """The OpenSSL builds and other libraries' programs measured, with their
    bench programs built, the test PKI, the CA bundle and the empty policy."""
    args = b.args
    os.makedirs(os.path.join(args.build, "bench"), exist_ok=True)
    osls = [] if args.only in others else builds()
    if args.only:
        osls = [o for o in osls if o.name == args.only]
    progs, skipped = backends.available(others)
    for line in skipped:
        print("bench: skipping %s" % line, flush=True)
    for o in osls:
        o.bench = os.path.join(args.build, "bench", "bench_tls-" + o.name)
        sh(["cc"] + CFLAGS + o.cflags + ["-o", o.bench, "bench/bench_tls.c"] + o.ldflags,
           "building bench_tls (%s)" % o.name)
    sh(["sh", os.path.join(TESTS, "lib", "pki.sh"), b.pki], "making the test PKI")
    with open(b.bundle, "w") as f:
        f.write(open("/etc/ssl/certs/ca-certificates.crt").read())
        f.write(open(os.path.join(b.pki, "ca.pem")).read())
    open(os.path.join(b.tmp, "empty.policy"), "w").close()
    process.build_clients(b, osls + progs, CFLAGS)
    b.noop = process.make_noop(b)
    return osls, progs


def measure(b, osls, progs, port, cpu):
    """Every figure but the CPUs' speeds: wall clock, start-up, memory and
    the policy pinned to `cpu`, then the callgrind runs two at a time."""
    args, m = b.args, argparse.Namespace()
    m.walls, m.cgs = {}, {}
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        for o in osls:
            print("wall clock, %s (%d pairs per row)..." % (o.label, args.pairs), flush=True)
            m.walls[o.name] = wall_clock(b, o, args.pairs)
        m.starts = {}
        for o in osls:
            m.starts[o.name] = process.startup(b, o, args.startup_runs)
        m.mems = {}
        for o in osls:
            print("memory, %s (%d resumed handshakes)..." % (o.label, args.mem_n), flush=True)
            m.mems[o.name] = memory(b, o, args.mem_n)
        m.pol = policy_bench(b)
        print("whole processes, wall clock...", flush=True)
        m.pwalls = process.measure_wall(b, osls + progs, port, args.pairs)
    finally:
        os.sched_setaffinity(0, saved)
    # Instruction counts do not care about load: two at a time.
    print("callgrind runs...", flush=True)
    m.trusts = {}
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        for o in osls:
            m.cgs[o.name] = callgrind_rows(b, o, pool)
            m.trusts[o.name] = process.trust_store(b, o, pool)
        m.costs = {o.name: cost_model(b, o, pool) for o in osls}
        m.pjobs = process.measure_callgrind(b, osls + progs, pool, port)
        pool.shutdown(wait=True)
    return m


def main(argv=None):
    args, others = parse_args(argv)
    t_start = time.monotonic()

    tmp = tempfile.mkdtemp(prefix="tlsguard-bench-")
    b = Bench(args, tmp)
    # Measure one build from start to end: a snapshot, whatever rebuilds
    # build/ meanwhile.
    b.built_lib = b.lib
    b.lib = os.path.join(tmp, "libtlsguard.so")
    shutil.copy2(b.built_lib, b.lib)

    server = None

    def digest():
        with open(b.lib, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:12]
    try:
        osls, progs = prepare(b, others)
        server = process.Server(b.pki)
        if args.part == "process":
            return process_only(b, osls + progs, server.port)

        print("timing each CPU...", flush=True)
        speeds = cpu_speeds(b, osls[0])
        cpu = max(speeds, key=speeds.get)
        report.header(b, osls, speeds, cpu, sh(["git", "rev-parse", "--short", "HEAD"], "git").strip(),
                      digest())
        m = measure(b, osls, progs, server.port, cpu)
        # Per row, the units of its callgrind run: handshakes, or MiB both ways.
        units = {key: int(a_argv[a_argv.index("--n") + 1]) * (2 if key == "bulk" else 1)
                 for key, _, a_argv, _, _ in rows(args.cg_full, args.cg_res, args.cg_mib)}
        report.throughput(b, osls, m.walls, m.cgs, units)
        report.cache_costs(b, osls, m.costs)
        process.emit_startup_trust(b, osls, m.starts, m.trusts, args.startup_runs)
        process.emit(b, osls + progs, m.pjobs, m.pwalls, server.port)
        report.policy_memory(b, osls, m.pol, m.mems, args.mem_n)
        report.reproduce(b, t_start)
        with open(args.out, "w") as f:
            f.write("\n".join(b.out) + "\n")
        print("\nwrote %s in %.0fs" % (os.path.relpath(args.out, REPO), time.monotonic() - t_start))
        return 0
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
