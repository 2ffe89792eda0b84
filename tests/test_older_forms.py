"""Older and provincial budget forms (issue 23, item 4): grids of spreadsheet exports.

Synthetic grids as pdfplumber gives them for the 江苏 budgets of 2017–2019: thin columns of double
rulings (a header and the data under it starting in different columns), a label wrapped within its
cell, an amount in a sub-row of its own, a page's first row printed without its top ruling.  The
property: whatever thin columns are inserted, the grid is brought back to its logical columns with
every cell text where it belongs.
"""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan.extract.tabular.budget_tables import budget_title, other_title
from juesuan.extract.tabular.grid import amount_columns, column_groups, compact_rows, join_split_rows

LOGICAL = [
    ["功能科目代码", "功能科目名称", "金额"],
    ["", "合计", "28,849.38"],
    ["204", "公共安全支出", "23,513.11"],
    ["20405", "法院", "23,513.11"],
    ["2040501", "行政运行", "11,786.92"],
    ["208", "社会保障和就业支出", "2,347.13"],
    ["221", "住房保障支出", "2,989.14"],
]


def _spread(rows, extra: list[int], offset_header: bool, rng: random.Random):
    """Insert ``extra[k]`` thin columns after logical column k: a data cell spans them (None), a
    header cell may sit in the last of them (the header offset from its data, as printed)."""
    out = []
    for i, row in enumerate(rows):
        cells = []
        for k, text in enumerate(row):
            n = extra[k]
            if i == 0 and offset_header and n:
                cells += [""] * n + [text]          # the header in the last thin column
            else:
                cells += [text] + [None] * n        # the data cell spans the thin columns
        out.append((i + 1, cells))
    return out


@settings(derandomize=True, deadline=None, max_examples=60)
@given(st.lists(st.integers(0, 3), min_size=3, max_size=3), st.booleans(), st.integers(0, 10_000))
def test_thin_columns_are_merged_back(extra, offset_header, seed):
    rows = _spread(LOGICAL, extra, offset_header, random.Random(seed))
    got = compact_rows(rows)
    assert [c for _, c in got] == LOGICAL
    assert len(column_groups(rows)) == 3


def test_an_empty_cell_under_a_header_of_its_own_stays_a_column():
    # the 三公 table: 公务用车购置费 left blank beside 小计 (其他行的表头不同行)
    rows = [(1, ["", "小计", "", None]), (2, ["", None, "", "公务用车购置费"]),
            (3, ["670.12", "304.40", None, ""])]
    assert len(column_groups(rows)) == 3
    assert [c for _, c in compact_rows(rows)][2] == ["670.12", "304.40", ""]


def test_a_group_cell_merged_over_rows_is_not_joined_with_its_items():
    # 收入预算总表 (2019 法院): the group text in one row, the items beside its merged cell below
    rows = [(1, ["一般公共预算资金", "", None, None, "37,188.34"]), (2, [None, "", "小计", "", None]),
            (3, [None, "", "公共财政拨款（补助）资金", "", None])]
    got = [c for _, c in compact_rows(rows)]
    assert got[0][0] == "一般公共预算资金" and got[1][-2] == "小计" and len(got[0]) == 3


def test_wrapped_label_and_split_amount_rows_are_joined():
    rows = [(10, ["二、外交支出", ""]), (11, ["九、医疗卫生与计划生育支", ""]), (12, ["出", None])]
    out = join_split_rows(rows, amount_columns(rows))
    assert [c for _, c in out] == [["二、外交支出", ""], ["九、医疗卫生与计划生育支出", ""]]
    # an amount in the sub-row below its label (the label cell merged)
    rows = [(20, ["204", "公共安全支出", ""]), (21, [None, None, "27,488.23"]), (22, ["20405", "法院", "27,488.23"])]
    out = join_split_rows(rows, amount_columns(rows))
    assert [c for _, c in out] == [["204", "公共安全支出", "27,488.23"], ["20405", "法院", "27,488.23"]]
    # an amount in the sub-row above its label (the label row's amount cell merged)
    rows = [(30, ["", None, "37,188.34"]), (31, ["", "合计", None]), (32, ["204", "公共安全支出", "27,488.23"])]
    out = join_split_rows(rows, amount_columns(rows))
    assert [c for _, c in out][0] == ["", "合计", "37,188.34"] and len(out) == 2


@settings(derandomize=True, deadline=None, max_examples=40)
@given(st.sampled_from(["收支预算总表", "收入预算总表", "支出预算总表", "财政拨款收支预算总表",
                        "一般公共预算支出预算表", "一般公共预算基本支出预算表",
                        "“三公”经费、会议费、培训费支出预算表", "政府性基金预算财政拨款支出预算表"]),
       st.sampled_from(["", "部门：江苏省政协办公厅 单位：万元", "（功能科目）", "（经济科目）部门：江苏省某厅 单位：万元"]),
       st.sampled_from(["", "表一 ", "公开03表", "三、2018 年度江苏省高级人民法院"]))
def test_titles_with_department_and_unit_tails(name, tail, head):
    want = {"收支预算总表": "预算01", "收入预算总表": "预算02", "支出预算总表": "预算03",
            "财政拨款收支预算总表": "预算04", "一般公共预算支出预算表": "预算05",
            "一般公共预算基本支出预算表": "预算06", "“三公”经费、会议费、培训费支出预算表": "预算07",
            "政府性基金预算财政拨款支出预算表": "预算08"}[name]
    assert budget_title(head + name + tail) == want


def test_tables_with_no_national_role_are_known_and_not_budget_tables():
    for t in ("五、2017 年度江苏省高级人民法院部门财政拨款支出预算表", "财政拨款基本支出预算表（经济科目）部门：江苏省政协办公厅 单位：万元",
              "十一、2018 年度江苏省高级人民法院一般公共预算机关运行经费支出预算表", "2017年政府采购预算表部门：江苏省政协办公厅 单位：万元"):
        assert budget_title(t) is None and other_title(t)
