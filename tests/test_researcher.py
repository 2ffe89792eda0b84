"""What a researcher does in Jupyter works on the loaded tables without conversion.

``h.load`` gives pandas-native dtypes (float64 amounts exact to the fen, Int64 counts and
years, string text); ``exact=True`` gives the Decimal frames the chapters and checks use.
"""
import csv
import re
import sys
from decimal import Decimal
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import helpers as h  # noqa: E402
from juesuan import analysis as an, figures as fg, method  # noqa: E402

h.setup()  # the Chinese font, as in a notebook
REPORTS = [(2022, "nxgxt"), (2024, "ptczj")]
DICTIONARY = ROOT / "src" / "juesuan" / "data" / "dictionary.csv"


def _tables():
    out = []
    for year, dept in REPORTS:
        d = h.load(year, dept)
        out += [(f"{year}/{dept}/{name}", name, t) for name, t in d.tables.items()]
    p = h.load_panel()
    out += [(f"panel/{name}", name, t) for name, t in p.tables.items()]
    return out


TABLES = _tables()


def _spec(name):
    d = h.describe()
    return d[d.table.isin([name, "*"])]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("label,name,t", TABLES, ids=[x[0] for x in TABLES])
def test_every_loaded_table_supports_everyday_pandas(label, name, t):
    spec = _spec(name).set_index("column")
    numbers = [c for c in t.columns if c in spec.index and spec.loc[c, "type"] == "number"]
    amounts = [c for c in numbers if spec.loc[c, "unit"] == "元"]
    for c in t.columns:  # dtypes follow the dictionary: no object columns at all
        kind = spec.loc[c, "type"] if c in spec.index else "string"
        expected = {"number": "float64", "integer": "Int64", "string": "string"}[kind]
        assert str(t[c].dtype) == expected, (label, c, t[c].dtype)
    for c in ("year", "item_no", "project_no", "source_line", "row_no"):
        if c in t.columns:
            assert str(t[c].dtype) == "Int64"
    if amounts:
        assert set(amounts) <= set(t.select_dtypes("number").columns)
    if not numbers:
        return
    col = amounts[0] if amounts else numbers[0]
    top = t.nlargest(3, col)
    assert len(top) == min(3, t[col].notna().sum())
    assert list(top[col]) == sorted(top[col], reverse=True)
    q = t[col].quantile(0.5)
    assert (np.isnan(q) and t[col].notna().sum() == 0) or t[col].min() <= q <= t[col].max()
    positive = t[col][t[col] > 0]
    logs = np.log(positive)
    assert logs.dtype == "float64" and np.isfinite(logs).all()
    desc = t.describe()
    assert "mean" in desc.index and col in desc.columns
    corr = t.corr(numeric_only=True)
    assert col in corr.columns and not corr.empty
    if t[col].notna().any():
        ax = t.head(10).plot.barh(y=col)
        assert len(ax.patches) == min(10, len(t))


def test_amounts_are_exact_to_the_fen_and_exact_true_keeps_decimal():
    for year, dept in REPORTS:
        d, e = h.load(year, dept), h.load(year, dept, exact=True)
        for name, t in d.tables.items():
            spec = _spec(name)
            for r in spec.itertuples():
                if r.column not in t.columns or r.type != "number":
                    continue
                exact = e.tables[name][r.column]
                assert exact.dtype == object
                assert all(v is None or isinstance(v, Decimal) for v in exact)
                for f, x in zip(t[r.column], exact):
                    assert (x is None) == pd.isna(f), (name, r.column)
                    if x is not None:  # the float64 is the decimal read back through its shortest repr
                        assert Decimal(repr(float(f))) == x, (name, r.column, f, x)
        assert e.line_items.year.map(type).eq(int).all() and e.budget_outturn.dtypes.eq(object).all()


def test_analysis_gives_the_same_exact_results_for_both_dtypes():
    for year, dept in REPORTS:
        d, e = h.load(year, dept), h.load(year, dept, exact=True)
        assert an.aggregate_outturn(d.budget_outturn) == an.aggregate_outturn(e.budget_outturn)
        assert isinstance(an.aggregate_outturn(d.budget_outturn)["actual_yuan"], Decimal)
        for fn in (an.expenditure_by_class, an.income_by_source):
            a, b = fn(d.line_items), fn(e.line_items)
            assert a.astype(str).equals(b.astype(str)) or a.map(an.num).equals(b.map(an.num)), fn.__name__
        assert an.band_summary(d.budget_outturn).equals(an.band_summary(e.budget_outturn))
        assert an.project_summary(d.projects) == an.project_summary(e.projects)
        assert an.composition_variance(d.budget_outturn.initial_budget_yuan, d.budget_outturn.actual_yuan) == \
            an.composition_variance(e.budget_outturn.initial_budget_yuan, e.budget_outturn.actual_yuan)


# The 2022 report's own figures (data/raw/2022/nxgxt): 公开01 lines 104–124 (元) and the explanation,
# line 417 "年初预算为 79593445.70 元，支出决算为 91254414.24 元，完成年初预算的 114.65%" and line 431
# "（职业年金缴费支出 2080506）年初预算为 1291600 元，支出决算为 4527683.32 元，完成年初预算的 350.55%"
PRINTED_2022_CLASSES = {"215": "47405250.80", "208": "29038045.45", "205": "5509809.57", "221": "5365784.28",
                        "210": "3461941.10", "201": "1979261.21", "211": "644900.00"}
PRINTED_2022_SOURCES = {"一般公共预算财政拨款": "91873925.49", "其他收入": "3158289.79"}


@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
def test_analysis_on_either_dtype_gives_the_figures_the_report_prints(exact):
    """The comparison above is one path against another; here each dtype against the document."""
    d = h.load(2022, "nxgxt", exact=exact)
    agg = an.aggregate_outturn(d.budget_outturn)
    assert agg["initial_budget_yuan"] == Decimal("79593445.70") and agg["actual_yuan"] == Decimal("91254414.24")
    assert agg["deviation_yuan"] == Decimal("11660968.54")              # 91254414.24 − 79593445.70
    assert round(agg["rate"], 4) == Decimal("1.1465") and agg["pi1_band"] == "C"   # 114.65 %
    row = an.outturn(d.budget_outturn).set_index("code").loc["2080506"]
    assert Decimal(str(row.initial_budget_yuan)) == Decimal("1291600")
    assert Decimal(str(row.actual_yuan)) == Decimal("4527683.32")
    assert round(Decimal(str(row.completion_rate)), 4) == Decimal("3.5055")   # 4527683.32 / 1291600 = 350.55 %
    assert row.band == ">120%"
    by_class = an.expenditure_by_class(d.line_items)
    assert {c: Decimal(str(v)).quantize(Decimal("0.01")) for c, v in zip(by_class.code, by_class.amount_yuan)} == \
        {c: Decimal(v) for c, v in PRINTED_2022_CLASSES.items()}
    assert list(by_class.code) == ["215", "208", "205", "221", "210", "201", "211"]   # largest first
    by_source = an.income_by_source(d.line_items)
    assert {s: Decimal(str(v)).quantize(Decimal("0.01")) for s, v in zip(by_source.source, by_source.amount_yuan)} \
        == {s: Decimal(v) for s, v in PRINTED_2022_SOURCES.items()}


@pytest.mark.parametrize("exact", [False, True])
def test_every_figure_draws_from_either_dtype(exact):
    m = method.from_params([0.9, 1.1])
    for year, dept in REPORTS:
        d = h.load(year, dept, exact=exact)
        figs = [fg.income_sources(d), fg.expenditure_by_class(d), fg.completion_rates(d, m),
                fg.budget_vs_actual_amounts(d, m), fg.rate_vs_amount(d, m), fg.reason_categories(d),
                fg.economic_classes(d), fg.personnel_public(d), fg.sangong(d), fg.findings_overview(d),
                fg.pefa_outturn(d, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"), m=m)]
        if len(d.prior_year):
            figs.append(fg.year_on_year(d))
        if len(d.projects):
            figs += [fg.projects_scatter(d), fg.project_distributions(d)]
        assert all(f.axes for f in figs)
        plt.close("all")
    p = h.load_panel(exact=exact)
    assert all(f.axes for f in (fg.panel_structure(p), fg.panel_completion(p, m), fg.panel_sangong(p)))


def test_bands_are_method_parameters_not_data():
    d = h.load(2022, "nxgxt")
    assert "band" not in d.budget_outturn.columns
    assert not (_spec("budget_outturn").column == "band").any()
    default = an.outturn(d.budget_outturn)
    assert default.set_index("code").band["2080506"] == ">120%"
    wide = an.outturn(d.budget_outturn, method.from_params([0.5, 4]))
    assert wide.set_index("code").band["2080506"] == "50%–400%"
    assert set(wide.band) <= {"<50%", "50%–400%", ">400%", "无年初预算"}
    strict = method.from_params(pi1_bands={"A": [0.99, 1.01]})
    assert an.aggregate_outturn(d.budget_outturn, m=strict)["pi1_band"] == "D"
    assert an.aggregate_outturn(d.budget_outturn)["pi1_band"] == "C"   # 114.65 %
    assert "80%" in method.DEFAULT.note() and "95%–105%" in method.DEFAULT.note()
    with pytest.raises(ValueError, match="completion_bands"):
        method.from_params([1.2, 0.8])
    with pytest.raises(ValueError, match="pi1_bands"):
        method.from_params(pi1_bands={"A": ["x", 1]})
    for nb in ("03-budget-vs-actual", "06-report"):
        text = (ROOT / "notebooks" / f"{nb}.py").read_text(encoding="utf-8")
        params = text.split('# %% tags=["parameters", "remove-cell"]')[1].split("# %%")[0]
        assert "completion_bands = None" in params and "pi1_bands = None" in params
        assert "h.md(m.note()" in text   # the method note (a budget report: one sentence instead)


def test_dictionary_reads_strictly_with_chinese_labels():
    with open(DICTIONARY, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, strict=True))
    header, body = rows[0], rows[1:]
    assert header == ["table", "column", "label", "type", "unit", "description"]
    bad = [(i, r) for i, r in enumerate(body, 2) if len(r) != len(header)]
    assert not bad, f"dictionary.csv rows with the wrong number of fields: {bad}"
    keys = [(r[0], r[1]) for r in body]
    assert len(keys) == len(set(keys))
    for r in body:
        assert re.search(r"[\u4e00-\u9fff]", r[2]), f"no Chinese label for {r[0]}.{r[1]}"
        # a "rule" row documents a convention for every column of the table(s) named (the CSV
        # formula guard of text cells), not a column of its own
        assert (r[3] in {"string", "number", "integer"}
                or (r[3] == "rule" and r[1].startswith("("))) and r[5].strip()
    described = h.describe()
    assert list(described.columns) == header and not described.isna().any().any()
    assert described.loc[(described.table == "assets") & (described.column == "item"), "description"].item() \
        == "What is counted (floor area, vehicles by type, equipment)"


def test_one_vocabulary_for_reports_and_panel():
    d, p = h.load(2022, "nxgxt"), h.load_panel()
    assert list(p.line_items.columns) == list(d.line_items.columns)
    assert "measure" not in p.line_items.columns
    for name in ("budget_outturn", "projects", "sangong", "checks", "findings"):
        assert set(getattr(d, name).columns) <= set(getattr(p, name).columns), name
        assert dict(getattr(d, name).dtypes) == {c: getattr(p, name)[c].dtype for c in getattr(d, name).columns}


RESEARCHER_NOTEBOOK = '''
# %% [markdown]
# # 我的分析：养老支出与各部门对比

# %%
import numpy as np
import pandas as pd
import helpers as h

h.setup()
d = h.load(2022, "nxgxt")
bo = d.budget_outturn

# %% 筛选：年初预算一百万元以上且超支的项目
over = bo[(bo.initial_budget_yuan > 1_000_000) & (bo.completion_rate > 1.2)]
print(over[["code", "name", "completion_rate"]].to_string(index=False))

# %% 画图
ax = bo.set_index("code")[["initial_budget_yuan", "actual_yuan"]].div(1e4).plot.barh(figsize=(6, 6))
ax.set_xlabel("万元")

# %% 排序与统计
top = bo.nlargest(3, "completion_rate")[["code", "name", "completion_rate"]]
print(top.to_string(index=False))
print("median rate", round(bo.completion_rate.quantile(0.5), 4))
print("mean log actual", round(np.log(bo.actual_yuan[bo.actual_yuan > 0]).mean(), 3))
print(bo.describe().loc["mean", ["initial_budget_yuan", "actual_yuan"]].round(2).to_dict())
print(bo.corr(numeric_only=True).loc["initial_budget_yuan", "actual_yuan"].round(3))

# %% 与全部报告合并
p = h.load_panel()
li = d.line_items[d.line_items.table == "公开03"]
both = li.merge(p.line_items, on=["year", "department", "table", "row_key", "column"], suffixes=("", "_panel"))
print("merged rows", len(both), "equal", bool((both.amount_yuan == both.amount_yuan_panel).all()))
per_report = p.line_items[(p.line_items.table == "公开01") & (p.line_items.row_key == "expenditure_total")]
print(per_report.groupby(["year", "department"]).amount_yuan.sum().div(1e4).round(2).to_dict())
with_names = bo.merge(p.reports[["year", "department", "department_name"]], on=["year", "department"])
print(with_names.department_name.iloc[0])

# %% 导出 Excel
bo.to_excel("outturn.xlsx", index=False)
back = pd.read_excel("outturn.xlsx")
print("excel", len(back), back.actual_yuan.dtype, round(back.actual_yuan.sum(), 2))

# %% 需要精确到分的合计时
e = h.load(2022, "nxgxt", exact=True)
print("exact", sum(v for v in e.budget_outturn.actual_yuan if v is not None))
'''


def test_a_researchers_notebook_runs_without_conversion(tmp_path):
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.reads(RESEARCHER_NOTEBOOK, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (juesuan)", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(nb, tmp_path / "mine.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "2080506" in text.split("median rate")[0]                     # filter + nlargest
    assert re.search(r"merged rows (\d+) equal True", text)               # merge with the panel
    # the panel holds the suite's two reports (see conftest.py) and nothing else: their 本年支出合计
    # in 万元 as the reports print them (2022 公开01 93,404,992.41 元; 2024 公开01 2,940.05 万元)
    assert "{(2022, 'nxgxt'): 9340.5, (2024, 'ptczj'): 2940.05}" in text
    assert "excel 22 float64 91254414.24" in text                         # to_excel and back
    assert "exact 91254414.24" in text
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))          # the plot was drawn
    assert (tmp_path / "outturn.xlsx").is_file()


def test_load_gives_absent_tables_empty_and_the_document_kind(tmp_path, monkeypatch):
    """A budget report's clean folder has no budget_outturn, projects …: h.load gives them empty with
    the dictionary's columns (a chapter can ask them anything), and the metadata's doc_kind."""
    sys.path.insert(0, str(ROOT / "tests"))
    from budgetkit import DEPT, YEAR, write_budget_clean

    from juesuan import config
    write_budget_clean(tmp_path / "clean")
    with monkeypatch.context() as mp:
        mp.setattr(config, "CLEAN", tmp_path / "clean")
        mp.setattr(config, "RAW", tmp_path / "raw")
        for exact in (False, True):
            d = h.load(YEAR, DEPT, exact=exact)
            assert d.meta["doc_kind"] == "budget" and an.is_budget(d) and an.doc_title(d) == "部门预算"
            assert len(d.budget_outturn) == 0 and {"code", "initial_budget_yuan"} <= set(d.budget_outturn.columns)
            assert len(d.projects) == 0 and len(d.line_items) == 50
    assert an.doc_kind(h.load(2022, "nxgxt")) == "final"     # the suite's report: no doc_kind ⇒ final
