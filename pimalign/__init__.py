"""pimalign: adaptive banded alignment in Numba, with a ReRAM processing-in-memory model."""

from .api import BatchResult, align, align_affine, batch_align, edit_distances, edit_paths
from .mapper.aligner import Aligner, Hit

__version__ = "0.1.0"
__all__ = ["Aligner", "Hit", "BatchResult", "align", "align_affine", "batch_align", "edit_distances", "edit_paths", "__version__"]
