"""The reviewer's sheet (clean/checklist.py): parts of the national template × 是 / 否 / 未核对 ×
problems at page:line, written as a printable XLSX (opened back with openpyxl) and as the
bureau's workbook (a summary sheet + one sheet a report)."""
from openpyxl import load_workbook

from juesuan.clean.checklist import (NO, UNCHECKED, YES, checklist, counts, parts, review_frame, status_frame,
                                     write_batch, write_xlsx)
from juesuan.clean.pipeline import Report
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document

TEXT = """=SUM(A1:A9)区测试局
2025年部门预算
目录
一、主要职能
二、机构设置
三、名词解释
第一部分
主要职能
本局主要职能包括：负责全区财政收支。
机构设置
本局内设5个科室。
名词解释
财政拨款收入：指本级财政当年拨付的资金。
预算编制说明
2025年收入预算100.00万元，比上年增加（减少）10.00万元。
预算01表
收入 支出
其他相关情况说明
2025年“三公”经费预算数为6.40万元，与2024年预算持平，主要原因是。"""


def report(kind: str = "budget") -> Report:
    doc = Document.from_text(TEXT, "data/raw/2025/test-yusuan/r.txt")
    log = CheckLog(doc.path)
    t1 = Table("预算01", "财务收支预算总表", start=16, end=17, rows=[Row(line=17, key="total", item="合计")])
    tables = {"预算01": t1, "预算02": Table("预算02", "财务收入预算总表", present=False)}
    log.add("budget_row_identity", "error", "预算01 合计: total = a+b: mismatch of 100 元", expected="100",
            found="200", line=17, table="预算01")
    log.add("review_template", "warning", "模板中的二选一措辞未改写（“增加（减少）”）：“2025年收入预算…”",
            found="增加（减少）", line=15, table="document")
    log.add("review_punctuation", "info", "标点重复（“。。”）：“=HYPERLINK(\"x\")。。”", found="。。", line=9)
    log.add("review_broken", "warning", "句子在此中断，没有写出内容（“主要原因是”）：“…主要原因是。”",
            found="主要原因是", line=19)
    log.note("page_repeated", "page 3 repeats the text of page 2", line=2)     # a reading note: not listed
    inferred = {"department_name": "=SUM(A1:A9)区测试局", "year": 2025, "doc_level": "部门",
                "sources": {"department_name": {"line": 1}}}
    return Report(2025, "test-yusuan", {"department_name": "=SUM(A1:A9)区测试局"}, doc, log, tables=tables,
                  inferred=inferred, doc_kind=kind)


def test_the_parts_are_the_national_templates_for_each_kind():
    budget = [p["part"] for p in parts("budget")]
    final = [p["part"] for p in parts("final")]
    assert budget[:7] == ["及时性", "封面", "目录", "主要职能", "机构设置", "名词解释", "预算编制说明"]
    assert [p[:4] for p in budget[7:16]] == [f"预算0{i}" for i in range(1, 10)]
    assert budget[16:] == ["其他相关情况说明", "项目经费情况说明"]
    assert final[6] == "决算情况说明" and [p[:4] for p in final[7:16]] == [f"公开0{i}" for i in range(1, 10)]


def test_each_part_is_yes_no_or_not_checked_never_yes_when_unread():
    sheet = checklist(report())
    status = {r["part"]: r["status"] for r in sheet["rows"]}
    assert status["及时性"] == UNCHECKED                          # no document states its publication date
    assert status["封面"] == YES and status["主要职能"] == YES and status["机构设置"] == YES
    assert status["名词解释"] == YES and status["目录"] == YES
    assert status["主要职能"] == YES                             # an info (punctuation) does not make it 否
    assert status["预算编制说明"] == NO                           # the template leftover, line 15
    assert status["预算01 财务收支预算总表"] == NO                  # the row identity of its 合计 row
    assert status["预算02 财务收入预算总表"] == UNCHECKED           # not read: never 是
    assert status["其他相关情况说明"] == NO
    assert status["项目经费情况说明"] == UNCHECKED                 # no heading found
    rows = {r["part"]: r for r in sheet["rows"]}
    assert [p["where"] for p in rows["预算编制说明"]["problems"]] == ["第 15 行"]
    assert rows["主要职能"]["problems"][0]["severity_zh"] == "提示"
    assert rows["主要职能"]["problems"][0]["where"] == "第 9 行"
    # an English message is described in Chinese from the check's title and its figures
    assert rows["预算01 财务收支预算总表"]["problems"][0]["text"] == "预算表内各栏的勾稽关系：应为 0.01 万元，原文为 0.02 万元"
    assert not any(p["check"] == "page_repeated" for r in sheet["rows"] for p in r["problems"])
    c = counts(sheet)
    assert (c[YES], c[NO], c[UNCHECKED], c["error"], c["warning"], c["info"]) == (5, 3, 10, 1, 2, 1)


def test_the_xlsx_opens_with_parts_statuses_and_formula_like_text_kept_as_text(tmp_path):
    sheet = checklist(report())
    target = write_xlsx(sheet, tmp_path / "checklist.xlsx")
    wb = load_workbook(target)
    ws = wb.active
    assert ws["A1"].value.startswith("'=SUM(A1:A9)区测试局 2025 年部门预算公开情况检查表")
    assert ws["A1"].data_type == "s"
    heads = [ws.cell(row=3, column=j).value for j in range(1, 6)]
    assert heads[1] == "检查内容" and heads[3].startswith("符合要求")
    parts_col = [ws.cell(row=r, column=2).value for r in range(4, 4 + len(sheet["rows"]))]
    assert parts_col == [r["part"] for r in sheet["rows"]]
    status_col = [ws.cell(row=r, column=4).value for r in range(4, 4 + len(sheet["rows"]))]
    assert set(status_col) <= {YES, NO, UNCHECKED} and status_col[0] == UNCHECKED
    problems = "\n".join(str(ws.cell(row=r, column=5).value or "") for r in range(4, 4 + len(sheet["rows"])))
    assert "=HYPERLINK" in problems
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", (c.coordinate, c.value)
    assert ws.page_setup.orientation == "landscape" and ws.print_area
    assert any("签字" in str(c.value or "") for row in ws.iter_rows() for c in row)


def test_the_batch_workbook_has_a_summary_and_one_sheet_a_report(tmp_path):
    a, b = checklist(report()), checklist(report())
    b["department_name"], b["year"] = "区测试二局", 2024
    target = write_batch([a, b], tmp_path / "book.xlsx")
    wb = load_workbook(target)
    assert wb.sheetnames[0] == "汇总" and len(wb.sheetnames) == 3
    summary = wb["汇总"]
    assert [c.value for c in summary[1]][:7] == ["年度", "部门", "文种", "检查项", "是", "否", "未核对"]
    assert summary["B2"].value == "'=SUM(A1:A9)区测试局" and summary["B2"].data_type == "s"
    assert (summary["E2"].value, summary["F2"].value, summary["G2"].value) == (5, 3, 10)
    assert summary["L3"].value in wb.sheetnames
    assert write_batch([], tmp_path / "none.xlsx") is None


def test_the_readers_table_lists_every_problem_errors_first():
    sheet = checklist(report())
    df = review_frame(sheet)
    assert list(df.columns) == ["严重程度", "部分", "页:行", "问题"]
    assert df["严重程度"].tolist() == ["错误", "警告", "警告", "提示"]
    assert df.iloc[0]["部分"] == "预算01 财务收支预算总表"
    zh = {("budget_row_identity", "data/raw/2025/test-yusuan/r.txt:17", "预算01 合计: total = a+b: mismatch of 100 元"):
          "预算01 合计：应为 100 元，原文为 200 元。"}
    assert review_frame(sheet, zh).iloc[0]["问题"] == "预算01 合计：应为 100 元，原文为 200 元。"
    st = status_frame(sheet)
    assert st["符合要求"].tolist()[0] == UNCHECKED and len(st) == len(sheet["rows"])
    assert review_frame(None).empty
