"""Outputs that appear under their final name only when complete.

``atomic_output(path)`` yields a temporary path in the same folder; it is renamed to ``path`` when
the block succeeds and removed when it raises (KeyboardInterrupt and SystemExit included).
Every temporary file made here stays in a registry until it is renamed or removed, so that a signal
handler can delete them all before ``os._exit`` (``remove_live_temps``): unwinding the stack with an
exception is not reliable there, because Python swallows exceptions raised inside ``__del__`` and
C callbacks (llvmlite's, during Numba's start-up).
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets

from .errors import InputError

_LIVE_TEMPS: set[str] = set()


def forget_temp(path: str) -> None:
    """``path`` was renamed or removed: the signal handler must leave it alone."""
    _LIVE_TEMPS.discard(path)


def remove_temp(path: str) -> None:
    """Delete a temporary file (and files named ``path.*``, e.g. samtools sort's spill files)."""
    for name in [path] + glob.glob(glob.escape(path) + ".*"):
        with contextlib.suppress(OSError):
            os.unlink(name)
    forget_temp(path)


def remove_live_temps() -> None:
    """Delete every temporary file still registered (called by the signal handler)."""
    for path in list(_LIVE_TEMPS):
        remove_temp(path)


def check_output_path(path: str, inputs: tuple[str, ...] = ()) -> None:
    """Fail early, before any work, on an output that could never be written or would clobber
    an input."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise InputError(path, "output path is a folder; give a file name")
    if not os.path.isdir(folder):
        raise InputError(path, f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(path, f"output folder {folder} is not writable")
    for source in inputs:
        if (
            source not in ("-", None)
            and os.path.exists(source)
            and os.path.exists(path)
            and os.path.samefile(source, path)
        ):
            raise InputError(path, "output path is the same file as an input")


def make_temp(path: str, suffix: str = "") -> str:
    """A new empty temporary file next to ``path`` (normal permissions: 0666 less the umask).

    Its name is registered before the file exists, so a signal arriving at any moment finds
    every file this made.
    """
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp{suffix}")
        _LIVE_TEMPS.add(tmp)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            _LIVE_TEMPS.discard(tmp)
            continue
        except BaseException:
            _LIVE_TEMPS.discard(tmp)
            raise
        os.close(fd)
        return tmp


@contextlib.contextmanager
def atomic_output(path: str, suffix: str = ""):
    """Yield a temporary file name next to ``path``; rename it to ``path`` on success."""
    tmp = make_temp(path, suffix)
    try:
        yield tmp
        os.replace(tmp, path)
        forget_temp(tmp)
    except BaseException:
        remove_temp(tmp)
        raise
