"""``python -m pimalign ARGS`` for the tests, without paying the imports each time: a fork server.

A real ``python -m pimalign`` spends about a second importing numpy, Numba, pysam and the
kernels' modules before it looks at its arguments; a test file that runs a hundred commands
spends most of its time there. ``run`` gives what ``subprocess.run(PIMALIGN + args, ...)`` gives
(a ``CompletedProcess``: the exit code, negative on a signal; stdout and stderr as the program
wrote them into pipes) from a process forked off a server that has imported all that once:

- the server (this file run as a script, one per environment: a variable read at import time is
  the server's) imports the modules and waits; it starts no thread and calls no kernel, so every
  run starts with no kernel loaded, no Numba thread pool and nothing of an earlier run;
- per run it forks a waiter, which forks the worker and reports the worker's end (exit code or
  signal) on a pipe of the caller's, so a crash or a segfault ends only that worker;
- the worker takes the caller's pipes as file descriptors 0, 1 and 2 (with new ``sys.std*``
  objects built as the interpreter builds them at start), the caller's working folder and umask,
  and runs ``pimalign/__main__.py`` as ``python -m`` does (``runpy``): SystemExit, uncaught
  exceptions and KeyboardInterrupt, signal handlers, ``atexit`` and the interpreter's
  finalization are the interpreter's own.

What a fork cannot give, and where a test needs a real process: the start-up itself (``--help``,
``--version``, imports, a signal while the program starts), environment variables read at import
time that differ from the server's (``run`` starts another server for another environment),
and a fresh hash seed (every worker shares the server's). ``PIMALIGN_TEST_REAL_PROCESSES=1``
in the environment makes ``run`` a plain ``subprocess.run``, to compare.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIMALIGN = [sys.executable, "-m", "pimalign"]
REAL = os.environ.get("PIMALIGN_TEST_REAL_PROCESSES") == "1"

# What ``python -m pimalign COMMAND`` imports before it does anything (the commands import the
# rest on use: the same modules, so importing them here changes no run). Not here: the GPU
# package (numba.cuda) and the plots (matplotlib), which only some runs load.
PRELOAD = (
    "numpy",
    "numba",
    "pysam",
    "pimalign.cli.main",
    "pimalign.cli.bwa",
    "pimalign.cli.compile",
    "pimalign.cli.editdist",
    "pimalign.cli.pim",
    "pimalign.mapper.run",
    "pimalign.mapper.index",
    "pimalign.mapper.pipeline",
    "pimalign.editdist.api",
    "pimalign.io.reads",
    "pimalign.io.pairs",
    "pimalign.io.sam",
    "pimalign.pim.estimate",
)


# Variables that change from test to test and that pimalign does not read: one server for all
# their values (the worker sets them as the caller has them at the call). Any other difference
# from the server's environment starts another server.
PER_TEST = ("PYTEST_CURRENT_TEST",)


# ---- the server (this file run as a script) -----------------------------------------------------


def _threads() -> int:
    """Threads of this process, native ones included (OpenBLAS's, say)."""
    return len(os.listdir("/proc/self/task"))


def _serve(sock: socket.socket):
    """Answer requests until the caller closes its end; returns ``(request, fds)`` in a worker."""
    hello = {"python_threads": threading.active_count(), "threads": _threads()}
    sock.send(json.dumps(hello).encode())
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 4)
        except KeyboardInterrupt:
            os._exit(0)
        if not msg:  # the caller is done: wait for the runs still going, then stop
            _reap(block=True)
            os._exit(0)
        _reap(block=False)
        if os.fork() == 0:
            worker = _wait_for_worker(sock, fds)
            if worker is not None:
                return json.loads(msg), worker
        for fd in fds:
            os.close(fd)


def _reap(block: bool) -> None:
    """Wait for the waiters that have ended (all of them with ``block``): their CPU time (their
    workers' included) then counts in this process's, and so in the caller's."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wait_for_worker(sock, fds):
    """The waiter: fork the worker, write ``pid N`` then ``exit CODE`` on the status pipe."""
    try:
        sock.close()
        pid = os.fork()
        if pid == 0:
            return fds
        status = fds[3]
        for fd in fds[:3]:
            os.close(fd)
        os.write(status, f"pid {pid}\n".encode())
        _, wait_status = os.waitpid(pid, 0)
        os.write(status, f"exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())
    except BaseException:  # the caller is gone, or ^C: nothing to report to
        pass
    os._exit(0)


def _fresh_stdio() -> None:
    """``sys.stdin``, ``sys.stdout``, ``sys.stderr`` over fds 0-2, as the interpreter makes them
    at start (``create_stdio``): a text layer caches whether its file is seekable or a tty."""
    import io

    unbuffered = sys.stdout.write_through  # -u or PYTHONUNBUFFERED
    streams = []
    for fd, old, mode, name in (
        (0, sys.stdin, "r", "<stdin>"),
        (1, sys.stdout, "w", "<stdout>"),
        (2, sys.stderr, "w", "<stderr>"),
    ):
        raw_only = unbuffered and mode == "w"
        buf = io.open(fd, mode + "b", buffering=0 if raw_only else -1, closefd=False)
        raw = buf if raw_only else buf.raw
        raw.name = name
        line_buffering = not unbuffered and (raw.isatty() or fd == 2)
        stream = io.TextIOWrapper(
            buf,
            encoding=old.encoding,
            errors=old.errors,
            newline="\n",
            line_buffering=line_buffering,
            write_through=unbuffered,
        )
        stream.mode = mode
        streams.append(stream)
    sys.stdin = sys.__stdin__ = streams[0]
    sys.stdout = sys.__stdout__ = streams[1]
    sys.stderr = sys.__stderr__ = streams[2]


def _become_the_program(request: dict, fds: list[int]) -> None:
    """In the worker: take the caller's streams, folder and umask, then run ``python -m
    pimalign ARGS`` (``pimalign/__main__.py`` ends in ``sys.exit(main())``)."""
    import runpy
    import types

    stdin, stdout, stderr, status = fds
    os.close(status)
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
    for fd in (stdin, stdout, stderr):
        if fd > 2:
            os.close(fd)
    _fresh_stdio()
    for name, value in request["env"].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    sys.path[0] = request["cwd"]  # python -m puts the working folder first
    sys.argv = ["-m", *request["args"]]
    import pimalign.cli.main

    pimalign.cli.main._LOADED = time.time()  # "Real time" counts from the program's start
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    runpy._run_module_as_main("pimalign", alter_argv=True)


def _server_main() -> None:
    import importlib

    sock = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOAD:
        importlib.import_module(name)
    sys.stdout.flush()
    sys.stderr.flush()
    request, fds = _serve(sock)
    _become_the_program(request, fds)


# ---- the caller -------------------------------------------------------------------------------


class _Server:
    def __init__(self, env: dict):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), str(theirs.fileno())],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self.sock = ours
        hello = ours.recv(1 << 16)
        if not hello:
            raise RuntimeError(f"the fork server did not start (exit {self.proc.wait()})")
        hello = json.loads(hello)
        # no Python thread may run in a process that forks; the native ones are OpenBLAS's
        # (numpy starts them on import; OpenBLAS stops them before a fork, pthread_atfork, and
        # starts them again when used)
        assert hello["python_threads"] == 1, hello
        self.threads = hello["threads"]
        self.lock = threading.Lock()

    def close(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:  # a run that never ends: its test has failed already
            self.proc.kill()
            self.proc.wait()


_servers: dict = {}
_servers_lock = threading.Lock()


def _server(env: dict) -> _Server:
    key = tuple(sorted((k, v) for k, v in env.items() if k not in PER_TEST))
    with _servers_lock:
        if key not in _servers:
            _servers[key] = _Server(env)
        return _servers[key]


@atexit.register
def _close_servers() -> None:
    for server in _servers.values():
        server.close()


def _umask() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    raise OSError("no Umask in /proc/self/status")


def _read_all(fd: int, into: list) -> None:
    with open(fd, "rb", closefd=True) as handle:
        into.append(handle.read())


def _write_all(fd: int, data: bytes) -> None:
    with open(fd, "wb", closefd=True) as handle:
        try:
            handle.write(data)
        except BrokenPipeError:
            pass  # as subprocess: the program did not read all of its input


def run(
    args,
    *,
    input: bytes | str | None = None,
    text: bool = False,
    cwd=None,
    timeout: float | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """``subprocess.run(PIMALIGN + args, capture_output=True, ...)``, from the fork server."""
    args = [os.fspath(a) for a in args]
    if REAL:
        return subprocess.run(
            PIMALIGN + args,
            input=input,
            capture_output=True,
            text=text,
            cwd=cwd,
            timeout=timeout,
            check=check,
        )
    cwd = os.path.abspath(os.fspath(cwd)) if cwd is not None else os.getcwd()
    if not os.path.isdir(cwd):
        raise FileNotFoundError(2, "No such file or directory", cwd)
    if isinstance(input, str):
        input = input.encode()
    server = _server(dict(os.environ))
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    st_r, st_w = os.pipe()
    if input is not None:
        in_r, in_w = os.pipe()
    else:  # subprocess.run without input: the child has the caller's standard input
        try:
            in_r = os.dup(0)
        except OSError:
            in_r = os.open(os.devnull, os.O_RDONLY)
        in_w = None
    env = {name: os.environ.get(name) for name in PER_TEST}
    request = json.dumps({"args": args, "cwd": cwd, "umask": _umask(), "env": env}).encode()
    try:
        with server.lock:
            socket.send_fds(server.sock, [request], [in_r, out_w, err_w, st_w])
    finally:
        for fd in (in_r, out_w, err_w, st_w):
            os.close(fd)
    out, err = [], []
    threads = [
        threading.Thread(target=_read_all, args=(out_r, out)),
        threading.Thread(target=_read_all, args=(err_r, err)),
    ]
    if in_w is not None:
        threads.append(threading.Thread(target=_write_all, args=(in_w, input)))
    for t in threads:
        t.start()
    code, pid = None, None
    deadline = None if timeout is None else time.monotonic() + timeout
    with open(st_r, "rb") as status:
        for line in _lines(status, deadline):
            word, value = line.split()
            if word == b"pid":
                pid = int(value)
            else:
                code = int(value)
    if code is None and pid is not None and deadline is not None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for t in threads:
        t.join()
    stdout, stderr = out[0], err[0]
    if text:
        stdout, stderr = _text(stdout), _text(stderr)
    if code is None:
        if deadline is not None and time.monotonic() >= deadline:
            raise subprocess.TimeoutExpired(PIMALIGN + args, timeout, stdout, stderr)
        raise RuntimeError("the fork server went away before the run ended")
    res = subprocess.CompletedProcess(PIMALIGN + args, code, stdout, stderr)
    if check:
        res.check_returncode()
    return res


def _text(data: bytes) -> str:
    """As ``subprocess`` with ``text=True``: the locale's encoding, universal newlines."""
    import locale

    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(handle, deadline):
    """The status pipe's lines, until it closes or ``deadline`` (time.monotonic) passes."""
    import select

    buf = b""
    fd = handle.fileno()
    while True:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return
        chunk = os.read(fd, 4096)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line


if __name__ == "__main__":
    _server_main()
