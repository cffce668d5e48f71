"""CSV and XLSX exports of dashboard tables: exactly the figures shown on screen."""

from __future__ import annotations

import csv
import io

from helpdesk.analytics.tables import Table


def _header(table: Table) -> list[str]:
    return [column.label for column in table.columns]


def to_csv(table: Table) -> str:
    """Semicolon-separated, as German spreadsheet programs expect; a note line last."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header(table))
    writer.writerows(table.display_rows())
    if table.note:
        writer.writerow([])
        writer.writerow([table.note])
    return out.getvalue()


def to_xlsx(table: Table) -> bytes:
    """One worksheet with the same cells as the CSV."""
    from openpyxl import Workbook  # 0.2 s to import; only when an export is asked for

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.title[:31]
    sheet.append(_header(table))
    for row in table.display_rows():
        sheet.append([_number_or_text(cell) for cell in row])
    if table.note:
        sheet.append([])
        sheet.append([table.note])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number_or_text(cell: str) -> int | str:
    """Counts become numbers in the sheet. Names stay text, even "²" (``isdigit`` but not
    ``int``) or a long string of digits, which a place's name may be."""
    return int(cell) if cell.isascii() and cell.isdigit() and len(cell) <= 15 else cell
