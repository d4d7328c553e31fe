"""The ReRAM processing-in-memory execution model of the exact adaptive band.

- ``device``: the device parameters (``Device``, ``load_device``; cited defaults).
- ``primitives``: NOR/NOT/INIT gates on numpy bool columns, bit-serial arithmetic, closed forms.
- ``mirror``: the bit-level functional mirror (``mirror_distances``), exact gate counts.
- ``profile``/``workload``: per-pass workloads from pairs, workload files.
- ``model``: closed-form program cost, vectorised over workloads.
- ``estimate``/``sweep``/``plots``: seconds, joules, CPU comparison, sweeps, figures.
- ``cli``: ``add_parser`` for ``pimalign pim ops|estimate|sweep``.
"""

from .device import DEFAULT, Device, load_device
from .estimate import pim_estimate, run_estimate
from .mirror import mirror_distances
from .primitives import Cost, ops_table

__all__ = ["DEFAULT", "Device", "load_device", "pim_estimate", "run_estimate",
           "mirror_distances", "Cost", "ops_table"]
