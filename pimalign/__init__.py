"""pimalign: adaptive banded alignment in Numba, with a ReRAM processing-in-memory model.

The public names are imported on first use, so ``import pimalign.cli.main`` (and the command
line's signal handling) starts before Numba loads.
"""

__version__ = "0.1.0"

from .runtime import jitcache as _jitcache  # noqa: E402

_jitcache.configure(__version__)  # before Numba is imported: a writable cache even when read-only


def lazy_names(package: str, names: dict):
    """``(__getattr__, __dir__)`` for ``package`` whose public ``names`` (name -> submodule)
    load on first use and then stay in its namespace."""
    import importlib
    import sys

    def getattr_(name: str):
        if name in names:
            value = getattr(importlib.import_module(f".{names[name]}", package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def dir_():
        return sorted(names) + ["__version__"] * (package == __name__)

    return getattr_, dir_


_API = {
    "BatchResult": "editdist.api",
    "align": "editdist.pairwise",
    "align_affine": "editdist.pairwise",
    "batch_align": "editdist.api",
    "edit_distances": "editdist.api",
    "edit_paths": "editdist.api",
    "Aligner": "mapper.aligner",
    "Hit": "mapper.aligner",
}
__all__ = sorted(_API) + ["__version__"]
__getattr__, __dir__ = lazy_names(__name__, _API)
