"""Ofsted Annex A (ILACS inspection data request), lists 1-11, as an .xlsx workbook. The command
`safeguard returns export annex-a --as-at 2026-03-31 --out FILE.xlsx` calls `export_annex_a`."""

from .export import export_annex_a
from .selectors import annex_a_lists

__all__ = ["annex_a_lists", "export_annex_a"]
