"""pimalign: adaptive banded alignment in Numba, with a ReRAM processing-in-memory model.

The public names are imported on first use, so ``import pimalign.cli`` (and the command line's
signal handling) starts before Numba loads.
"""

__version__ = "0.1.0"

_API = {"BatchResult": "api", "align": "api", "align_affine": "api", "batch_align": "api",
        "edit_distances": "api", "edit_paths": "api", "Aligner": "mapper.aligner",
        "Hit": "mapper.aligner"}
__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pimalign' has no attribute {name!r}")


def __dir__():
    return __all__
