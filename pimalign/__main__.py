"""``python -m pimalign`` runs the command line."""

import sys

from .interrupt import install

install()  # before the heavy imports: a signal during start-up also exits 130, without a traceback

from .cli.main import main  # noqa: E402

sys.exit(main())
