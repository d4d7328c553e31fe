"""Outputs that appear under their final name only when complete.

``atomic_output(path)`` yields a temporary path in the same folder; it is renamed to ``path`` when
the block succeeds and removed when it raises (KeyboardInterrupt and SystemExit included).
"""

from __future__ import annotations

import contextlib
import os
import tempfile

from .errors import InputError


def check_output_path(path: str, inputs: tuple[str, ...] = ()) -> None:
    """Fail early, before any work, on an output that could never be written or would clobber an input."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        raise InputError(path, f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(path, f"output folder {folder} is not writable")
    for source in inputs:
        if source not in ("-", None) and os.path.exists(source) and os.path.exists(path) \
                and os.path.samefile(source, path):
            raise InputError(path, "output path is the same file as an input")


@contextlib.contextmanager
def atomic_output(path: str, suffix: str = ""):
    """Yield a temporary file name next to ``path``; rename it to ``path`` on success."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=f".tmp{suffix}",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
