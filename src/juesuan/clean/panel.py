"""All reports together: data/clean/panel/ for comparing departments and years.

- ``panel_line_items``: long form, one row per amount cell of the nine public tables of every
  report, with exactly the columns of a report's ``line_items`` (year, department, table, code,
  row_key, column, amount_yuan …): one vocabulary, described once in the data dictionary;
- ``panel_budget_outturn``, ``panel_projects``, ``panel_sangong``, ``panel_checks``: the per-report
  tables stacked (they already carry year and department);
- ``reports``: one row per report with headline numbers.
Amounts stay exact decimal strings, as in the per-report tables.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from .. import config
from ..identity import report_metadata
from ..safety import csv_encode
from .writer import atomic_write_text

STACKED = ["budget_outturn", "projects", "sangong", "checks", "findings"]
# The panel's long table has the columns of line_items (and its dictionary entries).
PANEL_TABLES = {"panel_line_items": "line_items"}


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    import io
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(path, "\ufeff" + buf.getvalue())


def report_folders(clean_root: Path | None = None) -> list[Path]:
    root = Path(clean_root or config.CLEAN)
    return sorted(p.parent for p in root.glob("[0-9][0-9][0-9][0-9]/*/line_items.csv"))


def build_panel(clean_root: Path | None = None) -> Path | None:
    """(Re)write data/clean/panel/ from every report's clean tables; None if there are none."""
    root = Path(clean_root or config.CLEAN)
    folders = report_folders(root)
    if not folders:
        return None
    out = root / "panel"
    rows = []
    summary = []
    for folder in folders:
        _, items = _read(folder / "line_items.csv")
        for r in items:
            rows.append(r)
        totals = {(r["table"], r["row_key"], r["side"]): r["amount_yuan"] for r in items
                  if r["table"] == "公开01"}
        _, findings = _read(folder / "findings.csv") if (folder / "findings.csv").exists() else ([], [])
        meta = report_metadata(folder.parent.name, folder.name)
        summary.append({
            "year": folder.parent.name, "department": folder.name,
            "department_name": csv_encode(str(meta.get("department_name", folder.name))),
            "source_format": meta.get("source_format", ""), "source_unit": meta.get("unit", ""),
            "income_total_yuan": totals.get(("公开01", "income_total", "收入"), ""),
            "expenditure_total_yuan": totals.get(("公开01", "expenditure_total", "支出"), ""),
            "grand_total_yuan": totals.get(("公开01", "grand_total", "收入"), ""),
            "line_items": len(items),
            "errors": sum(1 for f in findings if f["severity"] == "error"),
            "warnings": sum(1 for f in findings if f["severity"] == "warning"),
        })
    from .frames import columns_of
    _write(out / "panel_line_items.csv", columns_of("line_items"), rows)
    _write(out / "reports.csv", list(summary[0].keys()), summary)
    for name in STACKED:
        columns: list[str] = []
        stacked: list[dict] = []
        for folder in folders:
            f = folder / f"{name}.csv"
            if not f.exists():
                continue
            cols, data = _read(f)
            columns += [c for c in cols if c not in columns]
            stacked += data
        if columns:
            _write(out / f"panel_{name}.csv", columns, stacked)
    write_datapackage(out)
    return out


def write_datapackage(out: Path) -> None:
    """datapackage.json for the panel, fields described from the data dictionary."""
    from .frames import dictionary
    d = dictionary()
    resources = []
    for f in sorted(out.glob("*.csv")):
        table = PANEL_TABLES.get(f.stem, f.stem.removeprefix("panel_"))
        cols, _ = _read_header(f)
        fields = []
        for col in cols:
            spec = d[(d.table == table) & (d.column == col)]
            if spec.empty:
                spec = d[(d.table.isin(["*", "line_items"])) & (d.column == col)]
            row = spec.iloc[0] if len(spec) else None
            field = {"name": col, "type": row["type"] if row is not None else "string",
                     "description": row["description"] if row is not None else ""}
            if row is not None and row.get("label"):
                field["title"] = row["label"]
            if row is not None and row["unit"]:
                field["unit"] = row["unit"]
            fields.append(field)
        resources.append({"name": f.stem.replace("_", "-"), "path": f.name, "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8-sig", "profile": "tabular-data-resource",
                          "schema": {"fields": fields, "missingValues": [""]}})
    pkg = {"name": "panel", "title": "部门决算：全部报告合并（长表）", "profile": "tabular-data-package",
           "resources": resources}
    atomic_write_text(out / "datapackage.json", json.dumps(pkg, ensure_ascii=False, indent=2) + "\n")


def _read_header(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh)), None
