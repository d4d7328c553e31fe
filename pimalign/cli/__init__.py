"""The command line: ``pimalign <command> ...`` (``main.main``; exit codes in ``args``).

- ``main``: the parser, ``index`` and ``align``, exit codes and the run's last line.
- ``args``: what every command shares: argument types and ranges, exit codes, stderr logging.
- ``bwa``: bwa mem's short options for ``align`` and their table (README: bwa mem options).
- ``editdist``: ``pimalign editdist``.
- ``pim``: ``pimalign pim ops|estimate|sweep``.
- ``compile``: ``pimalign compile``, every kernel compiled ahead.

Importing this package, or building the parser, loads neither Numba nor a kernel: the program
installs its signal handling (``pimalign.interrupt``) first, and each command imports what it
runs when it runs.
"""
