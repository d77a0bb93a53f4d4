"""The one server wrapper of the Python drivers: a peer process on 127.0.0.1
(openssl s_server, tests/centos/peer_server.py, tests/adversarial/adv_server),
in a session of its own so that stop() ends it and all it spawned, never under
the shim. python3 standard library only."""

import os
import subprocess
import time
from typing import Callable, Dict, List, Optional

from tgtest import free_port, is_listening, stop_group

START_TRIES = 5       # a port found free may be taken before the server binds it
START_WAIT = 5.0      # seconds a server may take to listen


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
