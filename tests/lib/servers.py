"""The one server wrapper of the Python drivers: a peer process on 127.0.0.1
(openssl s_server, tests/lib/peer_server.py, tests/adversarial/adv_server,
gnutls-serv),
in a session of its own so that stop() ends it and all it spawned, never under
the shim. python3 standard library only."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Optional

from tgtest import free_port, is_listening, stop_group

START_TRIES = 5       # a port found free may be taken before the server binds it
START_WAIT = 5.0      # seconds a server may take to listen
PEER_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_server.py")


def tail(path: str, n: int = 600) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]
    except OSError:
        return ""


def clean_env(env: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment a peer runs in: the caller's, or ours without the shim."""
    if env is not None:
        return env
    return {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "TLSGUARD"))}


class Listener:
    """A server `argv_of(port)` on 127.0.0.1. Its stdout goes to out_path (what
    s_server -quiet received), stderr to err_path. ready="listen": the port is
    ours (a free one, tried again when taken) and the server is up once it
    LISTENs there; ready="port-line": the server picks its port and says
    `PORT n` as its first line of stdout (then out_path is not used)."""

    def __init__(self, name: str, argv_of: Callable[[int], List[str]], out_path: str,
                 err_path: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 stdin=subprocess.PIPE, ready: str = "listen"):
        self.name, self.argv_of, self.env, self.stdin, self.ready = name, argv_of, env, stdin, ready
        self.out_path, self.err_path = out_path, err_path or out_path + ".err"
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0

    @property
    def addr(self) -> str:
        return "localhost:%d" % self.port

    def start(self):
        if self.ready == "port-line":
            return self._start_port_line()
        for _ in range(START_TRIES):
            self.port = free_port()
            with open(self.out_path, "ab") as out, open(self.err_path, "ab") as err:
                self.proc = subprocess.Popen(self.argv_of(self.port), stdin=self.stdin, stdout=out,
                                             stderr=err, env=clean_env(self.env), start_new_session=True)
            deadline = time.monotonic() + START_WAIT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if is_listening(self.port):
                    return self
                time.sleep(0.02)
            self.stop()
        raise RuntimeError("%s did not start: %s" % (self.name, tail(self.err_path)))

    def _start_port_line(self):
        with open(self.err_path, "ab") as err:
            self.proc = subprocess.Popen(self.argv_of(0), stdout=subprocess.PIPE, stderr=err,
                                         env=clean_env(self.env), stdin=self.stdin, start_new_session=True)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("%s did not start: %s" % (self.name, tail(self.err_path, 400)))
        self.port = int(line.split()[1])
        return self

    def stop(self):
        stop_group(self.proc)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def size(self) -> int:
        return os.path.getsize(self.out_path)

    # What every peer answers, so that a driver can take s_server and
    # RecordingPeer alike: mark() before a client runs, settle() after it,
    # then since(mark) is every application byte the client sent meanwhile.
    def mark(self) -> int:
        return self.size()

    def settle(self, limit: float = 5.0):
        pass  # s_server -quiet writes what it reads as it reads it

    def since(self, mark: int) -> bytes:
        return self.read_from(mark)

    def read_from(self, offset: int = 0) -> bytes:
        """What the server wrote to out_path from `offset` on (b"" when none)."""
        try:
            with open(self.out_path, "rb") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return b""


def s_server(name: str, pki: str, cert: Optional[str], args: List[str], out_path: str,
             err_path: Optional[str] = None, env: Optional[Dict[str, str]] = None,
             openssl: str = "openssl", stdin=subprocess.PIPE) -> Listener:
    """`openssl s_server -quiet` with <pki>/<cert>.pem and .key (cert None:
    no certificate, e.g. -nocert in args) and the extra options `args`. Its
    stdin is an open pipe never written to (EOF would not stop it anyway)."""
    files = [] if cert is None else ["-cert", os.path.join(pki, cert + ".pem"),
                                     "-key", os.path.join(pki, cert + ".key")]
    return Listener(name, lambda port: [openssl, "s_server", "-accept", "127.0.0.1:%d" % port,
                                        "-quiet"] + files + list(args),
                    out_path, err_path, env, stdin)


class RecordingPeer(Listener):
    """tests/lib/peer_server.py with <pki>/<cert>.pem and .key, speaking
    min_v..max_v (TLSv1, TLSv1_1, TLSv1_2, TLSv1_3): one JSON line per
    connection in <workdir>/peer-<name>.jsonl (what it negotiated or why the
    handshake failed, every application byte it received), a small HTTP 200
    to a complete request. ciphers: its cipher string (None: peer_server's
    'DEFAULT:@SECLEVEL=0', "": Python's default); close: it shuts the
    connection right after its answer (for clients that read until then);
    greet: a text it sends first, right after the handshake."""

    def __init__(self, name: str, pki_dir: str, cert: str, min_v: str, max_v: str, workdir: str,
                 ciphers: Optional[str] = None, close: bool = False, greet: Optional[str] = None):
        self.log = os.path.join(workdir, "peer-%s.jsonl" % name)
        err = os.path.join(workdir, "peer-%s.err" % name)
        argv = [sys.executable, PEER_SERVER, "--cert", os.path.join(pki_dir, cert + ".pem"),
                "--key", os.path.join(pki_dir, cert + ".key"), "--min", min_v, "--max", max_v,
                "--log", self.log] + ([] if ciphers is None else ["--ciphers", ciphers]) + (
                    ["--close"] if close else []) + ([] if greet is None else ["--greet", greet])
        super().__init__("peer %s" % name, lambda port: argv + ["--port", str(port)], err, err,
                         stdin=subprocess.DEVNULL)

    def records(self) -> List[dict]:
        try:
            with open(self.log) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def accepted(self) -> int:
        try:
            with open(self.log + ".accepted") as f:
                return sum(1 for _ in f)
        except OSError:
            return 0

    def mark(self) -> int:
        return len(self.records())

    def settle(self, limit: float = 5.0):
        """Wait until every connection the peer accepted has been logged."""
        end = time.monotonic() + limit
        while len(self.records()) < self.accepted() and time.monotonic() < end:
            time.sleep(0.01)

    def since(self, mark: int) -> bytes:
        """Every application byte of the connections logged after `mark`
        (call settle() first)."""
        return b"".join(r["data"].encode("latin-1") for r in self.records()[mark:])

    def new_records(self, before: int, timeout: float = 4.0) -> List[dict]:
        """The connections logged after the first `before`, once at least one is
        there (a connection is logged when it ends) and no more arrive for a
        moment."""
        deadline = time.monotonic() + timeout
        while len(self.records()) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = -1
        while seen != len(self.records()):
            seen = len(self.records())
            time.sleep(0.1)
        return self.records()[before:]

    def received(self, before: int, timeout: float = 4.0) -> bytes:
        """Every application byte of the connections after the first `before`."""
        return b"".join(r["data"].encode("latin-1") for r in self.new_records(before, timeout))


class RecordingRelay:
    """127.0.0.1:port -> 127.0.0.1:to_port, keeping in `raw` every byte the
    clients sent (beneath TLS: what reached the wire). When one side ends,
    both are shut; with `drain_client`, the client is read on after the peer
    has gone (a refusing peer closes first), so a late raw write is seen."""

    def __init__(self, to_port: int, drain_client: bool = False):
        self.to, self.raw, self.drain = to_port, b"", drain_client
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            up = socket.create_connection(("127.0.0.1", self.to))
            threading.Thread(target=self.pump, args=(c, up, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(up, c, False), daemon=True).start()

    def pump(self, a, b, from_client: bool):
        try:
            while True:
                d = a.recv(4096)
                if not d:
                    break
                if from_client:
                    self.raw += d
                try:
                    b.sendall(d)
                except OSError:
                    if not (from_client and self.drain):
                        break
        except OSError:
            pass
        for s, how in ((b, socket.SHUT_WR),) if self.drain else ((a, socket.SHUT_RDWR), (b, socket.SHUT_RDWR)):
            try:
                s.shutdown(how)
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()
