"""How the kernels are compiled, cached and run on threads.

- ``jitcache``: where Numba keeps the compiled kernels (a per-user folder when the install is
  read-only) and whether this installation has compiled a command's kernels yet (the first run's
  "compiling" line, ``pimalign compile``'s stamps). ``pimalign/__init__.py`` imports it, and
  calls ``configure``, before Numba is imported; it imports neither Numba nor numpy.
- ``threadrun``: ``run_ranges``, the few Python threads that drive a ``nogil`` kernel over index
  ranges (in place of ``parallel=True``, slow to compile).

This package's face imports nothing, so importing ``jitcache`` stays light.
"""
