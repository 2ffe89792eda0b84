"""The document-consistency family (validate/document.py): each check passes on a
consistent text and fails on an inconsistent one; none fires on the two real reports."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from juesuan.extract.prose.explanation import parse_explanation
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate import document as dc


def doc_of(text: str) -> Document:
    return Document.from_text(text)


def errors(log, check):
    return [f for f in log.findings if f.check == check and f.severity != "info"]


# ---------------------------------------------------------------- year and name
REPORT = """上海市普陀区财政局
2024 年度部门决算
目 录
第一部分 上海市普陀区财政局概况
第二部分 上海市普陀区财政局2024年度部门决算表
第三部分 上海市普陀区财政局2024年度部门决算情况说明
第一部分 上海市普陀区财政局概况
一、主要职能
第二部分 上海市普陀区财政局{head_year}年度部门决算表
收入支出决算总表
单位：万元
第三部分 {head_name}2024年度部门决算情况说明
一、收入支出决算总体情况说明
{text_name}2024年度收入支出总计2995.39万元。
"""


def run_year_name(head_year="2024", head_name="上海市普陀区财政局", text_name="上海市普陀区财政局",
                  cover="上海市普陀区财政局"):
    text = REPORT.format(head_year=head_year, head_name=head_name, text_name=text_name)
    text = text.replace("上海市普陀区财政局\n2024 年度部门决算", f"{cover}\n2024 年度部门决算", 1)
    doc = doc_of(text)
    log = CheckLog("t.txt")
    parts = {"tables": 9, "explanation": 12, "end": len(doc.lines) + 1}
    dc.check_year_and_name(doc, 2024, parts, log, cover.replace(" ", ""))
    return log


def test_year_and_name_consistent():
    log = run_year_name()
    assert log.findings == []
    assert log.counts["doc_year"].run >= 5 and log.counts["doc_department_name"].run >= 4


def test_heading_year_differs_from_the_report_year():
    e = errors(run_year_name(head_year="2023"), "doc_year")
    assert len(e) == 1 and e[0].severity == "error" and e[0].location == "t.txt:9"
    assert (e[0].expected, e[0].found) == ("2024", "2023")


def test_department_name_differs_in_a_heading_and_in_the_text():
    e = errors(run_year_name(head_name="上海市静安区财政局"), "doc_department_name")
    assert len(e) == 1 and e[0].location == "t.txt:12" and "上海市静安区财政局" in e[0].message
    e = errors(run_year_name(text_name="上海市静安区财政局"), "doc_department_name")
    assert len(e) == 1 and e[0].location == "t.txt:14"


def test_placeholder_name_is_one_error():
    log = run_year_name(cover="上海市 XX 局", head_name="上海市 XX 局", text_name="上海市XX局")
    e = errors(log, "doc_department_name")
    assert len(e) == 1 and e[0].severity == "error" and "placeholder" in e[0].message


# ---------------------------------------------------------------- explanation-based checks
HEAD = "第三部分 2024 年度部门决算情况说明\n\n"


def explanation(body: str, year: int = 2024):
    doc = doc_of(HEAD + body)
    log = CheckLog("t.txt")
    return parse_explanation(doc, 1, len(doc.lines), log, year), log


ASSETS = ("十一、其他重要事项的情况说明\n（三）国有资产占有使用情况说明\n"
          "截至{date}，本部门共有车辆2辆。\n")


@pytest.mark.parametrize("date,ok", [("2024年12月31日", True), ("2023年12月31日", False),
                                     ("2024年6月30日", False), ("2024 年末", True)])
def test_asset_dates(date, ok):
    ex, _ = explanation(ASSETS.format(date=date))
    log = CheckLog("t.txt")
    dc.check_dates(ex, 2024, log)
    assert log.counts["doc_dates"].run == 1
    assert (errors(log, "doc_dates") == []) == ok


def test_other_dates_outside_the_assets_paragraph():
    body = ("十、预算绩效管理情况\n截至2025年3月，已经完成整改的问题2个；截至{y}年12月31日，共有项目4个。\n")
    for y, ok in ((2024, True), (2023, False)):
        ex, _ = explanation(body.format(y=y))
        log = CheckLog("t.txt")
        dc.check_dates(ex, 2024, log)
        assert log.counts["doc_dates"].run == 1        # the 2025年3月 date is not the report year's
        assert (errors(log, "doc_dates") == []) == ok


OUTTURN = ("五、一般公共预算财政拨款支出决算情况说明\n（三）一般公共预算财政拨款支出决算具体情况\n"
           "1、一般公共服务支出（类）财政事务（款）行政运行（项）。年初预算为 {b} 万元，支出决算为{a}万元。"
           "{w}\n")


@pytest.mark.parametrize("b,a,w,ok", [
    ("1560.05", "1511.89", "决算数小于预算数的主要原因：人员变化。", True),
    ("1560.05", "1511.89", "决算数大于预算数的主要原因：人员变化。", False),
    ("10.00", "10.00", "决算数与预算数基本持平。", True),
    ("10.00", "10.00", "决算数与预算数持平。", True),
    ("10.00", "10.50", "决算数与预算数持平。", False),
    ("100.00", "106.74", "决算数与预算数基本持平。", True),
    ("100.00", "150.00", "决算数与预算数基本持平。", False),
])
def test_budget_direction_words(b, a, w, ok):
    ex, _ = explanation(OUTTURN.format(b=b, a=a, w=w))
    log = CheckLog("t.txt")
    dc.check_directions(ex, log)
    assert log.counts["doc_direction_words"].run == 1
    e = errors(log, "doc_direction_words")
    assert (e == []) == ok, e
    if e:
        assert e[0].severity == "error" and e[0].location == "t.txt:5"


def direction_ok(body: str) -> bool:
    """Run the direction-word check on one explanation text: it runs once; True when it passes."""
    ex, _ = explanation(body)
    log = CheckLog("t.txt")
    dc.check_directions(ex, log)
    assert log.counts["doc_direction_words"].run == 1
    return errors(log, "doc_direction_words") == []


def test_direction_compares_with_the_initial_budget():
    body = ("五、一般公共预算财政拨款支出决算情况说明\n（三）一般公共预算财政拨款支出决算具体情况\n"
            "1、教育支出（类）普通教育（款）高等教育（项）。年初预算为100.00万元，调整预算为150.00万元，"
            "支出决算为120.00万元。决算数{w}预算数的主要原因：追加。\n")
    for w, ok in (("大于", True), ("小于", False)):
        assert direction_ok(body.format(w=w)) == ok


@pytest.mark.parametrize("w,ok", [("小于", True), ("大于", False)])
def test_no_spending_is_an_outturn_of_zero(w, ok):
    body = ("七、财政拨款“三公”经费支出决算情况说明\n（二）“三公”经费财政拨款支出决算具体情况说明。\n"
            f"1. 因公出国（境）费预算为147900元，无支出；2021年无支出。决算数{w}预算数的主要原因是当年没有出国计划。\n")
    assert direction_ok(body) == ok


def test_sangong_direction_uses_the_total_not_the_last_item():
    body = ("七、财政拨款“三公”经费支出决算情况说明\n（一）“三公”经费财政拨款支出决算总体情况说明。\n"
            "“三公”经费财政拨款支出年初预算为0.95万元，支出决算为0.00万元，完成预算的0%，其中："
            "公务接待费支出决算为0.00万元，完成预算的0%。2024年度“三公”经费支出决算数{w}预算数的主要原因：无支出。\n")
    for w, ok in (("小于", True), ("大于", False)):
        assert direction_ok(body.format(w=w)) == ok


@pytest.mark.parametrize("rate_word,ok", [("增长", True), ("下降", False)])
def test_change_and_rate_in_opposite_directions(rate_word, ok):
    body = ("十一、其他重要事项的情况说明\n（一）机关运行经费支出情况\n"
            f"机关运行经费支出184.65万元，比2023年度增加2.55万元，{rate_word}1.40%。\n")
    assert direction_ok(body) == ok


# ---------------------------------------------------------------- template leftovers
@pytest.mark.parametrize("line,ok", [
    ("本年收入合计2946.25万元，占99.79%。", True),
    ("本年收入合计 XXX 万元，其中：财政拨款收入 XXX 万元。", False),
    ("主要原因：待填写。", False),
    ("填报日期：    年   月   日", False),
    ("填报日期：2025 年 3 月 1 日", True),
    ("主要原因：XXXXXXXX。（如持平作持平表述）", False),
    ("收入支出总计增加（减少）12 万元", False),
    ("一、收入支出决算总表 XXL 型号", True),
])
def test_template_text(line, ok):
    doc = doc_of("封面\n" + line + "\n")
    log = CheckLog("t.txt")
    dc.check_template_text(doc, {"end": len(doc.lines) + 1}, log)
    assert log.counts["doc_template_text"].run == 1
    e = errors(log, "doc_template_text")
    assert (e == []) == ok
    if e:
        assert e[0].location == "t.txt:2" and e[0].severity == "error"


# ---------------------------------------------------------------- table order
CONTENTS = """目 录
第一部分 概况
第二部分 部门决算表
一、收入支出决算总表
二、收入决算表
三、支出决算表
第一部分 概况
"""


def test_table_order_against_the_contents():
    doc = doc_of(CONTENTS + "x\n" * 20)
    tables = {"公开01": Table("公开01", "收入支出决算总表", start=10),
              "公开02": Table("公开02", "收入决算表", start=14),
              "公开03": Table("公开03", "支出决算表", start=18)}
    log = CheckLog("t.txt")
    dc.check_table_order(doc, tables, log)
    assert log.counts["doc_table_order"].passed == 1 and log.findings == []
    tables["公开02"].start = 20
    log = CheckLog("t.txt")
    dc.check_table_order(doc, tables, log)
    e = errors(log, "doc_table_order")
    assert len(e) == 1 and e[0].expected == "公开01 公开02 公开03" and e[0].found == "公开01 公开03 公开02"


def test_no_contents_page_is_skipped():
    log = CheckLog("t.txt")
    dc.check_table_order(doc_of("no contents\n"), {}, log)
    c = log.counts["doc_table_order"]
    assert (c.run, c.skipped) == (0, 1) and "目录" in c.reasons[0]


# ---------------------------------------------------------------- empty tables
def _table(tid, rows=(), statement="", start=2, end=3):
    t = Table(tid, "表", start=start, end=end)
    t.rows = list(rows)
    t.declared_empty = not rows
    t.empty_statement = statement
    return t


def test_empty_table_needs_its_note():
    doc = doc_of("x\n公开08\n合计\n注：本表反映部门本年度情况。\n")
    zero = Row(key="total", item="合计", code="", side="", line=3, values={"total": D(0)})
    seven = Row(key="sangong", item="三公", code="", side="", line=3, values={"budget_total": D("9500")})
    cases = [
        ({"公开07": _table("公开07", [seven]), "公开08": _table("公开08", statement="本表无数据"),
          "公开09": _table("公开09", statement="本单位无国有资本经营预算财政拨款收入和支出")}, 0),
        ({"公开07": _table("公开07", [seven]), "公开08": _table("公开08", [zero]),
          "公开09": _table("公开09", statement="本表无数据")}, 1),
        ({"公开07": _table("公开07"), "公开08": _table("公开08", statement="本表无数据"),
          "公开09": _table("公开09", statement="本表无数据")}, 1),
    ]
    for tables, n in cases:
        log = CheckLog("t.txt")
        dc.check_empty_notes(doc, tables, log)
        assert log.counts["doc_empty_table_note"].run == 3
        found = errors(log, "doc_empty_table_note")
        assert len(found) == n
        for f in found:   # 08 / 09: the template asks for the note; 07: good practice
            assert f.severity == ("warning" if f.table == "公开07" else "error")


def test_note_found_below_the_table():
    doc = doc_of("x\n公开08\n合计\n注：本部门本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。\n")
    log = CheckLog("t.txt")
    dc.check_empty_notes(doc, {"公开08": _table("公开08")}, log)
    assert log.counts["doc_empty_table_note"].passed == 1


# ---------------------------------------------------------------- the real reports
@pytest.mark.parametrize("year,dept", [(2022, "nxgxt"), (2024, "ptczj")])
def test_no_document_finding_on_the_real_reports(year, dept):
    from juesuan import config
    from juesuan.clean.pipeline import parse_report
    rep = parse_report(config.raw_dir(year, dept))
    family = [c for c in rep.log.counts if c.startswith("doc_") or c.startswith("metadata_")
              or c == "folder_year"]
    assert len(family) == 10
    assert [f for f in rep.log.findings if f.check in family] == []
    runs = {c: rep.log.counts[c].run for c in family}
    assert all(v > 0 for v in runs.values()), runs


# ---------------------------------------------------------------- wording slips (issue 18)
def test_a_name_written_with_another_word_is_a_warning_not_an_error():
    """“上海市普陀区规划与自然资源局” in a heading for 规划和自然资源局 on the cover: the same
    department, a wording slip (warning); another department stays an error."""
    def run(head_name):
        dept = "上海市普陀区规划和自然资源局"
        text = REPORT.replace("上海市普陀区财政局", dept).format(
            head_year="2024", head_name=head_name, text_name=dept)
        log = CheckLog("t.txt")
        parts = {"tables": 9, "explanation": 12, "end": len(doc_of(text).lines) + 1}
        dc.check_year_and_name(doc_of(text), 2024, parts, log, dept)
        return errors(log, "doc_department_name")
    assert run("上海市普陀区规划和自然资源局") == []
    e = run("上海市普陀区规划与自然资源局")
    assert [(f.severity, f.location) for f in e] == [("warning", "t.txt:12")]
    assert "wording slip" in e[0].message
    assert [f.severity for f in run("上海市静安区规划与自然资源局")] == ["error"]


def test_wording_standard_is_data():
    assert dc.wording_standard("其它收入") == "其他收入"
    assert dc.wording_standard("规划与自然资源局") == dc.wording_standard("规划和自然资源局")
