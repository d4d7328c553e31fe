"""GPU backend for batch edit distance (numba.cuda; one thread per pair).

``edit_batch_gpu`` takes the CPU batch layout (flat uint8 codes plus int64 offsets) and returns
the same ``distance``/``start``/``end`` arrays as ``pimalign.api.batch_encoded``. ``available()``
says whether a CUDA GPU (or Numba's simulator, ``NUMBA_ENABLE_CUDASIM=1``) is there; ``require()``
raises a clear ``RuntimeError`` when not. Importing this package does not import ``numba.cuda``.
"""

from .batch import edit_batch_gpu
from .device import NO_GPU, available, device_name, require, simulator_enabled

__all__ = ["NO_GPU", "available", "device_name", "edit_batch_gpu", "require", "simulator_enabled"]
