"""Where the compiled kernels persist, and whether this installation has compiled them yet.

Numba compiles every kernel on its first call and, with ``cache=True``, keeps the machine code
beside the source (``__pycache__``). ``configure`` runs when the package is imported, before
Numba is: when those folders cannot be written (a read-only install, a container image) and
``NUMBA_CACHE_DIR`` is not set, it points ``NUMBA_CACHE_DIR`` at ``user_cache_dir()``, so the
first run's compiling is kept there for every later run.

A first run says so on stderr (``announce``): a stamp file per command in the cache folder,
named after a hash of the package's sources (paths, sizes and modification times, as Numba
keys its cache), its version and the Python and Numba installs, tells a run whether that
command has compiled here. ``pimalign compile`` compiles everything ahead and stamps every
command. This module imports neither Numba nor numpy, nor the package's face: the package hands
its version over when it calls ``configure``.
"""

from __future__ import annotations

import hashlib
import os
import sys

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # pimalign/
SOURCE_DIRS = ("", "editdist", "kernels", "pim")  # the folders holding cache=True kernels

_VERSION = ""  # the package's version, from ``configure`` (the package calls it on import)

# Seconds a first run of each command spends compiling (2 cores, benchmarks/bench_startup.py).
SECONDS = {
    "index": 10,
    "align": 45,
    "editdist": 25,
    "pim estimate": 30,
    "pim sweep": 30,
}


def user_cache_dir() -> str:
    """The per-user fallback: ``$XDG_CACHE_HOME/pimalign/numba`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pimalign", "numba")


def _writable(folder: str) -> bool:
    """Whether ``folder`` exists or can be made, as a directory files can be written into."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)


def in_tree_writable() -> bool:
    """Whether Numba can keep its cache beside the package's sources (``__pycache__``)."""
    return all(_writable(os.path.join(PACKAGE, d, "__pycache__")) for d in SOURCE_DIRS)


def configure(version: str) -> None:
    """Set ``NUMBA_CACHE_DIR`` to a writable per-user folder when the package folders are
    read-only, unless the user has set it. Call before Numba is imported. ``version``: the
    package's, part of every stamp's key (``source_key``)."""
    global _VERSION
    _VERSION = version
    if os.environ.get("NUMBA_CACHE_DIR") or in_tree_writable():
        return
    for folder in (user_cache_dir(), os.path.join("/tmp", f"pimalign-numba-{os.getuid()}")):
        if _writable(folder):
            os.environ["NUMBA_CACHE_DIR"] = folder
            return


def cache_dir() -> str:
    """Where this process's compiled kernels go (the stamps go there too)."""
    return os.environ.get("NUMBA_CACHE_DIR") or os.path.join(PACKAGE, "__pycache__")


def source_key() -> str:
    """A short hash of what the cached machine code depends on: every source file of the
    package (relative path, size, modification time), its version, Python and Numba."""
    h = hashlib.sha1(f"{_VERSION} {sys.version} {sys.platform}".encode())
    try:
        import importlib.util

        spec = importlib.util.find_spec("numba")
        st = os.stat(spec.origin) if spec and spec.origin else None
        h.update(f"numba {spec and spec.origin} {st and st.st_mtime_ns}".encode())
    except (ImportError, OSError, ValueError):
        pass
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                st = os.stat(path)
                rel = os.path.relpath(path, PACKAGE)
                h.update(f"{rel} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def stamp_path(command: str, key: str | None = None) -> str:
    """The stamp of ``command`` (``align``, ``pim estimate``...). Named ``*.nbi`` so that
    clearing the cache (``find pimalign -name '*.nb[ic]' -delete``) clears it too."""
    name = command.replace(" ", "-")
    return os.path.join(cache_dir(), f"pimalign-compiled-{name}-{key or source_key()}.nbi")


def compiled(command: str) -> bool:
    """Whether ``command`` has run here to the end since the sources last changed."""
    return os.path.exists(stamp_path(command))


def announce(command: str, log) -> bool:
    """Before a command that compiles: ``log`` one line when it has not compiled here yet.
    Returns whether it said so (the caller then ``mark``s the command once it succeeds)."""
    if command not in SECONDS or os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return False
    if compiled(command):
        return False
    log(
        f"compiling kernels, once per installation: ~{SECONDS[command]} s "
        f"(kept in {cache_dir()}; `pimalign compile` does it ahead)"
    )
    return True


def mark(*commands: str) -> None:
    """Stamp ``commands`` as compiled (best effort: a read-only cache folder is no error)."""
    key = source_key()
    for command in commands:
        path = stamp_path(command, key)
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(tmp, "w") as fh:
                fh.write(f"{command}\n")
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
