"""Everything that touches files: reading pairs and reads, atomic outputs, input errors."""

from .errors import InputError

__all__ = ["InputError"]
