"""The one exception type for bad input: it names the file, the record and what is wrong."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. ``str(err)`` is the one line the CLI prints: ``FILE: record R: problem``."""

    def __init__(self, path: str, problem: str, record: int | str | None = None):
        self.path = path
        self.record = record
        self.problem = problem
        where = f"{path}: " if record is None else f"{path}: record {record}: "
        super().__init__(where + problem)
