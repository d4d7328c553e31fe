"""SIGINT and SIGTERM for the command line: delete temporary outputs, one line on stderr, exit 130.

The handler ends the process itself (``os._exit``) instead of raising KeyboardInterrupt: Python
swallows an exception raised inside ``__del__`` methods and C callbacks (llvmlite runs both while
Numba loads its cache), so a raised interrupt could be lost and the run would go on. Temporary
files are known to ``io.atomic``'s registry, so nothing needs the stack to unwind. Only the
program installs this (``python -m pimalign``, the ``pimalign`` script); Python callers of
``cli.main(argv)`` keep their own signal handling.
"""

import os
import signal
import sys

from .io.atomic import remove_live_temps

EXIT_INTERRUPT = 130
_label = ["pimalign"]


def set_command(name: str) -> None:
    """Name the running subcommand in the interrupt message (``pimalign align: interrupted``)."""
    _label[0] = f"pimalign {name}"


def _stop(signum, frame):
    try:
        remove_live_temps()
        sys.stderr.write(f"{_label[0]}: interrupted\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_INTERRUPT)


def install() -> None:
    """Route SIGINT and SIGTERM to the handler; call it before the heavy imports."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
