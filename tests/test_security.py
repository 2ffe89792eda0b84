"""Text from a report is untrusted (issue 10): inert in HTML and spreadsheets.

Arbitrary text with HTML, Markdown and formula metacharacters is driven through the layers —
raw text report → parser → clean tables (CSV, XLSX) → loader → the notebooks' Markdown and table
helpers → nbconvert HTML export — and the output is PARSED (html.parser, openpyxl, csv): no active
element, no formula cell, and the text comes back exactly / is shown as text.
"""
import csv
import shutil
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from fuzzkit import case_report_fixture, variant_factory
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from securitykit import (FORMULA_CHARS, FRAGMENTS, LINE_TEXT, PAYLOAD_FORMULA, PAYLOAD_IMG, TEXT,
                         formula_cells, inspect, norm, unguarded_csv_cells, visible_text)

import helpers as h
from juesuan import config, render, safety
from juesuan.clean.writer import write_clean

RAW = config.raw_dir(2022, "nxgxt")
RAW_TEXT = next(RAW.glob("*.txt"))
CASES: Counter = Counter()
variants = variant_factory(CASES)
_report_cases = case_report_fixture(CASES)

# Where the payloads go in the real 2022 report: a stated reason, a project name, an indicator.
REASON = "主要为本年追加人才专项"
PROJECT = "项目名称\t\t工业稳增长及专项业务经费"
INDICATOR = "\t\t\t工业经济宣传经费\t1项"


# ------------------------------------------------------------------ helpers
def captured_md(monkeypatch) -> list[str]:
    """What ``h.md`` displays (the Markdown text handed to the notebook)."""
    import IPython.display
    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj.data))
    return shown


def notebook_with(markdown: list[str], tables: list[str]):
    """An executed notebook as the chapters produce it: Markdown and HTML table outputs."""
    nb = new_notebook()
    nb.cells = [new_markdown_cell("# 测试章节")]
    for text in markdown:
        c = new_code_cell("h.md(...)")
        c.outputs = [new_output("display_data", data={"text/markdown": text, "text/plain": "<Markdown>"})]
        nb.cells.append(c)
    for t in tables:
        c = new_code_cell("h.table(...)")
        c.outputs = [new_output("execute_result", data={"text/html": t, "text/plain": "<Styler>"},
                                execution_count=1)]
        nb.cells.append(c)
    return nb


def export(nb, sanitise=True) -> str:
    """The report HTML of ``nb`` (the font subset is left out: it does not touch the markup)."""
    orig_inert, orig_font = render.make_inert, render.embed_cjk_font
    try:
        render.embed_cjk_font = lambda page: page
        if not sanitise:
            render.make_inert = lambda page: page
        return render.export_html(nb, title="测试")
    finally:
        render.make_inert, render.embed_cjk_font = orig_inert, orig_font


def prose(d) -> list[str]:
    """Markdown as the chapters write it: report texts interpolated into templates."""
    bo, pr, ind = d.budget_outturn, d.projects, d.project_indicators
    out = [f"**{d.name}{d.year}年度部门决算**，完成率最高的是**{bo.iloc[0]['name']}**。",
           "按金额看：" + "；".join(f"{r.name}（{r.code}），原因：{r.explanation}" for r in bo.itertuples()) + "。",
           "\n".join(f"- {r.project}：{r.unit}" for r in pr.itertuples()),
           "扣分指标：" + "、".join(str(x) for x in ind.indicator) + "。",
           "原因：" + "；".join(bo.explanation.dropna()) + "。"]
    return out


def tables(d) -> list[str]:
    return [h.table(d.budget_outturn[["code", "name", "actual_yuan", "completion_rate", "explanation"]]).to_html(),
            h.table(d.projects[["project_no", "project", "executed_yuan"]]).to_html(),
            h.table(d.project_indicators[["project_no", "indicator", "target", "actual"]]).to_html()]


def inject(text: str, reason: str, project: str, indicator: str) -> str:
    assert REASON in text and PROJECT in text and INDICATOR in text
    text = text.replace(REASON, reason, 1)
    text = text.replace(PROJECT, f"项目名称\t\t{project}", 1)
    return text.replace(INDICATOR, f"\t\t\t{indicator}\t1项", 1)


def run_pipeline(raw_folder: Path, clean: Path):
    """parse → frames → clean CSV/XLSX → the loader; returns (frames, loaded tables, xlsx)."""
    from juesuan.clean.frames import build_frames
    from juesuan.clean.pipeline import parse_report
    rep = parse_report(raw_folder)
    frames = build_frames(rep)
    write_clean(frames, clean, "t", "t")
    loaded = {n: h.read_table(clean / f"{n}.csv", n, exact=True) for n in frames}
    return frames, loaded, clean / "t.xlsx"


def _original_text(v) -> str:
    """What a text cell held before writing (a missing value reads back as ""): the expected value
    of the round trip, taken from the frame itself and not from the writer's transform."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    assert isinstance(v, (str, int)) and not isinstance(v, bool), (type(v), v)
    return str(v)


def assert_spreadsheets_inert(frames, loaded, xlsx, clean):
    assert formula_cells(xlsx) == []
    for name, df in frames.items():
        assert unguarded_csv_cells(clean / f"{name}.csv", safety.text_columns(name)) == []
        # the loader gives back every text exactly as it was before writing
        for col in safety.text_columns(name) & set(df.columns):
            want = [_original_text(v) for v in df[col].tolist()]
            got = ["" if v is None else v for v in loaded[name][col].tolist()]
            assert got == want, (name, col)
            # the default (pandas-native) load gives back the same texts as a string column
            native = h.read_table(clean / f"{name}.csv", name)[col]
            assert ["" if pd.isna(v) else v for v in native.tolist()] == want, (name, col)


def assert_html_inert(page: str, shown: list[str]):
    found = inspect(page)
    assert found.active == [], found.active
    text = norm("".join(found.text))
    for s in shown:
        assert norm(s) in text, s


# ------------------------------------------------------------------ HTML: sanitiser
VECTORS = [PAYLOAD_IMG, "<script>alert(1)</script>", "<SCRIPT SRC=//x></SCRIPT>", "<iframe src=x></iframe>",
           "<object data=x></object>", "<embed src=x>", "<svg><script>alert(1)</script></svg>",
           "<svg onload=alert(1)/>", "<a href='javascript:alert(1)'>x</a>", "<a href=' jav&#x61;script:1'>x</a>",
           "<a href='data:text/html,<script>alert(1)</script>'>x</a>", "<form action=x><input></form>",
           "<meta http-equiv='refresh' content='0;url=x'>", "<body onload=alert(1)>", "<iframe srcdoc='<b>'>",
           "<img src=x onerror=alert(1)//", "<div style='background:url(javascript:alert(1))'>x</div>",
           "<p><b onmouseover=alert(1)>t</b></p>", "<base href=//x>", "<math><mi xlink:href=javascript:1>x</mi></math>"]


@pytest.mark.parametrize("vector", VECTORS)
def test_sanitiser_removes_active_content(vector):
    page = f"<html><head><style>p>b{{}}</style></head><body><p>前</p>{vector}<p>后 &amp; 中</p></body></html>"
    before = inspect(page).active
    if "style=" not in vector:
        assert before, "the checker must see the vector"
    clean, removed = safety.sanitize_html(page)
    assert inspect(clean).active == []
    assert "style=" in vector or removed
    assert "前" in visible_text(clean) and "后 & 中" in visible_text(clean)
    assert "<style>p>b{}</style>" in clean   # CSS is kept as it was


def test_sanitiser_keeps_an_ordinary_report_page_unchanged():
    nb = notebook_with(["**加粗** 与 `代码`，金额 1,234.00 元"], ["<table><tr><td>1</td></tr></table>"])
    page = export(nb, sanitise=False)
    clean, removed = safety.sanitize_html(page)
    assert removed == [] and visible_text(clean) == visible_text(page)
    assert len(clean) > 0.99 * len(page)


# ------------------------------------------------------------------ HTML: Markdown helpers
def _md_escape(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    page = markdown2html_mistune(f"前：{safety.md_escape(text)}。后")
    found = inspect(page)
    assert found.active == [], (text, found.active)
    assert norm(f"前：{text}。后") == norm("".join(found.text)), page   # shown as exactly this text


test_md_escape_renders_literally, test_md_escape_renders_literally_slow = variants(_md_escape, 300, 5000,
                                                                                  text=TEXT)


def _md_guard(values):
    safety.forget()
    try:
        safety.register(values)
        shown = [safety.md_guard(f"- **{v}**：原因 {v}") for v in values]
        shown += [safety.md_guard("；".join(values))]
        page = export(notebook_with(shown, []), sanitise=False)   # escaping alone suffices
        assert_html_inert(page, values)
    finally:
        safety.forget()


@settings(max_examples=25, deadline=None, database=None, derandomize=True)
@given(values=st.lists(TEXT, min_size=1, max_size=4))
def test_registered_report_text_is_escaped_in_notebook_markdown(values):
    CASES["md_guard"] += 1
    _md_guard(values)


def test_md_neutralises_a_tag_from_a_transformed_value(monkeypatch):
    shown = captured_md(monkeypatch)
    safety.forget()
    h.md(f"名称 {PAYLOAD_IMG[:-1]}>；{'<script>'}x")   # never registered: still no element
    page = export(notebook_with(shown, []), sanitise=False)
    assert inspect(page).active == []
    assert "<img src=x onerror=alert(1)>" in visible_text(page)


def test_table_helper_escapes_html():
    df = pd.DataFrame({"name": [PAYLOAD_IMG, "<script>alert(1)</script>"], "amount_yuan": [Decimal("-12.5"), None]})
    page = h.table(df, labels={"name": "名称<b onclick=x>"}).to_html()
    found = inspect(page)
    assert found.active == [] and PAYLOAD_IMG in "".join(found.text)


def test_figure_labels_are_literal():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    h.setup()
    fig, ax = plt.subplots()
    ax.set_title("收入$x^{2}$ 与 $\\frac{1}{$")   # mathtext would typeset the first and raise on the second
    ax.set_yticks([0, 1], ["a_b*c", "$\\frac{1}{0}$"])
    fig.canvas.draw()
    assert ax.title.get_text().startswith("收入$x^{2}$")
    assert not ax.title._preprocess_math(ax.title.get_text())[1]
    plt.close(fig)


# ------------------------------------------------------------------ spreadsheets
def _csv_rule(text):
    enc = safety.csv_encode(text)
    assert safety.csv_decode(enc) == text
    assert not enc.startswith(FORMULA_CHARS)


test_csv_rule_is_reversible, test_csv_rule_is_reversible_slow = variants(
    _csv_rule, 500, 10000, text=st.one_of(TEXT, st.text(max_size=8)))


def _writer_roundtrip(tmp_path_factory, names, reasons, amount, keep=False):
    clean = tmp_path_factory.mktemp("w")
    n = len(names)
    bo = pd.DataFrame({"year": [2022] * n, "department": ["x"] * n, "code": ["2010102"] * n, "name": names,
                       "actual_yuan": [amount] * n, "completion_rate": [Decimal("0.9895")] * n,
                       "explanation": reasons})
    findings = pd.DataFrame({"check": ["x"] * n, "severity": ["error"] * n, "message": reasons,
                             "expected": [str(amount)] * n, "found": names})
    frames = {"budget_outturn": bo, "findings": findings}
    write_clean(frames, clean, "t", "t")
    loaded = {k: h.read_table(clean / f"{k}.csv", k, exact=True) for k in frames}
    assert_spreadsheets_inert(frames, loaded, clean / "t.xlsx", clean)
    assert loaded["budget_outturn"].actual_yuan.tolist() == [amount] * n      # amounts stay numbers
    with open(clean / "budget_outturn.csv", encoding="utf-8-sig", newline="") as f:
        assert {r["actual_yuan"] for r in csv.DictReader(f)} == {f"{amount:.2f}"}
    if keep:
        return clean
    shutil.rmtree(clean)


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(rows=st.lists(st.tuples(st.one_of(TEXT, st.text(max_size=6)), st.one_of(TEXT, st.text(max_size=6))),
                     min_size=1, max_size=5),
       amount=st.decimals(min_value=-10**6, max_value=10**6, places=2))
def test_clean_tables_never_hold_a_formula_and_load_back_exactly(tmp_path_factory, rows, amount):
    CASES["writer"] += 1
    _writer_roundtrip(tmp_path_factory, [r[0] for r in rows], [r[1] for r in rows], amount)


def test_named_payloads_in_the_spreadsheets(tmp_path_factory):
    names = [PAYLOAD_FORMULA, "'已带引号", "-12.50", "\t=1", "@x"]
    reasons = [PAYLOAD_IMG, "+1", "''", "\r=2", "普通原因"]
    clean = _writer_roundtrip(tmp_path_factory, names, reasons, Decimal("-12.50"), keep=True)
    # the CSV cells as written, by hand from the rule (a text starting with = + - @ TAB CR or ' gets
    # one leading '): a number-looking name is text too; the amount column is not guarded
    with open(clean / "budget_outturn.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(\"http://evil.example/x\",\"点击\")", "''已带引号",
                                         "'-12.50", "'\t=1", "'@x"]
    assert [r["explanation"] for r in rows] == ["<img src=x onerror=alert(1)>", "'+1", "'" + "''", "'\r=2",
                                                "普通原因"]
    assert [r["actual_yuan"] for r in rows] == ["-12.50"] * 5
    loaded = h.read_table(clean / "budget_outturn.csv", "budget_outturn", exact=True)
    assert loaded.name.tolist() == ["=HYPERLINK(\"http://evil.example/x\",\"点击\")", "'已带引号", "-12.50",
                                    "\t=1", "@x"]
    assert loaded.explanation.tolist() == ["<img src=x onerror=alert(1)>", "+1", "''", "\r=2", "普通原因"]
    shutil.rmtree(clean)


# ------------------------------------------------------------------ the real 2022 report, end to end (no kernel)
def _end_to_end(tmp_path_factory, monkeypatch, reason, project, indicator):
    safety.forget()
    root = tmp_path_factory.mktemp("e2e")
    folder = root / "raw" / "2022" / "nxgxt"
    shutil.copytree(RAW, folder)
    text = RAW_TEXT.read_text(encoding="utf-8")
    (folder / RAW_TEXT.name).write_text(inject(text, reason, project, indicator), encoding="utf-8")
    frames, loaded, xlsx = run_pipeline(folder, root / "clean")
    assert_spreadsheets_inert(frames, loaded, xlsx, root / "clean")

    class D:  # what h.load gives the chapters
        year, name = 2022, "宁夏回族自治区工业和信息化厅"
        budget_outturn, projects = loaded["budget_outturn"], loaded["projects"]
        project_indicators = loaded["project_indicators"]
    shown = captured_md(monkeypatch)
    for text_md in prose(D):
        h.md(text_md)
    page = export(notebook_with(shown, tables(D)), sanitise=False)   # escaping alone: nothing active
    cells = [norm(x) for t in loaded.values() for c in t.columns for x in t[c].tolist() if isinstance(x, str)]
    injected = [v for v in (reason, project, indicator)   # what the parser kept of the injected texts
                if any(norm(v) == x or (len(norm(v)) >= 8 and norm(v) in x) for x in cells)]
    assert_html_inert(page, injected)
    assert_html_inert(export(notebook_with(shown, tables(D))), injected)
    shutil.rmtree(root)
    monkeypatch.undo()
    return injected


def test_named_payloads_through_the_real_2022_report(tmp_path_factory, monkeypatch):
    injected = _end_to_end(tmp_path_factory, monkeypatch, PAYLOAD_IMG, PAYLOAD_FORMULA,
                           PAYLOAD_IMG + PAYLOAD_FORMULA)
    assert len(injected) == 3     # the parser kept all three: reason, project name, indicator


class _TMP:
    """tmp_path_factory's mktemp for the generated cases (a body of ``variants`` takes no fixture);
    _end_to_end removes the folder it made."""
    @staticmethod
    def mktemp(name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"juesuan-{name}-"))


def _fuzzed_report(reason, project, indicator):
    """Arbitrary lines as a stated reason, a project name and an indicator of the real 2022 report."""
    mp = pytest.MonkeyPatch()
    try:
        _end_to_end(_TMP, mp, reason, "项目" + project, "指标" + indicator)
    finally:
        mp.undo()


test_fuzzed_text_through_the_real_2022_report, test_fuzzed_text_through_the_real_2022_report_slow = variants(
    _fuzzed_report, 6, 200, reason=LINE_TEXT, project=LINE_TEXT, indicator=LINE_TEXT)


def test_fragments_cover_every_attack_class():
    kinds = {"script": "<script", "attribute": "onerror=", "url": "javascript:", "iframe": "<iframe",
             "object": "<object", "formula": "=HYPERLINK", "markdown link": "](", "math": "$"}
    for kind, needle in kinds.items():
        assert any(needle in f for f in FRAGMENTS), kind


# ------------------------------------------------------------------ the real 2024 PDF report (payloads in the extracted text)
def test_named_payloads_through_the_real_2024_pdf_report(tmp_path, monkeypatch):
    """The payloads are injected into the extracted-text cache (what pdfplumber read, keyed by the
    PDF's sha256): the PDF stays as published, everything after text extraction sees them."""
    import json

    from juesuan.extract.reading.pdf import read_pdf
    safety.forget()
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    folder = tmp_path / "raw" / "2024" / "ptczj"
    shutil.copytree(config.raw_dir(2024, "ptczj"), folder)
    cache_dir = config.clean_dir(2024, "ptczj") / ".cache"
    read_pdf(next(folder.glob("*.pdf")), cache_dir=cache_dir)
    cache = next(cache_dir.glob("pdf-*.json"))
    data = json.loads(cache.read_text(encoding="utf-8"))
    i = next(i for i, line in enumerate(data["lines"]) if "人员进出及退休变化，减少人员经费开支" in line)
    data["lines"][i] = data["lines"][i].replace("人员进出及退休变化，减少人员经费开支",
                                                f"{PAYLOAD_IMG}，{PAYLOAD_FORMULA}")
    cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    frames, loaded, xlsx = run_pipeline(folder, tmp_path / "out")
    assert_spreadsheets_inert(frames, loaded, xlsx, tmp_path / "out")
    reasons = [x for x in loaded["budget_outturn"].explanation if x and PAYLOAD_IMG in x]
    assert reasons and PAYLOAD_FORMULA in reasons[0]

    class D:
        year, name = 2024, "上海市普陀区财政局"
        budget_outturn, projects = loaded["budget_outturn"], loaded["projects"]
        project_indicators = loaded["project_indicators"]
    shown = captured_md(monkeypatch)
    for text_md in prose(D):
        h.md(text_md)
    for sanitise in (False, True):
        assert_html_inert(export(notebook_with(shown, tables(D)), sanitise=sanitise), [reasons[0]])


def test_figures_show_dollar_and_markup_in_names_literally(tmp_path, monkeypatch):
    """A name with "$" (mathtext markup) must neither crash a figure nor be typeset."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from juesuan import figures
    h.setup()
    name = "收入$\\frac{1}{0}$与$单个a_b$"
    root = tmp_path
    folder = root / "raw" / "2022" / "nxgxt"
    shutil.copytree(RAW, folder)
    text = RAW_TEXT.read_text(encoding="utf-8")
    (folder / RAW_TEXT.name).write_text(text.replace("一般行政管理事务", name).replace(REASON, name, 1),
                                        encoding="utf-8")
    frames, loaded, _ = run_pipeline(folder, root / "clean")
    assert any(name in str(x) for x in loaded["budget_outturn"].name), loaded["budget_outturn"].name.tolist()[:3]
    d = h.Dataset(2022, "nxgxt", root / "clean", {"department_name": name}, loaded)
    drawn = 0
    for fn in ("income_sources", "expenditure_by_class", "completion_rates", "budget_vs_actual_amounts",
               "rate_vs_amount", "reason_categories", "projects_scatter", "findings_overview"):
        fig = getattr(figures, fn)(d)
        fig.canvas.draw()                       # mathtext would raise on the unbalanced "$"
        texts = [t for ax in fig.axes for t in ax.findobj(matplotlib.text.Text)]
        assert all(not t._preprocess_math(t.get_text())[1] for t in texts)
        drawn += 1
        plt.close(fig)
    assert drawn == 8


def test_index_page_shows_report_text_as_text(tmp_path):
    from juesuan.run import batch
    rep = {"year": 2022, "department": "x", "department_name": PAYLOAD_IMG, "ok": False,
           "steps": [{"step": "data", "ok": False, "status": "FAILED", "seconds": 0.1, "output": "",
                      "log": "", "error": f"report.txt:12: bad value {PAYLOAD_FORMULA} <script>alert(1)</script>"}],
           "headline": {}}
    summary = {"generated": "<iframe src=x>", "wall_s": 1.0, "reports": [rep]}
    page = batch.index_html(summary, tmp_path)
    found = inspect(page)
    assert found.active == []
    text = norm("".join(found.text))
    assert PAYLOAD_IMG in text and "<script>alert(1)</script>" in text and "<iframe src=x>" in text
