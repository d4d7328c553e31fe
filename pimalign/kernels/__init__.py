"""Numba dynamic programs on uint8 code arrays. They import nothing from the rest of the package."""
