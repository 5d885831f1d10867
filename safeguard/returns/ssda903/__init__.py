"""SSDA903 (children looked after) return: export for a collection year, import of a council's
past returns. See export.py and importing.py."""

from .export import export_return
from .importing import ImportResult, import_return

__all__ = ["export_return", "import_return", "ImportResult"]
