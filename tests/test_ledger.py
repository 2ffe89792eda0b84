"""The ledger of printed figures (validate/ledger.py, clean/ledger.py): what counts as a figure (rules
of data/ledger_rules.csv on inline lines), the accounting read + unread = printed with a reason per
unread figure, and the synthetic reports of tests/synth, where every printed figure is read."""
import re
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from juesuan import config
from juesuan.source import Document
from juesuan.validate.ledger import account, cell_figures, printed_figures, reasons, text_figures

sys.path.insert(0, str(Path(__file__).parent))


def printed(line: str) -> list[str]:
    return [p for _, p, _, _ in text_figures(line)]


# ------------------------------------------------------------------ what is a figure (text)
@pytest.mark.parametrize("line, want", [
    ("收入预算3,121.42万元，比2024年预算增加107.62万元，增长3.6%。", ["3,121.42万元", "107.62万元", "3.6%"]),
    ("2022 年度收入总计 106054725.92 元，下降 12.23%", ["106054725.92元", "12.23%"]),
    ("一般公共服务支出（201类）财政事务（06款）行政运行（01项）512.30万元。", ["512.30万元"]),
    ("比2025年预算执行数增加2.73%。", ["2.73%"]),
    ("在建工程1项12277.73万元。无形资产471项234.37万元。", ["12277.73万元", "234.37万元"]),
    ("房屋面积 33289.56 平方米，共有车辆 16 辆", []),                    # counts, not amounts
    ("依据苏财预[2016]53 号《关于编制省级 2017 年部门预算的通知》", []),  # a document number, years
    ("截至 2022 年 12 月 31 日", []),                                     # a date
    ("2017-2019 年财政规划", []),                                         # a span of years
    ("联系电话：021-52564588", []),                                       # a telephone number
    ("一、部门主要职能 ……………………………… 3", []),                            # a contents line
    ("- 12 -", []),                                                       # a page number
    ("第 3 页 共 20 页", []),
    ("3、一般公共服务支出", []),                                          # item numbering
    ("（1）办公室 协助院领导组织", []),
    ("货物、工程、服务分别为12.34、56.78万元", ["12.34", "56.78万元"]),  # a list sharing its unit
    ("其中：人员经费 1,234.56，公用经费 78.90", ["1,234.56", "78.90"]),    # bare amounts (2 decimals, separators)
    ("增长 1.5 个百分点", ["1.5个百分点"]),
    ("项目自评得分为 92.88 分", []),                                      # a score with its unit
    ("共计 1.5 亿元", ["1.5亿元"]),
])
def test_text_figures(line, want):
    assert printed(line) == want


def test_text_values_in_yuan_and_fractions():
    (_, _, _, v1), (_, _, _, v2), (_, _, _, v3) = text_figures("支出 1,202.95万元、38 元，占 12.5%")
    assert v1 == (D("12029500.00"),) and v2 == (D(38),) and v3 == (D("0.125"),)


# ------------------------------------------------------------------ what is a figure (table cells)
def test_cells_codes_and_side_by_side_economic_table():
    cells = ["301", "01", "基本工资", "262.33", "302", "01", "办公费", "21.21"]
    assert [p for _, _, p, _, _ in cell_figures(cells)] == ["262.33", "21.21"]


def test_cells_split_codes_left_of_the_label_and_whole_yuan_amounts():
    assert [p for _, _, p, _, _ in cell_figures(["2010101", "", "", "行政运行", "4614", "0"])] == ["4614", "0"]
    assert [p for _, _, p, _, _ in cell_figures(["201", "06", "01", "行政运行", "512.30"])] == ["512.30"]


def test_cells_lanci_row_year_and_rate():
    assert cell_figures(["栏次", "1", "2", "3"]) == []
    assert [p for _, _, p, _, _ in cell_figures(["项目", "2024", "2025"])] == []
    got = cell_figures(["年度资金总额:", "405.76", "10", "77.33%"])
    assert [(k, p) for _, k, p, _, _ in got] == [("amount", "405.76"), ("amount", "10"), ("rate", "77.33%")]


def test_row_number_column_of_a_text_table():
    doc = Document.from_text("\n".join([
        "项目\t行次\t金额\t项目\t行次\t金额",
        "一、财政拨款收入\t1\t91,873,925.49\t一、一般公共服务支出\t31\t1,979,261.21",
        "\t9\t\t九、卫生健康支出\t39\t3,461,941.10",
    ]))
    figs = printed_figures(doc)
    assert [(f.line, f.printed) for f in figs] == [(2, "91,873,925.49"), (2, "1,979,261.21"), (3, "3,461,941.10")]
    assert all(f.where == "table" for f in figs)


# ------------------------------------------------------------------ the accounting
TEXT = "\n".join([
    "第三部分 情况说明",                                      # 1
    "收入预算3,121.42万元，比2024年预算增加107.62万元。",    # 2: one read, one not
    "政府采购预算4.79万元、工程0万元。",                       # 3: nothing read
    "项目\t金额",                                              # 4
    "合计\t1,234.56",                                          # 5: read
    "一般公共服务支出\t1,000.00",                              # 6: not placed
])


def test_account_read_plus_unread_is_printed_with_reasons():
    doc = Document.from_text(TEXT)
    ledger = account(doc, "budget", {}, table_values=[(5, D("1234.56"))],
                     text_values=[(2, D("31214200"))])
    counts = ledger.counts()
    assert counts[("text", "amount")] == (4, 1)
    assert counts[("table", "amount")] == (2, 1)
    got = {(f.line, f.printed): f.reason for f in ledger.unread}
    assert got == {(2, "107.62万元"): "form_seen_not_placed", (3, "4.79万元"): "no_sentence_form",
                   (3, "0万元"): "no_sentence_form", (6, "1,000.00"): "no_table_recognised"}
    assert set(f.reason for f in ledger.unread) <= set(reasons())
    read = sum(1 for f in ledger.figures if not f.reason)
    assert read + len(ledger.unread) == len(ledger.figures) == 6


def test_each_read_value_accounts_for_one_printed_figure():
    doc = Document.from_text("合计\t5.00\t5.00")
    ledger = account(doc, "budget", {}, table_values=[(1, D(5))], text_values=[])
    assert [f.reason == "" for f in ledger.figures] == [True, False]


def test_a_wrapped_sentence_is_read_a_line_on_and_a_part_not_read():
    doc = Document.from_text("部门概况：人员经费 12.00万元\n第三部分\n收入总计\n106054725.92 元")
    ledger = account(doc, "final", {}, table_values=[], text_values=[(3, D("106054725.92"))], text_lines=(2, 5))
    assert [(f.line, f.reason) for f in ledger.figures] == [(1, "part_not_read"), (4, "")]


# ------------------------------------------------------------------ synthetic reports: all read
@pytest.fixture
def clean_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    return tmp_path


def _synth(kind: str, layout: dict, seed: int, folder: Path):
    from juesuan.clean.pipeline import parse_report
    from synth import generate as g
    if kind == "budget":
        m = g.budget_model(seed, with_fund=layout["with_fund"] == "1", old=layout["form"] == "national_old")
        g.render_budget(layout, m, folder / "raw" / "2025" / "synth-yusuan")
        return parse_report(folder / "raw" / "2025" / "synth-yusuan")
    g.render(layout, g.model(seed), folder / "raw" / "2024" / "synth")
    return parse_report(folder / "raw" / "2024" / "synth")


def _layouts():
    from synth import generate as g
    return [("final", lay) for lay in g.layouts()] + [("budget", lay) for lay in g.layouts("budget")]


@pytest.mark.parametrize("kind, layout", _layouts(), ids=lambda x: x["name"] if isinstance(x, dict) else x)
def test_synthetic_report_every_printed_figure_is_read(kind, layout, clean_in_tmp):
    from juesuan.clean.frames import build_frames
    rep = _synth(kind, layout, 7, clean_in_tmp)
    fr = build_frames(rep)
    cov, unread = fr["coverage"], fr["unread"]
    total = cov[cov["where"] == "all"].iloc[0]
    parts = cov[cov["where"] != "all"]
    assert total.printed == parts.printed.sum() == parts.read.sum() + parts.unread.sum()
    assert total.unread == len(unread)
    assert total.printed > 250            # the tables and the explanation's figures
    assert unread.empty, unread[["location", "printed", "reason"]].head().to_string()
    assert total.coverage_rate == 1


def test_synthetic_report_a_table_not_read_is_in_the_ledger(clean_in_tmp):
    """A table whose cells the reader missed (its rows dropped after parsing): each of its printed
    cells is in the ledger as seen but not read, with its page:line; the rest stays read."""
    from juesuan.clean.frames import build_frames
    from synth import generate as g
    lay = next(x for x in g.layouts("budget") if x["name"] == "budget_shanghai")
    rep = _synth("budget", lay, 7, clean_in_tmp)
    t6 = rep.tables["预算06"]
    lines = {r.line for r in t6.rows}
    n_cells = sum(1 for r in t6.rows for c, v in r.values.items()
                  if v is not None and r.status.get(c, "reported") == "reported")   # printed, not blank
    t6.rows = []
    fr = build_frames(rep)
    unread = fr["unread"]
    assert len(unread) == n_cells > 10
    assert set(unread.reason) == {"table_seen_not_read"} and set(unread.table) == {"预算06"}
    assert set(unread.source_line) == lines
    assert unread.location.str.fullmatch(r"p\d+:\d+").all() and (unread.page > 0).all()
    total = fr["coverage"].query("where == 'all'").iloc[0]
    assert total.read + total.unread == total.printed


# ------------------------------------------------------------------ a reading failure is ours
def test_a_table_not_read_is_no_absent_table_and_nothing_compares_with_it(clean_in_tmp):
    """预算05 printed but its cells not read: no check compares the text's 一般公共预算 figure with it
    (no “预算05 has 0 元”), one note says it is our reading, and the skip names the reason."""
    from juesuan.findings import CheckLog
    from juesuan.validate.budget import check_budget
    from synth import generate as g
    lay = next(x for x in g.layouts("budget") if x["name"] == "budget_shanghai")
    rep = _synth("budget", lay, 7, clean_in_tmp)
    t5 = rep.tables["预算05"]
    t5.rows, t5.declared_empty = [], True          # what a reader that missed its cells leaves
    log = CheckLog(rep.doc.path, locate=rep.doc.where)
    table_lines = {n for t in rep.doc.tables for n, _ in t.rows}
    check_budget(rep.tables, rep.explanation, rep.doc, 2025, None, table_lines, log)
    bad = [f for f in log.findings if f.severity != "info" and "预算05" in f.message]
    assert not bad, [f.message for f in bad]
    notes = [f for f in log.findings if f.check == "table_not_read"]
    assert [f.table for f in notes] == ["预算05"]
    assert "our reading" in notes[0].message and re.search(r"p\d+:\d+", notes[0].message)
    reasons_ = "; ".join(log.counts["budget_x04_05"].reasons)
    assert "预算05 not read" in reasons_
    assert log.counts["budget_text_vs_table"].skipped >= 1
    assert not any(f.check == "table_declared_empty" and f.table == "预算05" for f in log.findings)


def test_a_table_whose_title_the_reader_misses_is_not_reported_absent(clean_in_tmp, monkeypatch):
    """The table readers do not know the 预算07 title (a new wording): the table is seen by the loose
    cues of data/table_seen_cues.csv, so no “预算07 … is absent” error, one note, its figures in the
    ledger as seen but not read."""
    from juesuan.clean.frames import build_frames
    from juesuan.extract.tabular import budget_tables
    from synth import generate as g
    real = budget_tables.budget_title
    monkeypatch.setattr(budget_tables, "budget_title", lambda text: None if real(text) == "预算07" else real(text))
    lay = next(x for x in g.layouts("budget") if x["name"] == "budget_shanghai")
    rep = _synth("budget", lay, 7, clean_in_tmp)
    absent = [f for f in rep.log.findings if f.check == "budget_table_present" and f.severity == "error"]
    assert not absent, [f.message for f in absent]
    notes = [f.table for f in rep.log.findings if f.check == "table_not_read"]
    assert "预算07" in notes
    # its grid, on the page after 预算06, is taken by the 预算06 reader as a continuation: 预算06 is
    # then partly read, and no check compares against it either
    assert set(notes) <= {"预算06", "预算07"}
    unread = build_frames(rep)["unread"]
    mine = unread[unread.table == "预算07"]
    assert len(mine) > 0 and set(mine.reason) == {"table_seen_not_read"}
    compared = [f.message for f in rep.log.findings if f.severity == "error" and f.check.startswith("budget_")]
    assert not compared, compared


def test_seen_title_cues():
    from juesuan.validate.ledger import seen_title
    assert seen_title(["十一、一般公共预算“三公”经费、会议费、培训费支出预算表"], "budget") == "预算07"
    assert seen_title(["七、政府性基金支出预算表"], "budget") == "预算08"
    assert seen_title(["一、2017 年度江苏省高级人民法院部门收支预算总表"], "budget") == "预算01"
    assert seen_title(["四、财政拨款收支预算总表"], "budget") == "预算04"
    assert seen_title(["九、一般公共预算基本支出预算表"], "budget") == "预算06"
    assert seen_title(["七、政府性基金支出预算表 ……………… 12"], "budget") is None     # a contents line
    assert seen_title(["本部门无政府性基金预算，故本表为空表。"], "budget") is None      # a sentence


# ------------------------------------------------------------------ shown to readers
def _cov(printed_read: dict) -> "pd.DataFrame":
    import pandas as pd
    rows = []
    for (where, kind), (p, r) in printed_read.items():
        rows.append({"where": where, "kind": kind, "printed": p, "read": r, "unread": p - r,
                     "coverage_rate": D(r) / D(p) if p else None})
    p = sum(v[0] for v in printed_read.values())
    r = sum(v[1] for v in printed_read.values())
    rows.append({"where": "all", "kind": "all", "printed": p, "read": r, "unread": p - r,
                 "coverage_rate": (D(r) / D(p)).quantize(D("0.0001"))})
    return pd.DataFrame(rows)


def test_coverage_note_only_below_99_percent():
    from juesuan.clean.ledger import coverage_note, coverage_table
    full = _cov({("table", "amount"): (200, 200), ("text", "amount"): (100, 99)})       # 299 / 300 = 99.67%
    assert coverage_note(full) is None
    low = _cov({("table", "amount"): (199, 0), ("text", "amount"): (82, 10), ("text", "rate"): (30, 0)})
    note = coverage_note(low)
    assert note.startswith("原文印出的数字（金额与比率）311 个，本套件读取 10 个（3.22%），未读取 301 个（表格 199 个、文字 102 个）")
    assert "不是原文的错误" in note
    t = coverage_table(low)
    assert t.iloc[-1].tolist() == ["合计", "全部", 311, 10, 301, "3.22%"]


def test_ledger_by_reason_groups_with_places():
    import pandas as pd
    from juesuan.clean.ledger import ledger_by_reason
    u = pd.DataFrame([
        {"reason": "no_sentence_form", "reason_zh": "无可识别句式", "where": "text", "location": "p24:403", "printed": "4.79万元"},
        {"reason": "no_sentence_form", "reason_zh": "无可识别句式", "where": "text", "location": "p24:403", "printed": "0万元"},
        {"reason": "table_seen_not_read", "reason_zh": "表格已见未读", "where": "table", "location": "p12:269",
         "printed": "28,849.38"}])
    g = ledger_by_reason(u)
    assert g["原因"].tolist() == ["无可识别句式", "表格已见未读"] and g["个数"].tolist() == [2, 1]
    assert g.iloc[0]["位置（页:行）"] == "p24:403（4.79万元）、p24:403（0万元）"


def test_index_shows_coverage_and_marks_it_below_99_percent(tmp_path):
    from juesuan import render
    rep = {"year": 2017, "department": "a", "department_name": "甲院", "ok": True, "steps": [],
           "headline": {"doc_kind": "budget", "coverage_rate": "0.0322"}}
    good = dict(rep, department="b", headline={"doc_kind": "budget", "coverage_rate": "1.0000"})
    page = render.index_html({"generated": "x", "wall_s": 1.0, "reports": [rep, good], "earlier_reports": []}, tmp_path)
    assert "数字读取率" in page
    assert '<span class="failed">3.22%</span>' in page
    assert "<td>100.00%</td>" in page


def test_panel_reports_carry_coverage(tmp_path, monkeypatch):
    import csv as _csv
    from juesuan.clean import panel
    from juesuan.clean.writer import write_csv
    clean = tmp_path / "clean"
    f = clean / "2025" / "x-yusuan"
    f.mkdir(parents=True)
    (f / "line_items.csv").write_text("\ufeffyear,department,table\n", encoding="utf-8")
    write_csv(_cov({("table", "amount"): (10, 9)}).assign(year=2025, department="x-yusuan"), f / "coverage.csv")
    assert panel._coverage(f) == {"figures_printed": "10", "figures_read": "9", "figures_unread": "1",
                                  "coverage_rate": "0.9"}
    assert panel._coverage(tmp_path) == {}
