"""The ReRAM processing-in-memory execution model of the exact adaptive band.

- ``device``: the device parameters (``Device``, ``load_device``; cited defaults).
- ``primitives``: NOR/NOT/INIT gates on numpy bool columns, bit-serial arithmetic, closed forms.
- ``mirror``: the bit-level functional mirror (``mirror_distances``), exact gate counts.
- ``profile``/``workload``/``from_alignments``: per-pass workloads from pairs, workload files,
  BAMs and reads.
- ``model``: closed-form program cost of one pass; ``schedule``: layouts, lockstep groups and
  the vectorised cost of a whole workload.
- ``source``: where the alignments come from (``WorkloadSource``) and loading them once.
- ``estimate``: seconds, joules, bounds, endurance, area; ``cpu``: the CPU measured beside it;
  ``analysis``: sensitivity and latency; ``report``: ``pim estimate`` end to end;
  ``sweep``/``plots``: sweeps and figures.

The command ``pimalign pim ops|estimate|sweep`` is ``pimalign.cli.pim``, which imports these
modules when a command runs. The names below load on first use, so importing the package does
not pay for Numba and the estimate before a command needs them.
"""

from .. import lazy_names

_NAMES = {
    "DEFAULT": "device",
    "Device": "device",
    "load_device": "device",
    "pim_estimate": "estimate",
    "run_estimate": "report",
    "mirror_distances": "mirror",
    "Cost": "closed_forms",
    "ops_table": "closed_forms",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_names(__name__, _NAMES)
