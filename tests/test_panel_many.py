"""The comparison and department pages at the size of a batch (issue 25: 1,000 reports, 500
departments): a figure draws at most ``most`` reports — the largest — and says how many it leaves
to the table; a sentence names a bounded number; the department page details a bounded number of
departments, those with findings first.  Built from the repository's own panel, its reports copied
under new department names (tiny inline frames where a rule is about counting)."""
from __future__ import annotations

import pandas as pd
import pytest

import helpers as h
from juesuan import analysis as an, figures as fg, linkview as lv


def _many(p, copies: int):
    """The panel ``p`` with every report copied ``copies`` times (department d → d~k, its amounts
    scaled by 1000^k: the largest are the last copies, whatever the reports' own sizes)."""
    tables = {}
    for name, df in p.tables.items():
        parts = []
        for k in range(copies):
            part = df.copy()
            part["department"] = [f"{d}~{k}" for d in part.department]
            if name == "reports":
                part["department_name"] = [f"{n}{k}" for n in part.department_name]
            for c in part.columns:
                if c.endswith("_yuan"):
                    part[c] = [None if v is None or pd.isna(v) else v * 1000 ** k for v in part[c]]
            parts.append(part)
        tables[name] = pd.concat(parts, ignore_index=True)
    return h.Panel(path=p.path, tables=tables, generation=p.generation)


@pytest.fixture(scope="module")
def panel():
    h.setup()
    return h.load_panel(exact=True)


def _rows(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _note(fig) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


@pytest.mark.parametrize("draw", [fg.panel_structure, fg.panel_sangong])
def test_a_panel_figure_draws_the_largest_reports_and_counts_the_rest(panel, draw):
    few = draw(panel)
    n_few = len(_rows(few))
    assert n_few >= 2 and "其余" not in _note(few)           # the repository's reports: all drawn
    p = _many(panel, 12)
    fig = draw(p, most=n_few)
    rows = _rows(fig)
    assert len(rows) == n_few                                   # bounded
    assert all("11（" in r for r in rows), rows                 # the largest: the last copies
    total = len(_rows(draw(p, most=None)))
    assert total == 12 * n_few
    assert f"报告较多（{total} 份），图中只画出金额最大的 {n_few} 份；其余 {total - n_few} 份的数字见表。" in _note(fig)
    for f in (few, fig):
        import matplotlib.pyplot as plt
        plt.close(f)


def test_the_largest_are_kept_and_the_note_is_empty_when_all_fit():
    w = {("2024", "a"): 5.0, ("2024", "b"): 9.0, ("2025", "c"): 1.0, ("2025", "d"): 9.0}
    assert fg._largest(w, 4) == (set(w), "") and fg._largest(w, None) == (set(w), "")
    kept, note = fg._largest(w, 2)
    assert kept == {("2024", "b"), ("2025", "d")} and "其余 2 份" in note


def test_a_check_failed_by_many_reports_names_a_bounded_number():
    c = pd.DataFrame({"year": [2024] * 30, "department": [f"d{i:02d}" for i in range(30)],
                      "check": ["sum_to_total"] * 30, "failed": [1 + (i == 7) for i in range(30)]})
    t = an.checks_by_check(c, lambda y, d: d)
    assert t.reports.tolist() == [30] and t.failed.tolist() == [31]
    assert t.which[0].startswith("d07 2；d00 1；") and t.which[0].endswith("……等 30 份报告")
    assert t.which[0].count("；") == 11                         # 12 named
    assert "等" not in an.checks_by_check(c, lambda y, d: d, named=None).which[0]


def test_many_reports_are_told_in_one_sentence():
    r = pd.DataFrame({"year": [2024, 2024, 2025], "department_name": ["甲局", "乙局", "甲局"],
                      "kind_zh": ["决算", "决算", "预算"], "expenditure_total_yuan": ["100000", None, "25000"],
                      "errors": ["2", "0", "1"], "warnings": ["0", "3", ""]})
    assert an.panel_reports_text(r) == (
        "本章把 3 份报告放在一起比较（数据来自 data/clean/panel/，金额均已换算为元）：2 个部门，2024、2025年度；"
        "预算 1 份（本年支出合计 2.50 万元）、决算 2 份（本年支出合计 10.00 万元）。错误共 3 条（2 份报告）、警告 3 条。")
    po = pd.DataFrame({"items": [3, 4, 5], "pi1_band": ["A", "C", "A"]})
    assert an.panel_outturn_text(po) == "3 份决算有预算执行明细，共 12 项；按决算占年初预算的比例，PI-1 区间 A 2 份、C 1 份。各报告见下表。"


def _links(n: int, with_findings: tuple = ()):
    keys = [f"部门{i:03d}" for i in range(n)]
    docs = pd.DataFrame([{"dept_key": k, "department_name": k, "year": y, "department": f"{k}-{y}",
                          "doc_kind": kind, "doc_kind_zh": {"final": "决算", "budget": "预算"}[kind], "doc_level": "部门",
                          "note": ""} for k in keys for y, kind in ((2024, "final"), (2025, "budget"))])
    comp = pd.DataFrame([{"dept_key": k, "check": "link_prior_budget", "agrees": "否" if k in with_findings else "是"}
                         for k in keys])
    found = pd.DataFrame([{"dept_key": k, "severity": "warning", "year": 2025, "message": "m"}
                          for k in with_findings for _ in range(1 + (k == with_findings[-1]))],
                         columns=["dept_key", "severity", "year", "message"])
    units = pd.DataFrame(columns=["dept_key"])
    return h.Links(path=None, tables={"link_documents": docs, "link_comparisons": comp, "link_findings": found,
                                      "link_units": units})


def test_the_department_page_details_a_bounded_number_those_with_findings_first():
    L = _links(50, with_findings=("部门040", "部门045"))
    keys = lv.departments(L)
    shown, rest = lv.detailed(L, keys, 5)
    assert len(shown) == 5 and len(rest) == 45 and set(shown) | set(rest) == set(keys)
    # the two with findings, then the first in the page's order; shown in the page's order
    assert shown == ["部门000", "部门001", "部门002", "部门040", "部门045"]
    assert lv.detailed(L, keys, None) == (keys, []) and lv.detailed(L, keys, 50) == (keys, [])
    t = lv.department_table(L)
    assert len(t) == 50 and t.documents.tolist()[0] == "预算 1 份、决算 1 份" and t.years[0] == "2024、2025"
    row = t[t.department_name == "部门045"].iloc[0]
    assert (row.compared, row.disagree, row.findings) == (1, 1, 2)
    text = lv.overview_text(L)
    assert text.count("、部门") == lv.NAMED - 1 and text.endswith("等（见下表）。")
