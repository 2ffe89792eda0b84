"""A budget reads as a budget (issue 25 items 1–3), on tiny inline frames.

The analysis a budget's chapters call (items against the prior budget and the prior year's execution,
the stated rate checked; 三公, 政府采购, projects; 人员/公用经费 of 预算06), the headings of either kind
(data/chapter_headings.csv), figures that plot only the categories with a value and name the others in
a note, and the comparison page's views of both kinds (structure, 三公, checks as rows).
Expected values are hand-computed from the literals here; the two mismatching rates are those of
2023/wanli-yusuan (p6:72 and p7:104–105 of its text), read in the document.
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from juesuan import analysis as an  # noqa: E402
from juesuan import figures as fg  # noqa: E402
from juesuan import plotting  # noqa: E402

plotting.setup()          # the bundled CJK font, as the chapters draw

D = Decimal


def facts(rows):
    """stated_facts from (subject, measure, value, places) tuples."""
    return pd.DataFrame([{"section": "items" if s.startswith(("func:", "item:")) else "totals", "subject": s,
                          "measure": m, "value": D(v), "places": p, "source_line": str(10 + i)}
                         for i, (s, m, v, p) in enumerate(rows)])


def cells(rows, table):
    return pd.DataFrame([{"table": table, "side": side, "code": code, "row": row, "row_key": key, "column": column,
                          "column_label": "", "amount_yuan": D(v)} for side, code, row, key, column, v in rows])


class Rep:
    """The smallest report the analysis reads: meta, tables and the year and name the figures print."""

    def __init__(self, tables, kind="budget", year=2023, name="测试街道"):
        self.meta = {"doc_kind": kind}
        self.tables = tables
        self.year, self.name = year, name
        for k, v in tables.items():
            setattr(self, k, v)


# ------------------------------------------------------------------ items against the prior year
# 2023/wanli-yusuan p6:72 — 2022年当年预算执行数为11.67万元，2023年预算安排45.41万元，比2022年预算执行数增加314.82%
# p7:104–105 — 职业年金 220.63万元 … 2022年当年预算执行数为132.59万元 … 比2022年预算执行数增加60.54%
ITEMS = facts([("func:2012902", "budget", "454100", 2), ("func:2012902", "prior_execution", "116700", 2),
               ("func:2012902", "change_rate_vs_prior_execution", "3.1482", 4),
               ("func:2080506", "budget", "2206300", 2), ("func:2080506", "prior_execution", "1325900", 2),
               ("func:2080506", "change_rate_vs_prior_execution", "0.6054", 4),
               ("func:2010506", "budget", "26300", 2), ("func:2010506", "prior_execution", "14800", 2),
               ("func:2010506", "change_rate_vs_prior_execution", "0.777", 3),      # 77.7%: one decimal stated
               ("func:2010507", "budget", "601300", 2), ("func:2010507", "prior_execution", "0", 2),
               ("func:2010507", "change_rate_vs_prior_execution", "1", 2),
               ("expenditure", "budget", "164978600", 2),
               ("fiscal_expenditure", "budget", "164978600", 2), ("fiscal_expenditure", "change_vs_prior_budget", "14212500", 2),
               ("sangong_total", "budget", "229100", 2), ("procurement", "budget", "8300000", 2)])


def test_items_against_the_prior_execution_with_the_stated_rate_checked():
    it = an.budget_items(ITEMS).set_index("code")
    assert list(it.index) == ["2012902", "2080506", "2010506", "2010507"]      # items only, in the text's order
    r = it.loc["2012902"]
    assert r.rate_vs_execution == D("2.891174")                                # (45.41 − 11.67) ÷ 11.67
    assert r.rate_check == "不符" and r.difference_pp == D("25.702600")
    assert it.loc["2080506", "rate_check"] == "不符"                             # 66.40% recomputed, 60.54% stated
    assert it.loc["2080506", "change_vs_execution_yuan"] == D("880400")
    assert it.loc["2010506", "rate_check"] == "相符"                             # 0.777027 stated as 77.7%
    assert it.loc["2010507", "rate_vs_execution"] is None and it.loc["2010507", "rate_check"] == ""   # ÷ 0
    assert all(v is None for v in it.prior_budget_yuan)


def test_a_rate_agrees_within_half_its_last_stated_digit():
    assert an.rate_agrees(D("0.6054"), D("0.605421"), 4) is True
    assert an.rate_agrees(D("0.6054"), D("0.60546"), 4) is False
    assert an.rate_agrees(D("0.777"), D("0.777027"), 3) is True
    assert an.rate_agrees(D("0.78"), D("0.777027"), 2) is True
    assert an.rate_agrees(D("0.77"), D("0.777027"), 2) is False
    assert an.rate_agrees(None, D("1"), 2) is None


def test_what_the_text_does_not_give_is_named():
    it = an.budget_items(ITEMS)
    assert an.missing_columns(it) == "说明部分逐项没有给出上年预算，相应的列为空。"
    part = it.assign(prior_execution_yuan=[None, D(1), D(2), D(3)])
    assert "部分项目缺少：上年预算执行数（1 项缺）" in an.missing_columns(part)
    assert an.missing_columns(it.iloc[0:0]) == ""


def test_totals_are_the_subjects_that_are_no_item_sangong_or_procurement():
    t = an.budget_totals(ITEMS)
    assert list(t.subject) == ["expenditure", "fiscal_expenditure"]
    assert t.set_index("subject").loc["fiscal_expenditure", "prior_budget_yuan"] == D("150766100")   # derived
    # the clean data holds prior_budget = budget − change as a fact of its own: still 推算, not 原文
    both = an.budget_changes(facts([("sangong_total", "budget", "379100", 2), ("sangong_total", "change_vs_prior_budget", "-100000", 0),
                                    ("sangong_total", "prior_budget", "479100", 2)])).iloc[0]
    assert both.prior_budget_yuan == D("479100") and both.prior_source.startswith("推算")


def test_a_negative_prior_budget_is_not_shown_as_one():
    # 2023/wanli-yusuan: the text's 政府性基金 budget is 0 and the change read for it (+1,421.25 万元) is
    # that of the 财政拨款 total: 0 − 1,421.25 would be a negative prior budget
    ch = an.budget_changes(facts([("gov_fund_expenditure", "budget", "0", 0),
                                  ("gov_fund_expenditure", "change_vs_prior_budget", "14212500", 2),
                                  ("gov_fund_expenditure", "prior_budget", "-14212500", 2)])).iloc[0]
    assert ch.prior_budget_yuan is None and ch.change_yuan is None and "无法确定" in ch.prior_source


def test_the_largest_changes_and_the_execution_summary():
    it = an.budget_items(ITEMS)
    moved = an.largest_changes(it.assign(change_yuan=it.change_vs_execution_yuan), n=2)
    assert list(moved.code) == ["2080506", "2010507"]                          # 88.04 and 60.13 万元
    s = an.execution_summary(it)
    assert s.startswith("4 项给出上年预算执行数，所述增减率 3 项可以核对，2 项与重算不符：")
    assert "原文 314.82%、重算 289.12%" in s and "原文 60.54%、重算 66.40%" in s
    assert an.execution_summary(it.iloc[0:0]) == "说明部分没有逐项给出上年预算执行数。"


# ------------------------------------------------------------------ 三公, procurement, projects, 预算06
def test_sangong_of_a_budget_from_the_table_and_the_text():
    li = cells([("", "", "预算数", "total", "total", "229100"), ("", "", "预算数", "total", "abroad", "0"),
                ("", "", "预算数", "total", "operating_costs", "7860900")], "预算07")
    f = facts([("sangong_total", "budget", "230000", 2), ("sangong_total", "change_vs_prior_budget", "0", 0)])
    v = an.budget_sangong_view(Rep({"line_items": li, "stated_facts": f})).set_index("category")
    assert list(v.index) == ["total", "abroad", "operating_costs"]
    assert v.loc["total", "table_yuan"] == D("229100") and v.loc["total", "text_yuan"] == D("230000")
    assert v.loc["total", "prior_budget_yuan"] == D("230000") and v.loc["total", "change_yuan"] == 0
    assert v.loc["abroad", "table_yuan"] == 0 and v.loc["abroad", "text_yuan"] is None      # a stated zero is kept


def test_procurement_budget_and_its_shares():
    f = facts([("procurement", "budget", "8300000", 2), ("procurement_goods", "budget", "100000", 2),
               ("procurement_works", "budget", "5500000", 2), ("procurement_services", "budget", "2700000", 2)])
    pb = an.procurement_budget(Rep({"stated_facts": f})).set_index("subject")
    assert pb.loc["procurement_works", "share"] == D("0.662651")               # 550 ÷ 830
    assert pb.loc["procurement", "share"] is None
    assert an.procurement_budget(Rep({"stated_facts": f.iloc[0:0]})).empty


def test_projects_of_a_budget_say_what_is_missing():
    li = cells([("", "", "合计", "total", "total", "1000"), ("", "", "合计", "total", "basic", "600"),
                ("", "", "合计", "total", "project", "400"),
                ("", "2120102", "一般行政管理事务", "func:2120102", "project", "300"),
                ("", "2129999", "其他城乡社区支出", "func:2129999", "project", "100"),
                ("", "2120101", "行政运行", "func:2120101", "project", "0")], "预算03")
    f = facts([("perf_project_funds", "budget", "200", 2)])
    bp = an.budget_projects(Rep({"line_items": li, "stated_facts": f}))
    assert bp["project_yuan"] == D("400") and bp["perf_share"] == D("0.5")
    assert bp["missing"] == ["报告没有逐个项目的预算和绩效目标（项目支出绩效目标表）"]
    pi = an.project_items(li, "预算03")
    assert list(pi.code) == ["2120102", "2129999"] and pi.share.iloc[0] == D("0.75")      # 0 is no project
    none = an.budget_projects(Rep({"line_items": li.iloc[0:0], "stated_facts": f.iloc[0:0]}))
    assert len(none["missing"]) == 3


def test_personnel_and_public_of_a_budget_table_kept_as_columns():
    # 2025/wanli-yusuan 预算06: the 合计 row has the columns 合计 / 人员经费 / 公用经费
    li = cells([("", "", "合计", "total", "total", "101341746"), ("", "", "合计", "total", "personnel", "90514044"),
                ("", "", "合计", "total", "public", "10827702")], "预算06")
    pp = an.personnel_public(li, "预算06")
    assert (pp["personnel_yuan"], pp["public_yuan"], pp["source"]) == (D("90514044"), D("10827702"), "columns")
    classes = cells([("", "301", "工资福利支出", "econ:301", "personnel", "80"), ("", "302", "商品和服务支出", "econ:302", "public", "15"),
                     ("", "30101", "基本工资", "econ:30101", "personnel", "50")], "预算06")
    pp = an.personnel_public(classes, "预算06")
    assert (pp["personnel_yuan"], pp["public_yuan"], pp["total_yuan"], pp["source"]) == (D(80), D(15), D(95), "classes")
    rows = cells([("", "", "人员经费合计", "personnel_total", "amount", "7"), ("", "", "合计", "total", "amount", "9")], "公开06")
    assert an.personnel_public(rows, "公开06")["source"] == "rows"
    assert an.personnel_public(rows.iloc[0:0], "公开06")["personnel_yuan"] is None


# ------------------------------------------------------------------ headings as data
def test_headings_of_either_kind():
    assert an.heading("budget", "03", "title") == "逐项对比上年：上年预算与上年执行"
    assert an.heading("final", "03", "title") == "预算与决算：一般公共预算财政拨款支出"
    assert an.section("budget", "03", "pi1") == ""                             # a final-only section: no heading
    assert an.section("final", "03", "pi1") == "## 总体执行：PEFA PI-1 参照"
    assert an.section("final", "03", "items") == ""
    assert an.heading(Rep({}, kind="budget"), "06", "projects") == "项目支出与绩效目标"
    with pytest.raises(KeyError):
        an.heading("budget", "03", "nonesuch")
    t = an.chapter_headings()
    assert not t.duplicated(["chapter", "key"]).any()
    assert all(f or b for f, b in zip(t.final, t.budget))                      # every row says something


# ------------------------------------------------------------------ figures show what is there
def _tick_texts(ax):
    return [t.get_text() for t in ax.get_xticklabels()]


def test_present_keeps_categories_with_a_value_and_names_the_rest():
    shown, absent = fg.present(["A", "B", "C"], [[D(1), None, D(0)], [None, None, None]])
    assert shown == [0, 2] and absent == ["B"]                                 # a stated zero is a value
    assert fg.absent_note(absent) == "图中未列出（原文没有数值）：B。"
    assert fg.absent_note([]) == ""
    assert fg.absent_note([f"类{i}" for i in range(10)]).endswith("等 10 项。")


def test_the_budget_comparison_plots_only_subjects_with_both_years():
    f = facts([("fiscal_expenditure", "budget", "189767600", 2), ("fiscal_expenditure", "change_vs_prior_budget", "33556500", 2),
               ("gov_fund_expenditure", "budget", "0", 2), ("gov_fund_expenditure", "prior_budget", "0", 2),
               ("income", "budget", "189767600", 2), ("business_income", "budget", "0", 2)])
    rep = Rep({"stated_facts": f, "line_items": cells([], "预算01")}, year=2025)
    fig = fg.budget_changes(rep, which="totals")
    ax = fig.axes[0]
    assert _tick_texts(ax) == ["财政拨款支出（推算）", "政府性基金预算支出"]      # prior = budget − change
    note = " ".join(t.get_text() for t in fig.texts)
    assert "图中未列出（说明部分没有给出上年预算或比上年的增减）：收入、事业收入。" in note
    zeros = [t.get_text() for t in ax.texts if t.get_text() == "0"]
    assert len(zeros) == 2                                                     # 0 and 0 of 政府性基金, drawn as 0
    assert fg.budget_changes(Rep({"stated_facts": f.iloc[4:], "line_items": cells([], "预算01")}), which="totals") is None


def test_final_accounts_economic_classes_leave_out_a_class_without_a_value():
    be = pd.DataFrame({"code": ["301", "302", "310"], "name": ["工资福利支出", "商品和服务支出", "资本性支出"],
                       "initial_budget_yuan": [D(100), D(50), None], "actual_yuan": [D(90), D(0), None],
                       "prior_yuan": [D(80), D(40), None]})
    rep = Rep({"basic_expenditure": be, "line_items": cells([], "公开06")}, kind="final", year=2022)
    fig = fg.economic_classes(rep)
    assert _tick_texts(fig.axes[0]) == ["工资福利支出", "商品和服务支出"]
    assert "图中未列出（原文没有数值）：资本性支出。" in " ".join(t.get_text() for t in fig.texts)
    assert "0" in [t.get_text() for t in fig.axes[0].texts]                   # 商品和服务支出 决算 0, stated


def test_budget_execution_figure_marks_a_stated_rate_that_does_not_match():
    rep = Rep({"stated_facts": ITEMS, "line_items": cells([], "预算03")})
    fig = fg.budget_execution(rep)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert " +289.12%（原文 +314.82%）" in texts and " +77.70%" in texts
    assert fg.budget_execution(Rep({"stated_facts": ITEMS.iloc[12:], "line_items": cells([], "预算03")})) is None


# ------------------------------------------------------------------ the comparison page holds both kinds
def _panel_li():
    rows = []
    for year, dept, table, items in ((2022, "final", "公开03", [("2010101", "total", "600"), ("2080501", "total", "400")]),
                                     (2025, "bud", "预算03", [("2120101", "total", "900"), ("2010101", "total", "100")]),
                                     (2025, "bud05", "预算05", [("2080501", "total", "50")])):
        for code, column, v in items:
            rows.append({"year": year, "department": dept, "table": table, "code": code, "row_key": f"func:{code}",
                         "column": column, "amount_yuan": D(v), "side": ""})
    rows.append({"year": 2025, "department": "bud", "table": "预算07", "code": "", "row_key": "total",
                 "column": "total", "amount_yuan": D("379100"), "side": ""})
    return pd.DataFrame(rows)


def test_structure_of_budgets_and_final_accounts_side_by_side():
    sh = an.panel_class_shares(_panel_li())
    used = dict(zip(zip(sh.year, sh.department), sh.table))
    assert used == {(2022, "final"): "公开03", (2025, "bud"): "预算03", (2025, "bud05"): "预算05"}
    b = sh[sh.department == "bud"].set_index("code")
    assert b.loc["212", "share"] == D("0.9")


def test_sangong_of_every_report_budgets_from_their_table():
    sg = pd.DataFrame([{"year": 2022, "department": "final", "category": "total", "budget_yuan": D("581900"),
                        "budget_text_yuan": None, "actual_yuan": D("217384.02"), "prior_yuan": None,
                        "completion_rate": D("0.373576"), "change_rate": None},
                       {"year": 2025, "department": "bud", "category": "total", "budget_yuan": None,
                        "budget_text_yuan": None, "actual_yuan": None, "prior_yuan": None, "completion_rate": None,
                        "change_rate": None}])
    v = an.panel_sangong(sg, _panel_li())
    assert list(zip(v.department, v.kind)) == [("final", "决算"), ("bud", "预算")]
    assert v.set_index("department").loc["bud", "budget_yuan"] == D("379100")


def test_checks_as_rows_readable_at_any_number_of_reports():
    c = pd.DataFrame([{"year": 2025, "department": f"r{i}", "check": "sum_to_total", "failed": i % 3} for i in range(18)]
                     + [{"year": 2025, "department": "r1", "check": "text_vs_table", "failed": 2}])
    t = an.checks_by_check(c, lambda y, d: f"{d}（{y}）", {"sum_to_total": "各行之和等于合计"}.get)
    assert list(t.columns) == ["check", "reports", "failed", "which"] and len(t) == 2    # a row per check
    first = t.iloc[0]
    assert first.check == "各行之和等于合计" and first.reports == 12 and first.failed == 18
    assert first.which.startswith("r2（2025） 2；r5（2025） 2")
    assert an.checks_by_check(c.iloc[0:0], str).empty


def test_report_labels_tell_a_department_from_its_unit():
    r = pd.DataFrame({"year": [2025, 2025, 2022], "department": ["ptswj-yusuan", "ptswj-dw-yusuan", "nxgxt"],
                      "department_name": ["上海市普陀区商务委员会"] * 2 + ["宁夏回族自治区工业和信息化厅"],
                      "doc_kind": ["budget", "budget", "final"], "doc_kind_zh": ["预算", "预算", "决算"]})
    lab = an.report_labels(r)
    assert lab[(2022, "nxgxt")] == "宁夏回族自治区工业和信息化厅（2022）决算"
    assert lab[(2025, "ptswj-dw-yusuan")] == "上海市普陀区商务委员会（2025）预算［ptswj-dw-yusuan］"
    assert len(set(lab.values())) == 3
