"""Write clean tables: CSV (UTF-8 with BOM), one XLSX workbook, datapackage.json.

Every file is written to a temporary name in the same folder and renamed into
place, so a half-written table never looks complete.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ..atomic import atomic_path, atomic_write_text  # noqa: F401 - re-exported (they live below)
from ..dictionary import field_spec
from ..numbers import amount_str, decimal_str

RATE_COLUMNS_SUFFIX = ("_rate", "_share")


def _cell_str(column: str, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, Decimal):
        return amount_str(value) if column.endswith("_yuan") else decimal_str(value)
    return str(value)


def to_text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as its exact text form (amounts with fen precision)."""
    out = pd.DataFrame({c: [_cell_str(c, v) for v in df[c].tolist()] for c in df.columns},
                       columns=df.columns)
    return out


def guard_text_frame(text: pd.DataFrame, table: str) -> pd.DataFrame:
    """The spreadsheet rule (see :mod:`juesuan.safety`): in the text columns of ``table`` (type
    ``string`` in the data dictionary), a cell starting with ``= + - @``, TAB, CR or ``'`` gets one
    leading ``'``; numbers and integers stay as they are (``-12.50`` is an amount)."""
    from ..safety import csv_encode, is_text_column
    out = text.copy()
    for col in out.columns:
        if is_text_column(table, col):
            out[col] = [csv_encode(v) for v in out[col].tolist()]
    return out


def unguard_value(text: str) -> str:
    """The original text of a guarded CSV text cell (the read path calls this)."""
    from ..safety import csv_decode
    return csv_decode(text)


def write_csv(df: pd.DataFrame, target: Path, table: str | None = None) -> None:
    """``df`` as CSV; ``table`` (default: the file name) selects the text columns to guard."""
    target = Path(target)
    text = csv_text(guard_text_frame(to_text_frame(df), table or target.stem))
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8-sig", newline="")


def _quote(v: str) -> str:
    # as csv.QUOTE_MINIMAL, but a lone CR is quoted too (pandas/csv with "\n" lines leave it
    # bare, and a reader then splits the row there)
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v


def csv_text(text: pd.DataFrame) -> str:
    """A frame of strings as CSV text (comma, ``"`` quoting where needed, ``\n`` lines)."""
    single = len(text.columns) == 1
    lines = [",".join(_quote(str(c)) for c in text.columns)]
    for row in text.itertuples(index=False):
        lines.append('""' if single and row[0] == "" else ",".join(_quote(v) for v in row))
    return "\n".join(lines) + "\n"


def write_xlsx(frames: dict[str, pd.DataFrame], target: Path) -> None:
    """One sheet per table (streamed: openpyxl's write-only mode), header frozen and filtered,
    amounts as ``#,##0.00`` and rates as ``0.00%``; a text that looks like a formula stays text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    for name, df in frames.items():
        ws = wb.create_sheet(title=name[:31])
        fmts = [("#,##0.00" if col.endswith("_yuan") else "0.00%" if col.endswith(RATE_COLUMNS_SUFFIX) else None)
                for col in df.columns]
        for j, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, width * 1.2), 60)
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(len(df) + 1, 1)}"

        def cell(value, fmt=None):
            c = WriteOnlyCell(ws, value=value)
            if c.data_type == "f":       # openpyxl reads "=…" as a formula: keep it text
                c.data_type = "s"
            if fmt:
                c.number_format = fmt
            return c

        ws.append([cell(str(c)) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([cell(_xlsx_value(v), fmt) for v, fmt in zip(row, fmts)])
    with atomic_path(target) as tmp:
        wb.save(tmp)


def _xlsx_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, Decimal):
        # Excel stores doubles; the exact value is in the CSV. Display only.
        return float(v)
    if isinstance(v, str):
        # control characters cannot be stored in a worksheet (the CSV keeps the exact text)
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)
    return v


def datapackage(frames: dict[str, pd.DataFrame], name: str, title: str) -> dict:
    resources = []
    for table, df in frames.items():
        fields = []
        for col in df.columns:
            row = field_spec(table, col)
            if row is None:
                raise KeyError(f"data/dictionary.csv lists no column {col!r} of table {table!r}")
            field = {"name": col, "type": row["type"], "description": row["description"]}
            if row["unit"]:
                field["unit"] = row["unit"]
            fields.append(field)
        resources.append({
            "name": table.replace("_", "-"), "path": f"{table}.csv", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8-sig", "profile": "tabular-data-resource",
            "schema": {"fields": fields, "missingValues": [""]},
        })
    return {"name": name, "title": title, "profile": "tabular-data-package", "resources": resources}


def write_clean(frames: dict[str, pd.DataFrame], out_dir: Path, name: str, title: str) -> list[Path]:
    out_dir = Path(out_dir)
    written = []
    for table, df in frames.items():
        target = out_dir / f"{table}.csv"
        write_csv(df, target, table)
        written.append(target)
    xlsx = out_dir / f"{name}.xlsx"
    write_xlsx(frames, xlsx)
    written.append(xlsx)
    pkg = out_dir / "datapackage.json"
    atomic_write_text(pkg, json.dumps(datapackage(frames, name, title), ensure_ascii=False, indent=2) + "\n")
    written.append(pkg)
    return written


INFERRED_FILE = "metadata_inferred.json"


def write_inferred_metadata(out_dir: Path, data: dict) -> Path:
    """What the document itself states (department name, year, scope, unit, each with the
    line / page it was read from) and the metadata the run used: data/clean/<y>/<d>/
    metadata_inferred.json (data/raw is never written)."""
    target = Path(out_dir) / INFERRED_FILE
    atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    return target
