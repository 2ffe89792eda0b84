"""Every chapter runs on a budget report and says what applies to it (issue 19 item 5).

A small synthetic 部门预算 clean folder (tests/budgetkit.py: the contract's metadata ``doc_kind`` =
"budget" and tables 预算01–预算07) in a temporary clean root; the analysis functions are checked in
process, then the six chapters (their .py twins, the source) run through papermill on it and are
combined into report.html: no error, no Python value shown, 预算 said plainly, the final-accounts-only
sections say in one sentence that they do not apply.
"""
from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from budgetkit import DEPT, NAME, YEAR, load_from, write_budget_clean  # noqa: E402
from juesuan import analysis as an  # noqa: E402

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py"))


@pytest.fixture()
def budget(tmp_path):
    return load_from(write_budget_clean(tmp_path / "clean"))


# ------------------------------------------------------------------ analysis, in process
def _summary_table(rows):
    return pd.DataFrame([{"table": "预算01", "side": side, "row_key": key, "column": "amount",
                          "amount_yuan": Decimal(v)} for side, key, v in rows])


def test_year_totals_of_a_summary_table_that_states_only_the_grand_totals():
    # the Shanghai 财务收支预算总表 prints 收入总计 / 支出总计 and no 本年收入合计 (2025 财政局, p9)
    li = _summary_table([("收入", "fiscal", "31214205.80"), ("收入", "grand_total", "31214205.80"),
                         ("支出", "grand_total", "31214205.80")])
    t = an.year_totals(li, "预算01")
    assert t["income_total"] == t["expenditure_total"] == Decimal("31214205.80")
    assert t["derived"] == ["income_total", "expenditure_total"]
    inc = an.income_by_source(li, "预算01")
    assert list(inc.share) == [Decimal(1)]                  # 财政拨款 = all of the year's income
    # with 上年结转 / 结转下年 the year's own figures leave them out
    li = _summary_table([("收入", "grand_total", "120"), ("收入", "carryover", "20"),
                         ("支出", "grand_total", "120"), ("支出", "carryover_next", "5")])
    t = an.year_totals(li, "预算01")
    assert (t["income_total"], t["expenditure_total"]) == (Decimal(100), Decimal(115))
    # a stated 本年收入合计 is used as it is, and a final account is never derived
    li = _summary_table([("收入", "income_total", "90"), ("收入", "grand_total", "120")])
    assert an.year_totals(li, "预算01")["income_total"] == Decimal(90)
    li["table"] = "公开01"
    t = an.year_totals(li, "公开01")
    assert t["expenditure_total"] is None and t["derived"] == []


def test_the_clause_against_the_prior_budget():
    assert an.vs_prior_budget(Decimal("9500"), Decimal("9500"), Decimal(0)) == "，与上年预算持平"
    assert an.vs_prior_budget(Decimal("31214205.80"), Decimal("30138000"), Decimal("1076200")) \
        == "，比上年预算增加 107.62 万元"
    assert an.vs_prior_budget(Decimal(100), Decimal(300)) == "，比上年预算减少 0.02 万元"
    assert an.vs_prior_budget(Decimal(100), None) == ""


def test_the_document_kind_comes_from_the_metadata_or_the_tables(budget):
    assert an.doc_kind(budget) == "budget" and an.kind_zh(budget) == "预算" and an.doc_title(budget) == "部门预算"
    budget.meta = {"doc_level": "单位"}          # no doc_kind: every table is a 预算NN table
    assert an.doc_kind(budget) == "budget" and an.doc_title(budget) == "单位预算"
    budget.meta = {"doc_kind": "final"}
    assert an.doc_kind(budget) == "final"
    final = type("D", (), {"meta": {}, "tables": {"line_items": pd.DataFrame({"table": ["公开01"]})}})()
    assert an.doc_kind(final) == "final" and an.doc_title(final) == "部门决算"


def test_absent_tables_load_empty_with_their_columns(budget):
    assert len(budget.budget_outturn) == 0 and "initial_budget_yuan" in budget.budget_outturn.columns
    assert len(budget.projects) == 0 and "execution_rate" in budget.projects.columns


def test_structure_of_a_budget(budget):
    li = budget.line_items
    inc = an.income_by_source(li, "预算01")
    assert list(inc.source) == ["一般公共预算财政拨款", "事业收入"]
    assert inc.amount_yuan.iloc[0] == Decimal("8000000.00")
    cls = an.expenditure_by_class(li, "预算03")
    assert list(cls.code) == ["201", "208"] and sum(cls.amount_yuan) == Decimal("8700000.00")
    bp = an.basic_vs_project(li, "预算03")
    assert (bp["basic_yuan"], bp["project_yuan"]) == (Decimal("4700000.00"), Decimal("4000000.00"))
    ec = an.econ_classes(li, "预算06")
    assert list(ec.code) == ["301", "302", "303"] and ec.amount_yuan.iloc[0] == Decimal("3800000.00")
    assert an.first_cell(li, "预算06", "total") == Decimal("4700000.00")    # the budget keeps it in `total`


def test_changes_against_the_prior_budget(budget):
    ch = an.budget_changes(budget.stated_facts, budget.line_items).set_index("subject")
    assert ch.loc["income", "prior_budget_yuan"] == 8_000_000          # 850 − 50: derived
    assert ch.loc["income", "prior_source"].startswith("推算")
    assert ch.loc["fiscal_expenditure", "prior_source"] == "原文"       # stated
    assert ch.loc["fiscal_expenditure", "change_yuan"] == 400_000
    assert ch.loc["expenditure", "change_rate"] == Decimal("-0.033333")
    assert ch.loc["func:2013301", "label"] == "行政运行（2013301）"
    assert ch.loc["func:2013301", "prior_execution_yuan"] == 3_900_000
    sg = an.budget_sangong(budget)
    assert list(sg.subject) == ["sangong_total", "sangong_reception", "operating_costs"]
    assert sg.set_index("subject").loc["sangong_reception", "change_yuan"] == 0


def test_what_a_budget_lacks_is_said_for_a_budget(budget):
    lacks = an.missing_parts(budget)
    text = "".join(lacks)
    assert "预算执行明细" not in text and "项目支出绩效自评表" not in text and "上年金额" not in text
    assert f"本报告的{an.table_titles()['预算08']}（预算08）声明本表无数据。" in lacks
    facts = budget.stated_facts
    budget.tables["stated_facts"] = facts.iloc[0:0]
    assert "说明部分没有给出与上年预算的比较。" in an.missing_parts(budget)


def test_a_final_only_section_says_so_in_one_sentence():
    s = an.final_only("预算与决算的比较")
    assert s.count("。") == 1 and "不适用于预算报告" in s


# ------------------------------------------------------------------ the chapters, through papermill
@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The six chapters executed on the synthetic budget (from their .py twins) and report.html, titled
    as the batch titles every report."""
    from test_reader_text import run_chapters
    root = tmp_path_factory.mktemp("budget")
    write_budget_clean(root / "clean")
    return run_chapters(root / "reports", YEAR, DEPT, root / "clean", f"{NAME}{YEAR}年度部门决算分析报告")


def test_every_chapter_runs_on_a_budget_and_shows_no_python(executed):
    from test_reader_text import leaks, visible_text
    nbs, html = executed
    assert len(nbs) == 6
    for stem, nb in nbs.items():
        text = visible_text(nb)
        assert "ERROR" not in text and not leaks(text), (stem, leaks(text)[:5])
    from test_chapters_robust import reader_text
    assert not leaks(reader_text(html))


def test_each_chapter_says_what_applies_to_a_budget(executed):
    from test_reader_text import visible_text
    nbs, html = executed
    t = {stem[:2]: visible_text(nb) for stem, nb in nbs.items()}
    assert f"《{NAME}{YEAR}年度部门预算》" in t["01"]
    assert "收入预算总计 **870.00 万元**" in t["02"] and "本年支出预算按功能分类共涉及 2 个类" in t["02"]
    assert "推算" in t["02"] and "上年预算来源" in t["02"]
    # issue 25: a budget's chapters ask a budget's questions; no section says it does not apply
    for stem in ("02", "03", "04", "05", "06"):
        assert "不适用" not in t[stem], stem
    assert t["03"].lstrip().startswith("# 逐项对比上年：上年预算与上年执行")
    assert "说明部分逐项列出了 1 个功能分类项目的本年预算（合计 400.00 万元）" in t["03"]
    assert "1 项给出了上年预算执行数（合计 390.00 万元，这些项目本年预算合计 400.00 万元）" in t["03"]
    assert "说明部分逐项没有给出上年预算、与上年执行数相比的增减率，相应的列为空。" in t["03"]
    assert "**行政运行**（2013301）增加 10.00 万元" in t["03"]           # 400 − 390, against the prior execution
    assert "PEFA PI-1" not in t["03"] and "完成率区间" not in t["03"]
    assert "一般公共预算基本支出预算 **470.00 万元**" in t["04"]
    assert "“三公”经费 15.00 万元，比上年预算减少 1.00 万元" in t["04"] and "公务接待费 3.00 万元，与上年预算持平" in t["04"]
    assert "机关运行经费预算 60.00 万元，上年预算 58.00 万元（推算）" in t["04"]
    assert "人员经费 400.00 万元（85.11%），公用经费 70.00 万元（14.89%）" in t["04"]
    assert t["05"].lstrip().startswith("# 项目支出与绩效目标") and "本年项目支出预算 **400.00 万元**" in t["05"]
    assert "报告没有逐个项目的预算和绩效目标（项目支出绩效目标表）" in t["05"]
    assert t["06"].lstrip().startswith(f"# {NAME}{YEAR}年度部门预算分析报告")
    assert "这是一份**预算**" in t["06"] and "支出预算减少 30.00 万元" in t["06"]


def test_report_html_says_budget_in_its_title_and_opening(executed):
    from test_chapters_robust import reader_text
    _, html = executed
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == f"{NAME}{YEAR}年度部门预算分析报告"
    opening = reader_text(html).split("要点")[0]
    assert "部门预算分析报告" in opening and "部门决算" not in opening


def test_income_given_as_one_fiscal_row(budget):
    """Shanghai's 预算01 gives 财政拨款收入 as one row (row key ``fiscal``) without its breakdown."""
    li = budget.line_items.copy()
    li.loc[li.row_key == "fiscal_gpb", "row_key"] = "fiscal"
    inc = an.income_by_source(li, "预算01")
    assert list(inc.source) == ["财政拨款收入", "事业收入"] and inc.amount_yuan.iloc[0] == Decimal("8000000.00")
    assert an.first_cell(li, "预算01", "expenditure_total", side="支出") == Decimal("8700000.00")   # in `total`


def test_sangong_total_from_the_budget_table(budget):
    assert an.sangong_table_total(budget.line_items) == Decimal("150000.00")
    assert an.sangong_table_total(budget.line_items[budget.line_items.table != "预算07"]) is None


def test_the_panel_chapters_run_on_budgets_alone(tmp_path):
    """Regression: a panel of budget reports only (no budget-vs-actual item anywhere) made the
    comparison chapter fail (KeyError on the empty outturn frame).  Both panel chapters now run,
    say that there is nothing to compare, and show no Python value."""
    import jupytext
    import papermill as pm

    from juesuan.clean.panel import build_panel
    from test_batch import _kernel_available
    from test_reader_text import leaks, visible_text

    if not _kernel_available():
        pytest.skip("no Jupyter kernel")
    po = an.panel_outturn(pd.DataFrame(columns=["year", "department", "initial_budget_yuan", "actual_yuan"]))
    assert po.empty and {"year", "department", "items", "rate", "pi1_band"} <= set(po.columns)
    clean = tmp_path / "clean"
    write_budget_clean(clean)
    build_panel(clean)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUESUAN_CLEAN_ROOT", str(clean))
    try:
        for py in sorted((ROOT / "notebooks" / "panel").glob("[0-9][0-9]-*.py")):
            src, out = tmp_path / f"{py.stem}.src.ipynb", tmp_path / f"{py.stem}.ipynb"
            import nbformat
            nbformat.write(jupytext.read(py), src)
            pm.execute_notebook(str(src), str(out), cwd=str(ROOT / "notebooks" / "panel"),
                                kernel_name="python3", progress_bar=False)
            text = visible_text(nbformat.read(out, as_version=4))
            assert not leaks(text), (py.stem, leaks(text)[:5])
            if py.stem.startswith("01"):
                assert "这些报告都没有预算执行明细" in text and "预算" in text
    finally:
        mp.undo()
