"""The one exception type for bad input: it names the file, the record and what is wrong."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. ``str(err)`` is the one line the CLI prints: ``FILE: record R: problem`` (or
    ``FILE: line L: problem`` for line-oriented files)."""

    def __init__(
        self, path: str, problem: str, record: int | str | None = None, line: int | None = None
    ):
        self.path = path
        self.record = record
        self.line = line
        self.problem = problem
        where = f"{path}: "
        if record is not None:
            where += f"record {record}: "
        elif line is not None:
            where += f"line {line}: "
        super().__init__(where + problem)


def read_error(path: str, err: Exception) -> InputError:
    """The ``InputError`` for a failure while reading ``path``: damaged gzip data, or an
    operating-system error (named as such, never blamed on gzip for a plain file)."""
    import gzip
    import zlib

    if isinstance(err, (EOFError, zlib.error, gzip.BadGzipFile)):
        return InputError(path, f"corrupt or truncated gzip data ({err})")
    return InputError(path, f"read error ({err})")
