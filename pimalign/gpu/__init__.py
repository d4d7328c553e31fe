"""GPU backend for batch edit distance (numba.cuda; one thread per pair).

``edit_batch_gpu`` takes the CPU batch layout (flat uint8 codes plus int64 offsets) and returns
the same ``distance``/``start``/``end`` arrays (and ``cigars`` for task "path") as
``pimalign.editdist.api.batch_encoded``, except for the pairs too long for its tiers
(``NOT_DONE``), which the caller aligns on the CPU. ``available()`` says whether a CUDA GPU (or
Numba's simulator, ``NUMBA_ENABLE_CUDASIM=1``) is there; ``require()`` raises a clear
``RuntimeError`` when not. Importing this package does not import ``numba.cuda``.
"""

from ..alphabet import repack
from .batch import edit_batch_gpu
from .device import NO_GPU, available, device_name, require, simulator_enabled

NOT_DONE = -2  # distance of a pair the GPU left to the CPU (as gpu.kernels.NOT_DONE)

__all__ = [
    "NOT_DONE",
    "NO_GPU",
    "available",
    "device_name",
    "edit_batch_gpu",
    "repack",
    "require",
    "simulator_enabled",
]
