"""The one import notebooks need.

    import helpers as h
    h.setup()                                   # Chinese fonts, seaborn style, pandas display
    d = h.load(2022, "nxgxt")                   # every clean table, amounts as exact Decimal
    d.budget_outturn.head()
    h.md(f"完成率 {h.pct(rate)}")               # prose generated from the data
    h.table(d.projects, pct=["execution_rate"]) # thousands separators and percentages

Logic lives in ``juesuan`` (analysis, figures); this module only loads, formats and shows.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

_SRC = Path(__file__).resolve().parent
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

import pandas as pd  # noqa: E402

from juesuan import analysis, config  # noqa: E402,F401
from juesuan.frames import BUILDERS, dictionary  # noqa: E402
from juesuan.numbers import fmt_pct, fmt_wan, fmt_yuan  # noqa: E402

__all__ = ["setup", "load", "Dataset", "md", "table", "yuan", "wan", "pct", "analysis", "config",
           "describe", "load_panel"]


def setup() -> str:
    """Fonts that render Chinese, one seaborn style, pandas display options."""
    from juesuan import plotting
    try:  # inside a kernel: figures inline, whatever MPLBACKEND says
        from IPython import get_ipython
        ip = get_ipython()
        if ip is not None and getattr(ip, "kernel", None) is not None:
            ip.run_line_magic("matplotlib", "inline")
    except ImportError:  # pragma: no cover
        pass
    font = plotting.setup()
    pd.set_option("display.max_colwidth", 60)
    pd.set_option("display.width", 160)
    return font


def _converter(kind: str):
    if kind == "number":
        return lambda s: Decimal(s) if s != "" else None
    if kind == "integer":
        return lambda s: int(s) if s != "" else None
    return lambda s: s if s != "" else None


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Read one clean CSV with exact types from the data dictionary."""
    d = dictionary()
    types = {r.column: r.type for r in d[d.table.isin([name, "*"])].itertuples()}
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in raw.columns:
        conv = _converter(types.get(col, "string"))
        raw[col] = pd.Series([conv(v) for v in raw[col].tolist()], index=raw.index, dtype=object)
    return raw


class _Tables:
    """Attribute access to the loaded tables (``d.line_items`` …)."""

    def __getattr__(self, name):
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


@dataclass
class Dataset(_Tables):
    """All clean tables of one report: ``d.line_items``, ``d.budget_outturn`` …"""

    year: int
    department: str
    path: Path
    meta: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return (self.meta.get("department_name")
                or (load_metadata(self.year, self.department).get("used") or {}).get("department_name")
                or self.department)

    def fact(self, subject: str, measure: str = "actual"):
        """A figure stated in the explanation section (or None)."""
        f = self.stated_facts
        hit = f[(f.subject == subject) & (f.measure == measure)]
        return hit.value.iloc[0] if len(hit) else None

    def cell(self, table: str, row_key: str, column: str = "amount", side: str | None = None):
        return analysis.cell(self.line_items, table, row_key, column, side)


def load(year: int, department: str) -> Dataset:
    """Load every clean table of a report (run ``make data`` first)."""
    path = config.clean_dir(year, department)
    if not (path / "line_items.csv").exists():
        raise FileNotFoundError(f"no clean data in {config.rel(path)}: run `make data` first")
    meta_file = config.raw_dir(year, department) / config.METADATA_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    tables = {name: read_table(path / f"{name}.csv", name) for name in BUILDERS
              if (path / f"{name}.csv").exists()}
    return Dataset(int(year), department, path, meta, tables)


def load_metadata(year: int, department: str) -> dict:
    """What ``make data`` read from the report itself (data/clean/<y>/<d>/metadata_inferred.json):
    ``document`` (department name, year, scope, unit and the line / page each came from),
    ``metadata_json`` (the folder's metadata.json, or None) and ``used`` (what the run used).
    {} when the report has not been through ``make data`` since this file was introduced."""
    path = config.clean_dir(year, department) / "metadata_inferred.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def describe(name: str | None = None) -> pd.DataFrame:
    """The data dictionary (all tables, or one)."""
    d = dictionary()
    return d if name is None else d[d.table.isin([name, "*"])].reset_index(drop=True)


# ------------------------------------------------------------------ formatting
def yuan(v, places: int = 2) -> str:
    return fmt_yuan(v, places)


def wan(v, places: int = 2) -> str:
    return fmt_wan(v, places)


def pct(v, places: int = 2) -> str:
    return fmt_pct(v, places)


def md(text: str):
    """Show generated Markdown (prose with numbers computed from the data)."""
    from IPython.display import Markdown, display
    display(Markdown(text))


def table(df: pd.DataFrame, yuan_cols=None, pct=None, wan_cols=None, labels: dict | None = None,
          index: bool = False):
    """A formatted view: amounts with thousands separators, rates as percentages.

    Returns a Styler (renders as HTML in notebooks and reports)."""
    yuan_cols = [c for c in (yuan_cols if yuan_cols is not None else
                             [c for c in df.columns if c.endswith("_yuan")]) if c in df.columns]
    pct_cols = [c for c in (pct if pct is not None else
                            [c for c in df.columns if c.endswith(("_rate", "share"))]) if c in df.columns]
    wan_cols = [c for c in (wan_cols or []) if c in df.columns]
    fmt = {c: (lambda v: fmt_yuan(v) if v is not None and v == v else "—") for c in yuan_cols}
    fmt.update({c: (lambda v: fmt_pct(v) if v is not None and v == v else "—") for c in pct_cols})
    fmt.update({c: (lambda v: fmt_wan(v) if v is not None and v == v else "—") for c in wan_cols})
    view = df.rename(columns=labels or {})
    fmt = {(labels or {}).get(k, k): f for k, f in fmt.items()}
    styler = view.style.format(fmt, na_rep="—")
    if not index:
        styler = styler.hide(axis="index")
    return styler


def __getattr__(name):
    if name == "figures":
        from juesuan import figures
        return figures
    raise AttributeError(name)


@dataclass
class Panel(_Tables):
    """All reports together (data/clean/panel/): ``p.reports``, ``p.line_items``, ``p.budget_outturn`` …"""

    path: Path
    tables: dict = field(default_factory=dict)

    def label(self, year, department) -> str:
        r = self.reports[(self.reports.year == year) & (self.reports.department == department)]
        name = r.department_name.iloc[0] if len(r) else department
        return f"{name}（{year}）"


def load_panel(years=None, departments=None) -> Panel:
    """Load data/clean/panel/ (written by ``make data``), optionally filtered."""
    path = config.CLEAN / "panel"
    if not (path / "reports.csv").exists():
        raise FileNotFoundError(f"no panel in {config.rel(path)}: run `make data` first")
    names = {"reports": "reports", "line_items": "panel_line_items"}
    names.update({n: f"panel_{n}" for n in ("budget_outturn", "projects", "sangong", "checks", "findings")})
    tables = {}
    for key, stem in names.items():
        f = path / f"{stem}.csv"
        if f.exists():
            df = read_table(f, key if key != "line_items" else "panel_line_items")
            if years:
                df = df[df.year.isin([int(y) for y in years])]
            if departments:
                df = df[df.department.isin(list(departments))]
            tables[key] = df.reset_index(drop=True)
    return Panel(path, tables)
