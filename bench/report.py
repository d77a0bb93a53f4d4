"""results.md's sections, from what bench/run.py measured (bench/run.py
imports this; bench/process.py writes the whole-process sections itself).
Python 3 standard library only."""

import os
import platform
import re
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return "%s, nproc %d, %s, kernel %s" % (model, os.cpu_count(), platform.machine(), platform.release())



def fmt_ratio(r, target):
    mark = "" if r is None else (" ✓" if r >= target else " ✗")
    return "%.3f%s" % (r, mark) if r is not None else "-"


def shim_functions(cgfile, units, top=12):
    """The shim's functions, inclusive instructions per unit, from a callgrind file."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", cgfile], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    found = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(\S+?):(\S+) \[(.*libtlsguard\.so)\]", line)
        if m:
            name = "%s:%s" % (os.path.basename(m.group(2)), m.group(3))
            found[name] = found.get(name, 0) + int(m.group(1).replace(",", ""))
        m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+\S+:(_dl_addr|dladdr\S*|dlopen\S*|dlsym\S*) \[", line)
        if m:
            name = "libc:" + m.group(2)
            found[name] = found.get(name, 0) + int(m.group(1).replace(",", ""))
    # The trampolines' inclusive figures contain OpenSSL's own work (the real
    # call): left out, so what remains is what the shim adds.
    wrappers = re.compile(r"^(hook_handshake\.c|hook_io\.c|hook_ctx\.c):|^enforce\.c:tg_handshake$")
    return sorted(((v / units, k) for k, v in found.items() if not wrappers.search(k)), reverse=True)[:top]


# KCachegrind's cycle estimate: CEst = Ir + 10 Bm + 10 L1m + 100 LLm.
COST_ROWS = ("res12", "full13")


def header(b, osls, speeds, cpu, git_rev, lib_digest):
    """The title, the machine, the CPUs' speeds, the OpenSSL builds and the
    shim measured, and how to read the ratios."""
    b.emit("# tlsguard: measured cost")
    b.emit()
    b.emit("Written by `make bench` (bench/run.py%s) on %s." % (" --quick" if b.args.quick else "",
                                                               time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    b.emit()
    b.emit("- Machine: %s" % machine())
    b.emit("- CPUs, full TLS 1.3 handshakes/s on each (%s, no shim): %s. Wall-clock, start-up and memory "
           "runs are all pinned to CPU %d (sched_setaffinity), A and B alike." % (
               osls[0].label, ", ".join("CPU %d: %.0f" % (k, v) for k, v in sorted(speeds.items())), cpu))
    for o in osls:
        b.emit("- %s: `%s`" % (o.label, o.version))
    b.emit("- Shim: `%s` (git %s, sha256 %s; a copy taken at the start is what runs)" % (
        os.path.relpath(b.built_lib, REPO), git_rev, lib_digest))
    b.emit("- Ratios are *with shim / without* (throughput): 1.000 = no cost. ✓/✗: against the target. Wall "
           "clock: %d interleaved pairs (A B, B A, A B ...), median of the pair ratios (min..max beside it); on a "
           "shared 2-core machine expect ±10%% noise there, more when other work runs: *drift* is how far "
           "the rate without the shim moved between its own runs of the row (max/min). CPU time: the same "
           "runs, the process's user+system time for the loop (less disturbed by other load; includes the "
           "kernel work the shim causes, which instruction counts do not). Instructions: valgrind "
           "--tool=callgrind, the measured loop only: repeatable." % b.args.pairs)
    b.emit("- *same app*: identical command line, only LD_PRELOAD differs (the app verifies by itself: "
           "SSL_CTX_set_default_verify_paths, SSL_VERIFY_PEER, SNI + SSL_set1_host). *legacy app + shim*: "
           "B is the same binary as a legacy client (SNI only, SSL_VERIFY_NONE, no anchors) which the shim "
           "makes verify with its shared default store (SSL_CERT_FILE = the test CA); A is the verifying app "
           "without the shim: the same cryptographic work, done natively.")
    b.emit()



def throughput(b, osls, walls, cgs, units):
    """The with / without table, then where the shim's instructions go for
    each row that misses its target (else the one nearest it). units: per
    row, the units of its callgrind run (handshakes, or MiB both ways)."""
    b.heading("Throughput: with shim / without")
    b.table("| OpenSSL | figure | without | with shim | wall-clock ratio (min..max) | drift | CPU-time ratio | "
            "instructions per unit without / with | instruction ratio | target |")
    missed = []
    for o in osls:
        worst = None
        for key, (label, ra, rb, med, lo, hi, target, cmed, drift) in walls[o.name].items():
            _, ia, ib, iratio, _, cgfile = cgs[o.name][key]
            b.emit("| %s | %s | %.1f | %.1f | %s (%.3f..%.3f) | %.2f | %s | %s / %s | %s | ≥ %.3f |" % (
                o.label, label, ra, rb, fmt_ratio(med, target), lo, hi, drift, fmt_ratio(cmed, target),
                "{:,.0f}".format(ia),
                "{:,.0f}".format(ib), fmt_ratio(iratio, target), target))
            row = (o, key, label, iratio, target, ia, ib, cgfile)
            if iratio < target:
                missed.append(row)
            if worst is None or iratio - target < worst[3] - worst[4]:
                worst = row
        # Where the shim's instructions go is shown for every miss, else
        # for the row closest to its target.
        if worst and not any(m[0] is o for m in missed):
            missed.append(worst)
    b.emit()
    b.emit("Units: handshakes/s and instructions per handshake (client and server together, both in the "
           "process); bulk: MiB/s and instructions per MiB. Counts: wall clock %d full, %d resumed "
           "handshakes, %d MiB each way per run; callgrind %d full, %d resumed, %d MiB each way." % (
               b.args.n_full, b.args.n_res, b.args.mib, b.args.cg_full, b.args.cg_res, b.args.cg_mib))
    b.emit()

    if missed:
        b.emit("### Where the instructions go (each miss, else the row nearest its target)")
        b.emit()
        b.emit("The shim's helpers (and the dynamic-linker lookups they make), inclusive instructions per "
               "unit, from `callgrind_annotate --inclusive=yes` of the run with the shim; the hooks themselves "
               "(SSL_connect, SSL_read, tg_handshake...) are left out, their inclusive figures being mostly "
               "OpenSSL's own work. libs.c:tg_libs_for is the per-call routing to a libssl copy; its dladdr/"
               "_dl_addr calls are its cache misses.")
        b.emit()
        for o, key, label, iratio, target, ia, ib, cgfile in missed:
            b.emit("**%s, %s**: %s instructions per unit more with the shim (ratio %.3f, target %.3f)" % (
                o.label, label, "{:,.0f}".format(ib - ia), iratio, target))
            b.emit()
            b.emit("```")
            for per, name in shim_functions(cgfile, units[key]):
                b.emit("%12s  %s" % ("{:,.0f}".format(per), name))
            b.emit("```")
            b.emit()



def cache_costs(b, osls, costs):
    """callgrind's simulated caches and branch predictor for the cost rows."""
    b.emit("### Why the wall clock can lag the instruction count")
    b.emit()
    b.emit("The shim adds little work, but it runs between long stretches of OpenSSL's code and finds its "
           "own out of the instruction cache, and its branches unlearned. callgrind's simulated caches "
           "and branch predictor (`--cache-sim=yes --branch-sim=yes`) show it, per handshake; *cycle "
           "estimate* is KCachegrind's CEst = Ir + 10 Bm + 10 L1m + 100 LLm, a model, not a measurement "
           "(this virtual machine exposes no hardware counters).")
    b.emit()
    b.table("| OpenSSL | figure | instruction ratio | L1 misses per unit without / with | branch mispredicts "
            "per unit without / with | cycle-estimate ratio |")
    for o in osls:
        for key, (label, n, ra, rb, ea, eb) in costs[o.name].items():
            b.emit("| %s | %s | %.4f | %s / %s | %s / %s | %.4f |" % (
                o.label, label, ra["Ir_total"] / rb["Ir_total"],
                "{:,.0f}".format((ra["I1"] + ra["D1"]) / n), "{:,.0f}".format((rb["I1"] + rb["D1"]) / n),
                "{:,.0f}".format(ra["Bm"] / n), "{:,.0f}".format(rb["Bm"] / n), ea / eb))
    b.emit()



def policy_memory(b, osls, pol, mems, mem_n):
    """The policy file load and the memory growth sections."""
    b.heading("Policy file")
    b.emit("`bench/bench_policy.c` (policy/*.c, -O2), 10 000 host blocks (target: load < 5 ms):")
    b.emit()
    b.emit("```")
    for line in pol:
        b.emit(line)
    b.emit("```")
    b.emit()

    b.heading("Memory")
    b.emit("VmRSS of bench_tls after 1 000 and after %d **resumed TLS 1.2** handshakes (session tickets, one "
           "byte each way; resumption keeps 100 000 feasible in time). Target: growth within 1 MiB under the "
           "shim." % mem_n)
    b.emit()
    b.table("| OpenSSL | shim | after 1 000 | after %d | growth | run time |" % mem_n)
    for o in osls:
        for shim in (False, True):
            a, z, s = mems[o.name][shim]
            b.emit("| %s | %s | %d KiB | %d KiB | %+d KiB %s | %.1f s |" % (
                o.label, "with" if shim else "without", a, z, z - a,
                ("✓" if z - a <= 1024 else "✗") if shim else "", s))
    b.emit()


def reproduce(b, t_start):
    """The commands that made these figures."""
    b.heading("How to reproduce")
    b.emit("    make bench                         # everything above, ~%d min here" % (
        max(1, round((time.monotonic() - t_start) / 60))))
    b.emit("    python3 bench/run.py --only ossl3 --pairs 7")
    b.emit("    python3 bench/run.py --only gnutls     # or nss: those whole-process rows alone")
    b.emit("    SSL_CERT_FILE=PKI/ca.pem [LD_PRELOAD=build/libtlsguard.so] build/bench/bench_tls-ossl3 \\")
    b.emit("        --pki PKI --mode full --proto 13 --app verify --n 600")
    b.emit("    valgrind --tool=callgrind --toggle-collect=bench_loop build/bench/bench_tls-ossl3 ...")
