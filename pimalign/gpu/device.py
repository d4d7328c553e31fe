"""Is there a CUDA device (or Numba's CUDA simulator) to run the kernels on?"""

from __future__ import annotations

NO_GPU = (
    "no CUDA GPU found (numba.cuda.is_available() is False); use device='cpu' "
    "(or set NUMBA_ENABLE_CUDASIM=1 to run the kernels on Numba's CPU simulator, slowly)"
)


def simulator_enabled() -> bool:
    """True when ``NUMBA_ENABLE_CUDASIM=1`` was set before Numba was imported."""
    from numba import config

    return bool(config.ENABLE_CUDASIM)


def available() -> bool:
    """True when a CUDA GPU is usable through ``numba.cuda`` or the simulator is enabled."""
    try:
        from numba import cuda
    except ImportError:  # pragma: no cover - numba without its CUDA target
        return False
    if simulator_enabled():
        return True
    try:
        return bool(cuda.is_available())
    except Exception:  # pragma: no cover - a broken driver counts as no GPU
        return False


def require() -> None:
    """Raise ``RuntimeError`` with a clear message unless ``available()``."""
    if not available():
        raise RuntimeError(NO_GPU)


def device_name() -> str:
    """The current device's name, or "CUDA simulator"; requires ``available()``."""
    require()
    if simulator_enabled():
        return "CUDA simulator"
    from numba import cuda

    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)
