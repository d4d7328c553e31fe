"""``python -m pimalign`` runs the command line."""

import signal
import sys


def _terminate(signum, frame):
    raise KeyboardInterrupt


# Before the heavy imports, so that a signal during start-up also exits 130 without a traceback.
signal.signal(signal.SIGTERM, _terminate)
try:
    from .cli import main
except KeyboardInterrupt:
    print("pimalign: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
