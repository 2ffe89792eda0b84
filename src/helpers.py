"""The one import notebooks need.

    import helpers as h
    h.setup()                                   # Chinese fonts, seaborn style, pandas display
    d = h.load(2022, "nxgxt")                   # every clean table, pandas-native dtypes
    d.budget_outturn.nlargest(3, "actual_yuan") # amounts float64 (to the fen), counts Int64, text string
    e = h.load(2022, "nxgxt", exact=True)       # the same tables with exact Decimal amounts
    h.md(f"完成率 {h.pct(rate)}")               # prose generated from the data
    h.table(d.projects, pct=["execution_rate"]) # thousands separators and percentages

Logic lives in ``juesuan`` (analysis, figures); this module only loads, formats and shows.
"""
from __future__ import annotations

import copy
import json
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

_SRC = Path(__file__).resolve().parent
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

import pandas as pd  # noqa: E402

from juesuan import analysis, config  # noqa: E402,F401
from juesuan.clean import panel  # noqa: E402
from juesuan.clean.frames import BUILDERS, LEDGER_TABLES, dictionary  # noqa: E402
from juesuan.numbers import fmt_pct, fmt_wan, fmt_yuan  # noqa: E402
from juesuan import safety  # noqa: E402
from juesuan.identity import report_metadata  # noqa: E402
from juesuan.clean.writer import unguard_value  # noqa: E402

__all__ = ["setup", "load", "Dataset", "md", "esc", "table", "yuan", "wan", "pct", "analysis", "config",
           "describe", "load_panel", "completion_by_class"]


def setup() -> str:
    """Fonts that render Chinese, one seaborn style, pandas display options."""
    from juesuan import plotting
    try:  # inside a kernel: figures inline, whatever MPLBACKEND says
        from IPython import get_ipython
        ip = get_ipython()
        if ip is not None and getattr(ip, "kernel", None) is not None:
            ip.run_line_magic("matplotlib", "inline")
            # the figures come cropped to what they draw (plotting.fit_canvas): a plain save, not a
            # second layout pass and draw for bbox_inches="tight"
            ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")
    except ImportError:  # pragma: no cover
        pass
    font = plotting.setup()
    pd.set_option("display.max_colwidth", 60)
    pd.set_option("display.width", 160)
    pd.set_option("styler.format.escape", "html")   # report text in tables is text, not HTML
    import matplotlib
    matplotlib.rcParams["text.parse_math"] = False  # "$" in a label is a dollar sign, not mathtext
    return font


def _converter(kind: str):
    if kind == "number":
        return lambda s: Decimal(s) if s != "" else None
    if kind == "integer":
        return lambda s: int(s) if s != "" else None
    return lambda s: unguard_value(s) if s != "" else None


AMOUNT_PLACES = 2   # amounts in 元 are exact to the fen: float64 rounded to 0.01 holds them exactly
                    # (its shortest repr is the decimal text) for any amount below 10^13 元


def _native(values: pd.Series, kind: str, unit: str) -> pd.Series:
    """One column in a pandas-native dtype: float64 numbers, Int64 integers, string text."""
    if kind == "number":
        out = pd.to_numeric(values.replace("", None), errors="raise").astype("float64")
        return out.round(AMOUNT_PLACES) if unit == "元" else out
    if kind == "integer":
        return pd.to_numeric(values.replace("", None), errors="raise").astype("Int64")
    return values.map(lambda s: unguard_value(s) if s != "" else None).astype("string")


def read_table(path: Path, name: str, exact: bool = False) -> pd.DataFrame:
    """Read one clean CSV with the types of the data dictionary.

    Default: pandas-native dtypes (amounts and rates float64, counts and years Int64, text
    ``string``; missing values NaN / <NA>).  ``exact=True``: object columns of ``Decimal``,
    ``int``, ``str`` and ``None`` (the exact values, for sums and identities).

    Text cells are given back exactly (the spreadsheet guard ``'`` is removed, see
    ``juesuan.safety``) and remembered as report text, which :func:`md` shows literally."""
    d = dictionary()
    spec = d[d.table.isin([name, "*"])]
    types = {r.column: (r.type, r.unit) for r in spec.itertuples()}
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in raw.columns:
        kind, unit = types.get(col, ("string", ""))
        try:
            if exact:
                conv = _converter(kind)
                raw[col] = pd.Series([conv(v) for v in raw[col].tolist()], index=raw.index, dtype=object)
            else:
                raw[col] = _native(raw[col], kind, unit)
        except (ValueError, ArithmeticError) as exc:
            raise ValueError(f"{config.rel(path)}: column {col} is not {kind}: {exc}") from None
        if kind == "string":
            safety.register(v for v in raw[col].tolist() if isinstance(v, str))
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
        return self.meta.get("department_name") or self.department

    def fact(self, subject: str, measure: str = "actual"):
        """A figure stated in the explanation section (or None)."""
        f = self.stated_facts
        hit = f[(f.subject == subject) & (f.measure == measure)]
        v = hit.value.iloc[0] if len(hit) else None
        return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v

    def cell(self, table: str, row_key: str, column: str = "amount", side: str | None = None):
        return analysis.cell(self.line_items, table, row_key, column, side)


def load(year: int, department: str, exact: bool = False) -> Dataset:
    """Load every clean table of a report (run ``make data`` first).

    Default: pandas-native dtypes that plot and aggregate (``nlargest``, ``quantile``, ``np.log``,
    ``describe``): amounts float64 rounded to 0.01 元 (exact to the fen), rates float64 as stored,
    counts and years Int64, text ``string``.  ``exact=True``: ``Decimal`` amounts and rates for
    exact sums (the checks and the chapters' prose use these)."""
    path = config.clean_dir(year, department)
    if not (path / "line_items.csv").exists():
        raise FileNotFoundError(f"no clean data in {config.rel(path)}: run `make data` first")
    key = (str(path.resolve()), bool(exact), _files_state(path, config.raw_dir(year, department)))
    hit = _LOADED.get(key)
    if hit is None:
        meta = dict(report_metadata(year, department))   # metadata.json, else what the document states
        meta.update({k: v for k, v in _doc_kind(path).items() if not meta.get(k)})
        tables = {name: read_table(path / f"{name}.csv", name, exact) if (path / f"{name}.csv").exists()
                  else _empty_table(name, exact) for name in [*BUILDERS, *LEDGER_TABLES]}
        hit = _LOADED[key] = (meta, tables)
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
    else:                               # the report's text is registered again (a forget() between)
        for name, df in hit[1].items():
            for col in df.columns:
                if df[col].dtype in (object, "string"):
                    safety.register(v for v in df[col].tolist() if isinstance(v, str))
    meta, tables = hit
    safety.register(_strings(meta))
    # a copy: what a chapter changes in its frames is not seen by the next load
    return Dataset(int(year), department, path, copy.deepcopy(meta),
                   {name: df.copy(deep=True) for name, df in tables.items()})


# The last reports loaded in this process, keyed by their folder, ``exact`` and the size and mtime
# of every file of the clean folder and of the raw metadata.json: the chapters of one report that
# run one after the other in a warm kernel read its CSVs once.  A file written since is a new key.
_LOADED: dict[tuple, tuple[dict, dict[str, pd.DataFrame]]] = {}
_LOADED_MAX = 2


def _files_state(*folders: Path) -> tuple:
    state = []
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.is_file():
                st = e.stat()
                state.append((str(folder), e.name, st.st_size, st.st_mtime_ns))
    return tuple(state)


DOC_KIND_KEYS = ("doc_kind", "doc_kind_zh", "doc_level")


def _doc_kind(clean: Path) -> dict:
    """``doc_kind`` ("final" | "budget"), ``doc_kind_zh``, ``doc_level`` from the report's
    metadata_inferred.json (top level, ``used`` or ``document``); {} when it says nothing."""
    try:
        info = json.loads((clean / "metadata_inferred.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for part in (info, info.get("used"), info.get("document")):
        if isinstance(part, dict):
            for k in DOC_KIND_KEYS:
                if part.get(k) and k not in out:
                    out[k] = part[k]
    return out


def _empty_table(name: str, exact: bool) -> pd.DataFrame:
    """A table the report's clean folder does not have (a budget report has no budget_outturn):
    empty, with the columns and dtypes of the data dictionary, so a chapter can ask it anything."""
    d = dictionary()
    spec = d[(d.table == name) & d.type.isin(["number", "integer", "string"])]
    cols = {}
    for r in spec.itertuples():
        dtype = object if exact else {"number": "float64", "integer": "Int64"}.get(r.type, "string")
        cols[r.column] = pd.Series([], dtype=dtype)
    for c in ("year", "department"):
        cols.setdefault(c, pd.Series([], dtype=object if exact else ("Int64" if c == "year" else "string")))
    return pd.DataFrame(cols)


def _strings(obj):
    """Every string inside a JSON-like object (metadata)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def load_metadata(year: int, department: str) -> dict:
    """What ``make data`` read from the report itself (data/clean/<y>/<d>/metadata_inferred.json):
    ``document`` (department name, year, scope, unit and the line / page each came from),
    ``metadata_json`` (the folder's metadata.json, or None) and ``used`` (what the run used).
    {} when the report has not been through ``make data`` since this file was introduced."""
    path = config.clean_dir(year, department) / "metadata_inferred.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def describe(name: str | None = None) -> pd.DataFrame:
    """The data dictionary (all tables, or one): table, column, label (中文), type, unit, description."""
    d = dictionary()
    return d if name is None else d[d.table.isin([name, "*"])].reset_index(drop=True)


# ------------------------------------------------------------------ formatting
def _value(v):
    """Decimal from either dtype (float64 read back through its shortest repr); None if missing."""
    return analysis.num(v)


def yuan(v, places: int = 2) -> str:
    return fmt_yuan(_value(v), places)


def wan(v, places: int = 2) -> str:
    return fmt_wan(_value(v), places)


def pct(v, places: int = 2) -> str:
    return fmt_pct(_value(v), places)


def esc(value) -> str:
    """A report text as literal Markdown (``*``, ``_``, ``[..](..)``, backticks, tags show as text)."""
    return safety.md_escape(value)


def md(text: str):
    """Show generated Markdown (prose with numbers computed from the data).

    Report texts (everything the loader read from a clean table or the metadata) are escaped
    where they occur, so a name or reason is shown as text: no element, link or emphasis from
    the source survives; any other ``<`` is shown as ``<`` too."""
    from IPython.display import Markdown, display
    if not str(text).strip():          # nothing to say: no empty paragraph in the report
        return
    display(Markdown(safety.md_guard(text)))


def table(df: pd.DataFrame, yuan_cols=None, pct=None, wan_cols=None, labels: dict | None = None,
          index: bool = False):
    """A formatted view: amounts with thousands separators, rates as percentages.

    Returns a Styler (renders as HTML in notebooks and reports)."""
    yuan_cols = [c for c in (yuan_cols if yuan_cols is not None else
                             [c for c in df.columns if c.endswith("_yuan")]) if c in df.columns]
    pct_cols = [c for c in (pct if pct is not None else
                            [c for c in df.columns if c.endswith(("_rate", "share"))]) if c in df.columns]
    wan_cols = [c for c in (wan_cols or []) if c in df.columns]
    fmt = {c: (lambda v: fmt_yuan(_value(v))) for c in yuan_cols}
    fmt.update({c: (lambda v: fmt_pct(_value(v))) for c in pct_cols})
    fmt.update({c: (lambda v: fmt_wan(_value(v))) for c in wan_cols})
    view = df.rename(columns=labels or {})
    fmt = {(labels or {}).get(k, k): f for k, f in fmt.items()}
    styler = view.style.format(fmt, na_rep="—", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    return _aligned(styler, view, set(fmt))


def _is_number(v) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _aligned(styler, view: pd.DataFrame, numeric: set):
    """Numbers right-aligned on one line, text left-aligned; long text columns get room to wrap
    (never one character per line)."""
    numeric = set(numeric)
    for c in view.columns:
        col = view[c]
        if c in numeric or pd.api.types.is_numeric_dtype(col.dtype) or (
                col.dtype == object and len(col.dropna()) and all(_is_number(v) for v in col.dropna())):
            numeric.add(c)
    styles = {}
    for c in view.columns:
        if c in numeric:
            props, head = "text-align: right; white-space: nowrap;", "text-align: right; white-space: nowrap;"
        else:
            longest = max((len(str(v)) for v in view[c].dropna()), default=0)
            width = "14em" if longest > 24 else f"{max(2, min(longest, 24)) + 1}em" if longest > 8 else "auto"
            props = f"text-align: left; white-space: {'normal' if longest > 8 else 'nowrap'}; min-width: {width};"
            head = "text-align: left; white-space: nowrap;"
        styler = styler.set_properties(subset=[c], **dict(p.split(": ", 1) for p in props.rstrip(";").split("; ")))
        styles[c] = [{"selector": "th", "props": head}]
    return styler.set_table_styles(styles, overwrite=False, axis=0)


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
    generation: str = ""          # the build every table was read from (panel/generations/<id>)

    def label(self, year, department) -> str:
        r = self.reports[(self.reports.year == year) & (self.reports.department == department)]
        name = r.department_name.iloc[0] if len(r) else department
        return f"{name}（{year}）"


PANEL_TABLES = ("reports", "line_items", "budget_outturn", "projects", "sangong", "checks", "findings")


def load_panel(table: str | None = None, *, years=None, departments=None, columns=None, exact: bool = False,
               lazy: bool = False):
    """The panel of all reports (written by ``make data``): Parquet in data/clean/panel/parquet/,
    partitioned by year; the ``years`` / ``departments`` filters are pushed down to the files.

        bo = h.load_panel("budget_outturn", years=[2022, 2023])   # one table: a pandas frame
        h.completion_by_class(years=[2022, 2023])                  # completion rate by 类 and year
        rel = h.load_panel("line_items", lazy=True)                # DuckDB relation: nothing read yet
        rel.filter("\"table\" = '公开03'").aggregate("year, sum(amount_yuan) AS yuan", "year").df()
        p = h.load_panel(years=[2022])                             # every table (p.line_items, p.reports …)

    ``table`` (reports, line_items, budget_outturn, projects, sangong, checks, findings): that table as
    a pandas frame with the columns and dtypes of :func:`load` — amounts float64 rounded to the fen,
    counts and years Int64, text ``string`` (``exact=True``: ``Decimal`` amounts and rates, ``int``);
    ``columns`` reads only those.  ``lazy=True``: a DuckDB relation over the Parquet (amounts
    ``DECIMAL(18,2)``, exact in SQL sums; ``.df()`` gives float64 numbers, ``.fetchall()`` Decimal),
    for questions over 10,000 reports that should not load every row.  No ``table``: a
    :class:`Panel` with every table (read from the Parquet; from the CSVs when there is no Parquet).
    Empty ``years`` / ``departments`` mean all."""
    years = [int(y) for y in years] if years else None
    departments = [str(d) for d in departments] if departments else None
    if table is None:
        for attempt in range(3):     # every table from ONE generation (resolved once)
            gen = panel.generation_dir()
            try:
                return _panel_of_generation(gen, years, departments, exact)
            except OSError:          # removed under the read (two rebuilds during it): again
                if attempt == 2 or panel.generation_dir() == gen:
                    raise
    if lazy:
        return panel.panel_relation(table, years, departments)
    tbl = panel.arrow_table(table, years, departments, columns)
    return _frame_from_arrow(tbl, exact)


def _panel_of_generation(gen: Path, years, departments, exact: bool) -> Panel:
    path = config.CLEAN / "panel"
    if not (gen / "reports.csv").exists():
        raise FileNotFoundError(f"no panel in {config.rel(path)}: run `make data` first")
    gid = gen.name if gen.parent.name == panel.GENERATIONS else ""     # "": a panel older than generations
    if not (gen / "parquet" / "_manifest.json").exists():
        p = _panel_from_csv(gen, years, departments, exact)
        return Panel(path, _every_table(p.tables, exact), gid)
    have = panel.manifest(generation=gen)["tables"]
    return Panel(path, _every_table({t: _frame_from_arrow(panel.arrow_table(t, years, departments, generation=gen),
                                                          exact) for t in PANEL_TABLES if t in have}, exact), gid)


def _every_table(tables: dict, exact: bool) -> dict:
    """A table no report has (a panel of budgets has no budget_outturn rows): empty, with the
    dictionary's columns, so a chapter can ask it anything."""
    return {**{t: _empty_table(t, exact) for t in PANEL_TABLES}, **tables}


def _frame_from_arrow(tbl, exact: bool) -> pd.DataFrame:
    """A Parquet panel table in the dtypes of :func:`read_table` (text registered as report text)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    out = {}
    for name in tbl.column_names:
        col = tbl.column(name)
        t = col.type
        if pa.types.is_string(t):
            safety.register(v for v in pc.unique(col).to_pylist() if v is not None)
            out[name] = (pd.Series(col.to_pylist(), dtype=object) if exact
                         else col.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get))
        elif pa.types.is_decimal(t):
            out[name] = (pd.Series(col.to_pylist(), dtype=object) if exact
                         else pc.cast(col, pa.float64()).to_pandas().round(AMOUNT_PLACES))
        elif pa.types.is_integer(t):
            out[name] = (pd.Series(col.to_pylist(), dtype=object) if exact
                         else col.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        elif pa.types.is_floating(t):
            out[name] = (pd.Series([None if v is None else _float_decimal(v) for v in col.to_pylist()],
                                   dtype=object) if exact else col.to_pandas())
        else:  # pragma: no cover - the panel writes only these four types
            raise TypeError(f"panel column {name}: unexpected type {t}")
    return pd.DataFrame({n: pd.Series(v).reset_index(drop=True) for n, v in out.items()},
                        columns=tbl.column_names)


def _float_decimal(v: float) -> Decimal:
    """A rate stored as float64 as the Decimal of the CSV (its shortest repr, no trailing '.0')."""
    s = repr(v)
    return Decimal(s[:-2] if s.endswith(".0") else s)


def _panel_from_csv(path: Path, years, departments, exact: bool) -> Panel:
    names = {"reports": "reports", "line_items": "panel_line_items"}
    names.update({n: f"panel_{n}" for n in PANEL_TABLES[2:]})
    tables = {}
    for key, stem in names.items():
        f = path / f"{stem}.csv"
        if f.exists():
            df = read_table(f, key, exact)
            if years:
                df = df[df.year.isin(years)]
            if departments:
                df = df[df.department.isin(departments)]
            tables[key] = df.reset_index(drop=True)
    return Panel(path, tables)


def completion_by_class(years=None, departments=None, exact: bool = False) -> pd.DataFrame:
    """Completion rate Σ ``actual_yuan`` ÷ Σ ``initial_budget_yuan`` of the panel's budget_outturn by
    function class (类, first 3 digits of the code) and year, over the items with both amounts
    (DuckDB over the Parquet: exact sums, only the two columns read).

        h.completion_by_class().pivot(index="class_name", columns="year", values="completion_rate")

    Columns: year, class_code, class_name, reports, items, initial_budget_yuan, actual_yuan,
    completion_rate (float64; ``exact=True``: Decimal, the rate rounded half-up to 6 places)."""
    years = [int(y) for y in years] if years else None
    departments = [str(d) for d in departments] if departments else None
    df = panel.completion_by_class(years, departments)
    if exact:
        return df
    out = df.copy()
    for c in ("initial_budget_yuan", "actual_yuan", "completion_rate"):
        out[c] = pd.to_numeric(pd.Series([None if v is None else float(v) for v in df[c]], dtype=object),
                               errors="raise").astype("float64")
    for c in ("year", "reports", "items"):
        out[c] = out[c].astype("Int64")
    for c in ("class_code", "class_name"):
        out[c] = out[c].astype("string")
    return out


def details(obj, summary: str, open_: bool = False):
    """Show ``obj`` (a table from :func:`table`, or HTML) folded in a <details> block with a
    Chinese ``summary`` line: long lists go to an appendix the reader opens when needed."""
    import html as _html

    from IPython.display import HTML, display
    inner = obj.to_html() if hasattr(obj, "to_html") else str(obj)
    display(HTML(f"<details{' open' if open_ else ''}><summary>{_html.escape(summary)}</summary>\n{inner}\n</details>"))


# ------------------------------------------------------------------ links (one department's budgets and final accounts)
@dataclass
class Links(_Tables):
    """The documents of each department linked (data/clean/panel/links/, :mod:`juesuan.clean.link`):
    ``l.link_documents``, ``l.department_series``, ``l.link_budget_actual``, ``l.link_comparisons``,
    ``l.link_findings``."""

    path: Path
    tables: dict = field(default_factory=dict)


def load_links(exact: bool = False) -> Links:
    """Each department's budgets (预算) and final accounts (决算) linked: the tables of
    data/clean/panel/links/ (``make data`` writes them into the panel's generation, so they are
    of the same build as the panel), computed from data/clean when there are none; dtypes as
    :func:`load` (``exact=True``: Decimal).

        l = h.load_links()
        l.link_budget_actual.query("basis == 'all_funds'")   # 预算03 against 公开03, by function code
        l.link_findings                                       # where two documents disagree"""
    import io

    from juesuan.clean import link as _link
    from juesuan.clean.writer import csv_text, to_text_frame
    path = panel.generation_dir() / _link.LINKS       # resolved once: every table of one build
    files = [path / f"{t}.csv" for t in _link.TABLES]
    if all(f.exists() for f in files):
        return Links(path, {t: read_table(f, t, exact) for t, f in zip(_link.TABLES, files)})
    frames = _link.link_frames()
    return Links(path, {t: read_table(io.StringIO(csv_text(to_text_frame(df))), t, exact) for t, df in frames.items()})
