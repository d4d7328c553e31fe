"""Outputs that appear under their final name only when complete.

``atomic_output(path)`` yields a temporary path in the same folder; it becomes ``path`` when the
block succeeds and is removed when it raises (KeyboardInterrupt and SystemExit included).
``atomic_outputs(paths)`` does the same for several files that appear together or not at all.
Every temporary file made here stays in a registry until it is renamed or removed, so that a
signal handler can delete them all before ``os._exit`` (``remove_live_temps``): unwinding the
stack with an exception is not reliable there, because Python swallows exceptions raised inside
``__del__`` and C callbacks (llvmlite's, during Numba's start-up).

Temporary files are named ``.NAME.pimalign-PID-RANDOM.tmp...`` beside the output ``NAME``: a run
killed outright (SIGKILL, power loss) leaves them, and the next run writing ``NAME`` deletes
those whose process no longer exists (``clear_stale_temps``).

An output path that exists and is not a regular file (``/dev/null``, a FIFO) is written in place,
never replaced; a regular output's side files (a ``.bai`` beside a ``.bam``) that the run does
not write anew are removed when the output is committed, so no stale index describes it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import shutil
import stat

from .errors import InputError

_LIVE_TEMPS: set[str] = set()
SIDE_FILES = {".bam": (".bai", ".csi"), ".cram": (".crai",), ".sam": ()}


def forget_temp(path: str) -> None:
    """``path`` was renamed or removed: the signal handler must leave it alone."""
    _LIVE_TEMPS.discard(path)


def temp_folder(prefix: str) -> str:
    """A new private temporary folder (under ``$TMPDIR``), registered so that an interrupt
    deletes it too; ``remove_temp`` deletes it."""
    import tempfile

    folder = tempfile.mkdtemp(prefix=prefix)
    _LIVE_TEMPS.add(folder)
    return folder


def remove_temp(path: str) -> None:
    """Delete a temporary file (and files named ``path.*``, e.g. samtools sort's spill files),
    or a folder of ``temp_folder`` with what it holds."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
        forget_temp(path)
        return
    for name in [path] + glob.glob(glob.escape(path) + ".*"):
        with contextlib.suppress(OSError):
            os.unlink(name)
    forget_temp(path)


def remove_live_temps() -> None:
    """Delete every temporary file still registered (called by the signal handler)."""
    for path in list(_LIVE_TEMPS):
        remove_temp(path)


def is_special(path: str) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a folder (a device, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one file (links followed; existing or not)."""
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(path: str, inputs: tuple[str, ...] = (), side: tuple | None = None) -> None:
    """Fail early, before any work, on an output that could never be written or would clobber
    an input, itself or a file written or removed beside it (``side``: suffixes such as
    ``.bai``; by default ``SIDE_FILES`` of its extension); clear the stale temporary files of
    earlier runs that died."""
    if side is None:
        side = SIDE_FILES.get(os.path.splitext(path)[1].lower(), ())
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise InputError(path, "output path is a folder; give a file name")
    if not os.path.isdir(folder):
        raise InputError(path, f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(path, f"output folder {folder} is not writable")
    for suffix in side:
        if os.path.isdir(path + suffix):
            raise InputError(path + suffix, "is a folder, where the output's index goes")
    for source in inputs:
        if source in ("-", None):
            continue
        if same_file(source, path):
            raise InputError(path, "output path is the same file as an input")
        for suffix in side:
            if same_file(source, path + suffix):
                raise InputError(
                    source, f"is an input, and the output {path} replaces or removes it"
                )
    clear_stale_temps(path)


_STALE = re.compile(r"\.pimalign-(\d+)-[0-9a-f]+\.tmp")


def clear_stale_temps(path: str) -> list[str]:
    """Delete the temporary files left beside ``path`` by runs whose process is gone."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = os.path.join(
        glob.escape(folder), f".{glob.escape(os.path.basename(path))}.pimalign-*.tmp*"
    )
    removed = []
    for name in glob.glob(pattern):
        match = _STALE.search(os.path.basename(name))
        if match is None or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(name)
            removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_temp(path: str, suffix: str = "") -> str:
    """A new empty temporary file next to ``path`` (normal permissions: 0666 less the umask).

    Its name is registered before the file exists, so a signal arriving at any moment finds
    every file this made.
    """
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    while True:
        token = secrets.token_hex(4)
        tmp = os.path.join(folder, f".{base}.pimalign-{os.getpid()}-{token}.tmp{suffix}")
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


def commit(tmp: str, path: str) -> None:
    """Make the finished temporary file ``tmp`` the output ``path``: renamed over a regular
    file, copied into a special one (``/dev/null``, a FIFO). Side files of ``path`` (its
    ``.bai``) are removed first (they describe the old file): a new index is committed after
    its file, so no failure or signal ever pairs a new file with an old index, or the reverse."""
    if is_special(path):
        with open(tmp, "rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        remove_temp(tmp)
        return
    for suffix in SIDE_FILES.get(os.path.splitext(path)[1].lower(), ()):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + suffix)
    os.replace(tmp, path)
    forget_temp(tmp)


@contextlib.contextmanager
def atomic_output(path: str, suffix: str = ""):
    """Yield a temporary file name next to ``path``; it becomes ``path`` on success."""
    with atomic_outputs([path], suffix) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_outputs(paths: list[str], suffix: str = ""):
    """Yield one temporary name per path; all become their outputs together, on success only
    (a failure before the end leaves none of them)."""
    temps = []
    try:
        for path in paths:
            temps.append(make_temp(path, suffix or os.path.splitext(path)[1]))
        yield temps
        for path in paths:  # every target is checked before the first one is replaced
            if os.path.isdir(path):
                raise InputError(path, "output path is a folder; give a file name")
        for tmp, path in zip(temps, paths):
            commit(tmp, path)
    except BaseException:
        for tmp in temps:
            remove_temp(tmp)
        raise
