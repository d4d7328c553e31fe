"""Text outputs: gzip-compressed when asked (a name ending ``.gz``), with the same bytes every
run (the gzip header holds no file name and mtime 0, as ``gzip -n``)."""

from __future__ import annotations

import contextlib
import gzip
import io


def wants_gzip(path: str) -> bool:
    return path.lower().endswith(".gz")


@contextlib.contextmanager
def text_writer(path: str, gz: bool, level: int = 6):
    """A text handle writing ``path`` (plain UTF-8, or gzip at ``level`` 1..9)."""
    if not gz:
        with open(path, "w") as handle:
            yield handle
        return
    with open(path, "wb") as raw:
        z = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0)
        with io.TextIOWrapper(z, encoding="utf-8") as text:  # closing it closes z (not raw)
            yield text
