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


# ----------------------------------------------------------------------------- synthetic 江苏 reports
import shutil  # noqa: E402
import tempfile  # noqa: E402
from decimal import Decimal as D  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from juesuan import config  # noqa: E402
from juesuan.clean.pipeline import parse_report  # noqa: E402
from juesuan.errors import ParseError  # noqa: E402
from synth import generate as g  # noqa: E402

JS_LAYOUTS = {lay["name"]: lay for lay in g.layouts("budget_jiangsu")}
TWO_SIDED = ("预算01", "预算04")
TROUBLE = {"unparsed_line", "unparseable_cell", "unknown_header", "unknown_row_label", "table_no_rows",
           "total_row_missing", "row_not_placed", "table_duplicate"}


def build_js(name: str, seed: int, root: Path, mutate=None):
    lay = JS_LAYOUTS[name]
    m = g.budget_model(seed, with_fund=lay["with_fund"] == "1", old=True)
    folder = root / "raw" / "2018" / "synth-yusuan"
    cells = g.render_budget_jiangsu(lay, m, folder, mutate=mutate)
    return cells, parse_report(folder)


def read_cells(rep) -> dict:
    return {(tid, r.side if tid in TWO_SIDED else "", r.key, col): v
            for tid, t in rep.tables.items() for r in t.rows for col, v in r.values.items()}


def assert_reads_back(cells, rep):
    got = read_cells(rep)
    wrong = {k: (v, got.get(k)) for k, v in cells.items() if got.get(k, D(0)) != v}
    assert not wrong, list(wrong.items())[:5]
    assert not {k: v for k, v in got.items() if k not in cells and v != 0}
    bad = [f"{f.check} {f.location} {f.message}" for f in rep.log.findings
           if f.severity != "info" or f.check in TROUBLE]
    assert not bad, bad
    assert [t for t, tab in rep.tables.items() if tab.present] == [f"预算0{i}" for i in range(1, 9)]
    run = {c: n.run for c, n in rep.log.counts.items()}
    for check in ("budget_balance", "budget_expense_uses", "budget_income_sources", "budget_x01_02",
                  "budget_x01_03", "budget_x04_01", "budget_econ_sum", "budget_row_identity", "budget_text_vs_table"):
        assert run.get(check, 0) > 0, check
    # the table with no national role is named in a note, not read
    assert any(f.check == "table_other" and "财政拨款支出预算表" in f.message for f in rep.log.findings)


@pytest.fixture
def clean_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    return tmp_path


@pytest.mark.parametrize("name", sorted(JS_LAYOUTS))
def test_every_jiangsu_amount_reads_back_with_no_finding(name, clean_in_tmp):
    cells, rep = build_js(name, 2025, clean_in_tmp)
    assert_reads_back(cells, rep)
    if JS_LAYOUTS[name]["form"] == "jiangsu_split":     # text + tables = one report
        files = {rep.doc.where(n).split(":")[0] for n in range(1, len(rep.doc.lines) + 1)}
        assert files == {"synth-text.pdf", "synth-tables.pdf"}
        assert rep.doc.where(rep.tables["预算01"].start).startswith("synth-tables.pdf")


JS_MUTATIONS = [
    (("预算01", "支出", "use:reserve", "amount", 100), "budget_expense_uses"),
    (("预算06", "", "econ:30101", "total", 100), "budget_econ_sum"),
    (("预算07", "", "sangong", "reception", 100), "budget_row_identity"),
    (("预算03", "", "total", "reserve", 100), "budget_row_identity"),
]


@pytest.mark.parametrize("mutation,check", JS_MUTATIONS, ids=[f"{m[0]}-{m[2]}-{m[3]}" for m, _ in JS_MUTATIONS])
def test_one_changed_jiangsu_amount_is_a_finding(mutation, check, clean_in_tmp):
    seed = next(s for s in range(1, 200) if all(g.jiangsu_sums(g.budget_model(s, old=True)).get(m[:4])
                                                 for m, _ in JS_MUTATIONS))
    cells, rep = build_js("budget_jiangsu", seed, clean_in_tmp, mutate=mutation)
    assert read_cells(rep)[mutation[:4]] == cells[mutation[:4]] + D(mutation[4]) * 100
    assert any(f.check == check and f.severity in ("error", "warning") for f in rep.log.findings), \
        [(f.check, f.message) for f in rep.log.findings if f.severity != "info"]


@settings(derandomize=True, deadline=None, max_examples=3)
@given(seed=st.integers(0, 10_000), name=st.sampled_from(sorted(JS_LAYOUTS)))
def test_random_consistent_jiangsu_budgets_read_back(seed, name):
    root = Path(tempfile.mkdtemp(prefix="juesuan-js-"))
    old = config.CLEAN
    config.CLEAN = root / "clean"
    try:
        cells, rep = build_js(name, seed, root)
        assert_reads_back(cells, rep)
    finally:
        config.CLEAN = old
        shutil.rmtree(root, ignore_errors=True)


def test_an_unrecognised_file_in_the_folder_is_named_as_such(clean_in_tmp):
    from reportlab.pdfgen import canvas
    _, rep = build_js("budget_jiangsu", 3, clean_in_tmp)
    folder = clean_in_tmp / "raw" / "2018" / "synth-yusuan"
    (folder / "metadata.json").unlink()
    c = canvas.Canvas(str(folder / "note.pdf"))
    c.setFont(g.FONT, 12)
    c.drawString(72, 700, "附件")
    c.save()
    with pytest.raises(ParseError) as exc:
        parse_report(folder)
    msg = str(exc.value)
    assert "not recognised" in msg and "note.pdf (unrecognised" in msg and "synth.pdf (" in msg
    assert "two different documents" not in msg
