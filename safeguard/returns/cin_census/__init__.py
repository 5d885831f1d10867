"""The DfE Children in Need census: export for a collection year, import of a council's past
returns. The command `safeguard returns export|import cin-census` calls these two functions."""

from .export import export_return
from .importing import ImportResult, import_return

__all__ = ["ImportResult", "export_return", "import_return"]
