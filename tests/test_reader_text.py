"""The reader's report never shows Python (issue 18 item 7).

No ``None``, ``nan``, ``NaN``, ``NaT``, ``<NA>`` in any text a reader sees:

- the visible outputs of the committed, executed chapters (notebooks/NN-*.ipynb, run on the suite's
  reports) and of every chapter rendered in the quick suite run (the 2022 report, the 2022 report
  without 公开07, the blank national template, a synthetic report: report.html and the executed
  notebooks);
- the label strings of every figure (titles, axis labels, tick labels, annotations, legends) drawn by
  every figure function of :mod:`juesuan.figures` on the suite's reports, the template and a synthetic
  report (through the data step), a synthetic budget report, and inline frames with the holes real
  reports have (an item without a code or a name, an item with only a 全年预算, a derived prior-year
  figure) — the figure functions' returned Figure objects are hooked and read.
"""
from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import helpers as h  # noqa: E402
import templatekit  # noqa: E402
from budgetkit import load_from, write_budget_clean  # noqa: E402
from juesuan import analysis as an, figures as fg  # noqa: E402
from test_chapters_robust import (assert_rendered, quick_run, reader_text,  # noqa: E402,F401
                                  write_synth, write_template)

h.setup()
LEAK = re.compile(r"(?<![A-Za-z_])(None|nan|NaN|NaT|<NA>|&lt;NA&gt;)(?![A-Za-z_])")


def leaks(text: str) -> list[str]:
    """Each Python missing-value word in ``text``, with 20 characters either side."""
    return [text[max(0, m.start() - 20): m.end() + 20] for m in LEAK.finditer(str(text))]


# ------------------------------------------------------------------ notebook outputs
def visible_text(nb) -> str:
    """What a reader of the rendered notebook sees: markdown cells and the outputs of every cell not
    tagged ``remove-cell`` (HTML before Markdown before plain text, as a renderer chooses)."""
    out = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            out.append(cell.source)
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out.append(o.get("text", ""))
            elif o.get("output_type") == "error":
                out.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
            else:
                data = o.get("data", {})
                if any(m.startswith("image/") for m in data):
                    continue                  # a figure: its labels are read from the Figure itself
                for mime in ("text/html", "text/markdown", "text/plain"):
                    if mime in data:
                        text = "".join(data[mime]) if isinstance(data[mime], list) else data[mime]
                        out.append(reader_text(text) if mime == "text/html" else text)
                        break
    return "\n".join(out)


COMMITTED = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
CHAPTER_SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py"))


def run_chapters(out: Path, year: int, department: str, clean_root: Path, title: str):
    """The six chapters (from their .py twins) executed by papermill on one report of ``clean_root``
    and combined into ``out``/report.html as the batch does: ({stem: executed notebook}, html text).
    A chapter that fails is named with its error."""
    import jupytext
    import papermill as pm

    from juesuan.render import combine_html
    from test_batch import _kernel_available

    if not _kernel_available():
        pytest.skip("no Jupyter kernel")
    out.mkdir(parents=True, exist_ok=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUESUAN_CLEAN_ROOT", str(clean_root))
    done, errors = [], {}
    try:
        for py in CHAPTER_SOURCES:
            src, target = out / f"{py.stem}.src.ipynb", out / f"{py.stem}.ipynb"
            nbformat.write(jupytext.read(py), src)
            try:
                pm.execute_notebook(str(src), str(target), parameters={"year": year, "department": department},
                                    cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
            except Exception as exc:  # noqa: BLE001 - name every failing chapter
                errors[py.stem] = str(exc)[-1500:]
            done.append(target)
    finally:
        mp.undo()
    assert not errors, errors
    ordered = sorted(done, key=lambda c: (not c.stem.endswith("-report"), c.name))
    html = combine_html(ordered, out / "report.html", title)
    return {p.stem: nbformat.read(p, as_version=4) for p in done}, Path(html).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_chapters_show_no_python_values(path):
    nb = nbformat.read(path, as_version=4)
    text = visible_text(nb)
    assert text.strip(), path.name
    assert not leaks(text), (path.name, leaks(text)[:5])


def test_visible_text_sees_a_leak_and_skips_removed_cells():
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("x")
    shown.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "科目编码 None 的项目"})]
    hidden = nbformat.v4.new_code_cell("y", metadata={"tags": ["remove-cell"]})
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="nan")]
    nb.cells = [shown, hidden]
    assert leaks(visible_text(nb)) == ["科目编码 None 的项目"]
    assert leaks("<td>&lt;NA&gt;</td> NaT") and not leaks("Nanjing finance NoneType-free 南宁")


def test_the_2024_report_chapters_show_no_python_values(tmp_path):
    """The committed notebooks hold the 2022 report; the other committed report, 2024/ptczj, runs here."""
    nbs, html = run_chapters(tmp_path, 2024, "ptczj", Path(os.environ["JUESUAN_CLEAN_ROOT"]),
                             "上海市普陀区财政局2024年度部门决算分析报告")
    assert len(nbs) == 6
    for stem, nb in nbs.items():
        text = visible_text(nb)
        assert not leaks(text), (stem, leaks(text)[:5])
    assert not leaks(reader_text(html))
    assert "<title>上海市普陀区财政局2024年度部门决算分析报告</title>" in html


def _assert_no_leaks(root, proc, reports):
    texts = assert_rendered(root, proc, reports)
    for dept, text in texts.items():
        assert not leaks(text), (dept, leaks(text)[:5])
    for year, dept in reports:
        notebooks = sorted((root / "reports" / year / dept).glob("[0-9][0-9]-*.ipynb"))
        assert notebooks, (year, dept)
        for nb_path in notebooks:
            text = visible_text(nbformat.read(nb_path, as_version=4))
            assert not leaks(text), (dept, nb_path.name, leaks(text)[:5])


def test_generated_reports_and_chapters_show_no_python_values(quick_run):
    root, proc, reports = quick_run
    _assert_no_leaks(root, proc, [r for r in reports if r[1] != "template"])


def test_the_blank_template_report_shows_no_python_values(quick_run):
    root, proc, reports = quick_run
    if not templatekit.available():
        pytest.skip(templatekit.MISSING)
    _assert_no_leaks(root, proc, [r for r in reports if r[1] == "template"] or [("2024", "template")])


# ------------------------------------------------------------------ figure labels
def figure_strings(fig) -> list[str]:
    """Every label string of a Figure: suptitle and figure texts; per axes the titles, axis labels,
    tick labels, annotations and legend entries."""
    out = [t.get_text() for t in fig.texts]
    if getattr(fig, "_suptitle", None) is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    return [s for s in out if s]


FIGURE_FUNCTIONS = [f for name, f in inspect.getmembers(fg, inspect.isfunction)
                    if not name.startswith("_") and f.__module__ == fg.__name__
                    and list(inspect.signature(f).parameters)[:1] == ["d"]]


def drawn_figures(d) -> dict[str, list[str]]:
    """Label strings of every figure the figure functions draw for ``d`` (hooked: each function's
    returned Figure is read, then closed)."""
    out = {}
    for f in FIGURE_FUNCTIONS:
        fig = f(d)
        if fig is not None:
            out[f.__name__] = figure_strings(fig)
            plt.close(fig)
    return out


def _assert_clean_figures(label: str, d) -> dict[str, list[str]]:
    drawn = drawn_figures(d)
    bad = {name: [s for s in strings if leaks(s)] for name, strings in drawn.items()}
    assert not {k: v for k, v in bad.items() if v}, (label, bad)
    return drawn


def test_figure_functions_are_found():
    names = {f.__name__ for f in FIGURE_FUNCTIONS}
    assert {"completion_rates", "budget_vs_actual_amounts", "year_on_year", "budget_changes",
            "income_sources"} <= names


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "float"])
@pytest.mark.parametrize("year,dept", [(2022, "nxgxt"), (2024, "ptczj")])
def test_figures_of_the_suite_reports_show_no_python_values(year, dept, exact):
    drawn = _assert_clean_figures(f"{year}/{dept}", h.load(year, dept, exact=exact))
    assert len(drawn) >= 5, sorted(drawn)


def _holed(d):
    """The 2022 report with the holes of other reports: an item without a code, one without a name,
    one with only a 全年预算 (年初预算 0), a reason without a category, a derived prior-year figure
    with no label, a project without a number, a 三公 row without a label."""
    d.tables = dict(d.tables)
    bo = d.budget_outturn.copy()
    bo["full_budget_yuan"] = pd.Series([None] * len(bo), index=bo.index, dtype=object)
    bo["full_completion_rate"] = pd.Series([None] * len(bo), index=bo.index, dtype=object)
    bo.loc[bo.index[0], "code"] = None
    bo.loc[bo.index[1], "name"] = None
    bo.loc[bo.index[2], ["initial_budget_yuan", "full_budget_yuan", "completion_rate", "full_completion_rate"]] = \
        [Decimal(0), Decimal("520000"), None, Decimal("0.986923")]
    bo.loc[bo.index[3], "reason_category"] = None
    d.tables["budget_outturn"] = bo
    py = pd.DataFrame([{"year": d.year, "department": d.department, "subject": "income", "label": None,
                        "prior_year": d.year - 1, "prior_yuan": Decimal("100"), "current_yuan": Decimal("120"),
                        "change_yuan": Decimal("20"), "change_rate": Decimal("0.2"), "stated_change_rate": None,
                        "source_line": 9, "derived": "true", "stated_change_yuan": Decimal("20")}])
    d.tables["prior_year"] = py
    if len(d.projects):
        pr = d.projects.copy()
        pr.loc[pr.index[0], "project_no"] = None
        d.tables["projects"] = pr
    sg = d.sangong.copy()
    sg.loc[sg.index[0], "label"] = None
    d.tables["sangong"] = sg
    return d


def test_figures_with_holes_show_no_python_values_and_name_the_full_budget():
    d = _holed(h.load(2022, "nxgxt", exact=True))
    drawn = _assert_clean_figures("holed 2022", d)
    rates = " ".join(drawn["completion_rates"])
    assert "（全年预算）" in rates and "仅有全年预算" in rates        # the item is shown against its 全年预算
    assert "（推算）" in " ".join(drawn["year_on_year"])            # a derived prior figure is marked


def test_figures_of_a_budget_report(tmp_path):
    d = load_from(write_budget_clean(tmp_path / "clean"))
    drawn = _assert_clean_figures("budget", d)
    assert {"income_sources", "expenditure_by_class", "economic_classes", "budget_changes"} <= set(drawn)
    assert not {"completion_rates", "pefa_outturn", "sangong", "projects_scatter"} & set(drawn)
    assert any("预算01" in s for s in drawn["income_sources"])
    assert any("部门预算" in s for s in drawn["budget_changes"])     # the source note names the kind


@pytest.fixture(scope="module")
def template_and_synth(tmp_path_factory):
    """The blank template (when found, see tests/templatekit.py) and a synthetic report through the
    data step: {name: clean folder}."""
    root = tmp_path_factory.mktemp("reader")
    raw, clean = root / "raw", root / "clean"
    found = [("2024", "synth")]
    write_synth(raw)
    if write_template(raw):
        found.append(("2024", "template"))
    env = dict(os.environ, JUESUAN_RAW_ROOT=str(raw), JUESUAN_CLEAN_ROOT=str(clean))
    proc = subprocess.run([sys.executable, "-m", "juesuan", "data"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    folders = {dd: clean / y / dd for y, dd in found if (clean / y / dd / "line_items.csv").exists()}
    assert len(folders) == len(found), proc.stdout[-2000:] + proc.stderr[-2000:]
    return folders


@pytest.mark.parametrize("exact", [True, False])
def test_figures_of_a_synthetic_report(template_and_synth, exact):
    _assert_clean_figures("synth", load_from(template_and_synth["synth"], exact=exact))


@pytest.mark.parametrize("exact", [True, False])
def test_figures_of_the_blank_template(template_and_synth, exact):
    if not templatekit.available():
        pytest.skip(templatekit.MISSING)
    _assert_clean_figures("template", load_from(template_and_synth["template"], exact=exact))


# ------------------------------------------------------------------ the sources of leaks, one by one
def test_item_labels_without_a_code_or_name():
    assert an.item_ref(None, None) == "**（未命名项目）**"
    assert an.item_ref("其他支出", float("nan")) == "**其他支出**"
    assert an.item_ref("其他支出", "2080599") == "**其他支出**（2080599）"
    assert an.item_ref("其他支出", "2080599", bold=False) == "其他支出（2080599）"
    assert fg._item_label(None, "行政事业单位养老支出") == "行政事业单位养老支出"
    assert fg._item_label(pd.NA, None) == ""
    assert fg._short(float("nan")) == "" and fg._short(pd.NA) == "" and fg._short(None) == ""


def test_clean_text_and_text_columns():
    assert [an.clean_text(v) for v in (None, pd.NA, pd.NaT, float("nan"), "x", 3)] == ["", "", "", "", "x", "3"]
    df = pd.DataFrame({"a": pd.Series(["x", None], dtype="string")})
    assert an.text_col(df, "a") == ["x", ""] and an.text_col(df, "absent") == ["", ""]


def test_prior_year_view_marks_derived_and_fills_labels():
    py = pd.DataFrame({"subject": ["income", "expenditure", "x"], "label": ["收入总计", None, None],
                       "derived": [False, "true", None]})
    v = an.prior_year_view(py)
    assert list(v.source) == ["原文", "推算（本年数 − 所述增减额）", "原文"]
    assert list(v.label) == ["收入总计", "支出", "x"]
    assert list(an.prior_year_view(py.drop(columns="derived")).source) == ["原文"] * 3


def test_finding_messages_never_show_a_missing_value():
    from juesuan import messages_zh as mz
    m = mz.message_zh("stated_vs_table", "说明三 收入总计: expected None, found 23")
    assert not leaks(m) and "应为 —，原文为 23" in m
    m = mz.message_zh("text_vs_table", "说明四 财政拨款收入总计 (actual) vs tables: mismatch of 3000 元", None, "nan")
    assert not leaks(m) and "—" in m
    df = pd.DataFrame({"check": ["x"], "message": [None], "expected": [float("nan")], "found": [pd.NA], "table": [None]})
    assert not leaks(" ".join(mz.add_message_zh(df).message_zh))
