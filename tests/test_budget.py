"""Budget reports (部门预算 / 单位预算) on inline text: what the document says it is, the budget
table titles, the text's facts, the text-against-table rule and the refusals (regressions of the
false findings met are here with the sentence inline, not the PDF)."""
import json
from decimal import Decimal as D

import pytest

from juesuan.clean.pipeline import parse_report
from juesuan.errors import ParseError
from juesuan.extract.tabular.budget_tables import budget_title
from juesuan.extract.prose.budget_text import parse_budget_text
from juesuan.extract.reading.meta import infer_metadata
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate.budget import (check_doc_kind, check_empty_statements, check_text_internal,
                                     check_text_vs_tables, skip_final_checks)


def doc(lines, origins=None):
    return Document(path="r.pdf", lines=list(lines), meta={}, origins=origins or [])


# ------------------------------------------------------------------ what the document is
@pytest.mark.parametrize("cover, kind, level, name", [
    (["上海市普陀区2025年区级部门预算", "预算主管部门：上海市普陀区财政局"], "budget", "部门", "上海市普陀区财政局"),
    (["上海市2025年市级单位预算", "预算单位：上海市财政局"], "budget", "单位", "上海市财政局"),
    (["上海市普陀区社会福利院2024年单位预算", "预算单位：上海市普陀区社会福利院"], "budget", "单位", "上海市普陀区社会福利院"),
    (["上海市普陀区财政局", "2024年度部门决算"], "final", "部门", "上海市普陀区财政局"),
])
def test_the_cover_says_budget_or_final_department_or_unit(cover, kind, level, name):
    inf = infer_metadata(doc(cover + ["目 录", "一、部门主要职能", "收入预算3,121.42万元"]))
    assert (inf.doc_kind, inf.doc_level, inf.department_name, inf.year) == (kind, level, name, int(
        next(c for c in cover if "20" in c).split("20", 1)[1][:2]) + 2000)
    rec = inf.as_dict()
    assert rec["doc_kind_zh"] == {"budget": "预算", "final": "决算"}[kind]


def test_without_a_cover_the_table_titles_decide():
    inf = infer_metadata(doc(["2019年部门收支总表", "单位：万元", "2019年部门收入总表", "2019年部门支出总表"]))
    assert inf.doc_kind == "budget"


@pytest.mark.parametrize("lines, looks", [
    (["某某省2019年省级总预算", "一般公共预算收支表", "收入 1,234.00"], "总预算"),
    (["关于上海市普陀区2023年预算执行情况和2024年预算草案的报告", "各位代表：", "收入 1.00"], "预算执行情况报告"),
    (["上海市普陀区财政局2025年部门预算", "目 录", "一、部门主要职能", "二、部门机构设置"], "只有目录页"),
])
def test_a_document_that_is_neither_is_refused_naming_the_file_and_what_it_looks_like(tmp_path, lines, looks):
    folder = tmp_path / "2024" / "other"
    folder.mkdir(parents=True)
    (folder / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParseError) as exc:
        parse_report(folder)
    msg = str(exc.value)
    assert "report.txt" in msg and looks in msg and "nothing is checked" in msg


def test_metadata_json_stating_the_other_kind_is_an_error():
    inf = infer_metadata(doc(["上海市普陀区2025年区级部门预算", "预算主管部门：上海市普陀区财政局"]))
    log = CheckLog("r.pdf")
    check_doc_kind({"doc_kind": "决算"}, inf, log)
    assert [(f.check, f.severity) for f in log.findings] == [("document_kind", "error")]
    log = CheckLog("r.pdf")
    check_doc_kind({"doc_kind": "预算"}, inf, log)
    assert not log.findings and log.counts["document_kind"].passed == 1
    log = CheckLog("r.pdf")
    check_doc_kind({}, inf, log)
    assert log.counts["document_kind"].skipped == 1


# ------------------------------------------------------------------ table titles by role
@pytest.mark.parametrize("title, tid", [
    ("2025年部门财务收支预算总表", "预算01"), ("2025年预算单位财务收支预算总表", "预算01"), ("2019年部门收支总表", "预算01"),
    ("2025年部门收入预算总表", "预算02"), ("部门收入总表", "预算02"),
    ("2025年部门支出预算总表", "预算03"), ("2025年部门财政拨款收支预算总表", "预算04"), ("财政拨款收支总表", "预算04"),
    ("2025年部门一般公共预算支出功能分类预算表", "预算05"), ("一般公共预算支出表", "预算05"),
    ("2025年部门一般公共预算基本支出部门预算经济分类预算表", "预算06"), ("一般公共预算基本支出表", "预算06"),
    ("2025年部门“三公”经费和机关运行经费预算表", "预算07"), ("单位“三公”经费和机关运行经费预算表", "预算07"),
    ("一般公共预算“三公”经费支出表", "预算07"),
    ("2025年部门政府性基金预算支出功能分类预算表", "预算08"), ("政府性基金预算支出表", "预算08"),
    ("2025年部门国有资本经营预算支出功能分类预算表", "预算09"), ("财政项目支出绩效目标填报表", "预算10"),
    ("6．2025年部门政府性基金预算支出功能分类预算表", "预算08"),
    ("表1：2019年部门收支总表", "预算01"), ("附表3 部门支出总表", "预算03"), ("部门公开表4 财政拨款收支总表", "预算04"),
    ("一般公共预算支出表（公开表5）", "预算05"),
])
def test_budget_tables_are_named_by_their_national_role(title, tid):
    assert budget_title(title) == tid


@pytest.mark.parametrize("line", [
    "1. 2025年部门财务收支预算总表 ……………………………………",     # a contents line
    "收入支出决算总表", "财政拨款收入支出决算总表",                       # final accounts
    "本部门的收支总表显示，收入与支出平衡，详见收支总表",                 # a sentence
])
def test_other_lines_are_not_budget_titles(line):
    assert budget_title(line) is None


# ------------------------------------------------------------------ the text's facts
TEXT = [
    "2025年部门预算编制说明",
    "2025年，上海市普陀区财政局收入预算3,121.42万元，其中：财政拨款收入3,121.42万元，比2024年预算增加",
    "107.62万元；事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
    "支出预算3,121.42万元，其中：财政拨款支出预算3,121.42万元，比2024年预算增加107.62万元。财政拨款支出预",
    "算中，一般公共预算拨款支出预算3,121.42万元，比2024年预算增加107.62万元；政府性基金拨款支出预算为0；",
    "国有资本经营预算拨款支出预算0万元，与2024年预算持平。",
    "7.“社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）”887.36万",
    "元，主要用于缴纳职业年金支出。",
    "9.“卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）”78.21万元，主要用于基本医疗保险费。",
    "2025年“三公”经费预算数为0.95万元，与2024年预算持平。其中：因公出国（境）费0万元；公务接待费0.95万元。",
]


def tables_of(rows):
    t5 = Table("预算05", "一般公共预算支出功能分类预算表", columns={"": [("total", "合计")]}, unit="元")
    for code, name, amount in rows:
        t5.rows.append(Row(100, f"func:{code}", name, code, values={"total": D(amount)}))
    return {"预算05": t5}


T05 = [("208", "社会保障和就业支出", "873617.00"), ("20805", "行政事业单位养老支出", "873617.00"),
       ("2080506", "机关事业单位职业年金缴费支出", "873617.00"),
       ("210", "卫生健康支出", "782164.00"), ("21011", "行政事业单位医疗", "782164.00"),
       ("2101101", "行政单位医疗", "782164.00")]


def test_totals_changes_and_derived_prior_budget():
    bt = parse_budget_text(doc(TEXT), set(), tables_of(T05), CheckLog("r.pdf"), 2025)
    get = {(f["subject"], f["measure"]): f for f in bt.facts}
    assert get[("income", "budget")]["value"] == D("31214200")
    assert get[("fiscal_income", "change_vs_prior_budget")]["value"] == D("1076200")
    prior = get[("gpb_expenditure", "prior_budget")]
    assert prior["value"] == D("30138000") and prior["derived"] and prior["year"] == 2024
    assert get[("gov_fund_expenditure", "budget")]["value"] == 0          # “为0” without a unit
    assert get[("soe_expenditure", "change_vs_prior_budget")]["value"] == 0
    assert get[("sangong_reception", "budget")]["value"] == D("9500")
    assert get[("func:2080506", "budget")]["value"] == D("8873600")       # as printed: 887.36万元


def test_an_item_amount_against_its_table_cell_and_a_truncated_one_passes():
    log = CheckLog("r.pdf")
    bt = parse_budget_text(doc(TEXT), set(), tables_of(T05), log, 2025)
    check_text_vs_tables(bt.facts, tables_of(T05), log)
    errs = [f for f in log.findings if f.check == "budget_text_vs_table"]
    # 887.36万元 against 873,617 元 = 87.36万元 (the report's slip); 78.21万元 against 782,164 元 passes:
    # the report cuts off (78.2164 → 78.21) rather than rounds
    assert [(f.severity, f.found, f.expected) for f in errs] == [("error", "887.36万元", "87.36万元")]


def test_a_page_repeating_the_one_before_is_read_once():
    lines = TEXT + TEXT[1:]
    origins = [f"p7:{i + 1}" for i in range(len(TEXT))] + [f"p8:{len(TEXT) + i + 1}" for i in range(len(TEXT) - 1)]
    log = CheckLog("r.pdf", locate=lambda n: origins[n - 1])
    bt = parse_budget_text(doc(lines, origins), set(), tables_of(T05), log, 2025)
    assert sum(1 for f in bt.facts if f["subject"] == "func:2080506") == 1
    assert bt.repeated_pages == [("p8", "p7")]
    assert [f.check for f in log.findings] == ["page_repeated"]


def test_prior_execution_and_its_stated_rate():
    text = ["1. “一般公共服务支出（类）统计信息事务（款）专项普查活动（项）”25.77万元，主要用于专项普查活动。2023年当年预算执行",
            "数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%。主要原因是：项目调整。",
            "2. “一般公共服务支出（类）群众团体事务（款）一般行政管理事务（项）”45.41万元，主要用于群众团体事务。2022年当年",
            "预算执行数为11.67万元，2023年预算安排45.41万元，比2022年预算执行数增加314.82%。"]
    log = CheckLog("r.pdf")
    bt = parse_budget_text(doc(text), set(), {}, log, 2024)
    ex = [f for f in bt.facts if f["measure"] == "prior_execution"]
    assert [(f["value"], f["year"]) for f in ex] == [(D("601300"), 2023), (D("116700"), 2022)]
    check_text_internal(bt.facts, bt.items, {}, log)
    # −57.14% is right; +314.82% is not (45.41 / 11.67 − 1 = +289.12%): a warning
    bad = [f for f in log.findings if f.check == "budget_change_rate"]
    assert len(bad) == 1 and bad[0].expected == "289.12%" and log.counts["budget_change_rate"].passed == 1


def test_a_restated_budget_that_differs_from_the_item_is_an_error():
    text = ["16. “社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）”220.63万元，主要用于机关",
            "事业单位职业年金缴费支出。2022年当年预算执行数为132.59万元，2023年预算安排441.25万元。"]
    log = CheckLog("r.pdf")
    bt = parse_budget_text(doc(text), set(), {}, log, 2023)
    check_text_internal(bt.facts, bt.items, {}, log)
    assert [(f.check, f.severity) for f in log.findings if f.severity != "info"][-1] == ("budget_text_internal", "error")


def test_an_empty_table_note_naming_the_other_fund_is_a_template_leftover():
    t9 = Table("预算09", "国有资本经营预算支出功能分类预算表", declared_empty=True, start=5,
               empty_statement="注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。")
    t8 = Table("预算08", "政府性基金预算支出功能分类预算表", declared_empty=True, start=4,
               empty_statement="注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。")
    log = CheckLog("r.pdf")
    check_empty_statements(doc(["x"]), {"预算08": t8, "预算09": t9}, [], 2025, log)
    assert [(f.check, f.table, f.severity) for f in log.findings] == [("budget_empty_statement", "预算09", "warning")]
    log = CheckLog("r.pdf")
    check_empty_statements(doc(["x"]), {"预算08": t8}, [], 2024, log)
    assert [f.severity for f in log.findings] == ["error"]             # the note says 2025 in a 2024 report


def test_final_accounts_only_checks_are_skipped_with_the_reason():
    log = CheckLog("r.pdf")
    skip_final_checks(log)
    for check in ("table_present", "x01_02", "outturn_vs_05", "text_completion_rate", "doc_table_order"):
        assert log.counts[check].skipped == 1 and log.counts[check].run == 0
        assert "只适用于部门决算" in log.counts[check].reasons[0]
    assert "sum_to_total" not in log.counts and "budget_balance" not in log.counts


def test_budget_checks_table_names_a_rule_for_every_budget_check():
    import csv

    from juesuan import config
    with open(config.PACKAGE_DATA / "budget_checks.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(config.PACKAGE_DATA / "checks.csv", encoding="utf-8") as fh:
        known = {r["check"] for r in csv.DictReader(fh)}
    budget = [r for r in rows if r["applies"] == "budget"]
    rules = {r["peer_rule"].split()[0] for r in budget if r["peer_rule"]}
    assert len(rules) >= 11                      # the peer's 11 budget rules, each mapped
    assert {r["check"] for r in rows} <= known   # every check has its row (and a title) in checks.csv
    assert json.dumps(rows, ensure_ascii=False)


# ------------------------------------------------------------------ one folder, one report
def _split_pdf(src, folder, parts):
    """Write pages of ``src`` into new PDFs: parts = {file name: [0-based page numbers]}."""
    import pypdfium2 as pdfium
    whole = pdfium.PdfDocument(str(src))
    for name, pages in parts.items():
        out = pdfium.PdfDocument.new()
        out.import_pages(whole, pages)
        out.save(str(folder / name))
        out.close()
    whole.close()


def test_a_report_published_as_a_text_file_and_a_tables_file_is_read_as_one(tmp_path, monkeypatch):
    from juesuan import config
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    src = next(config.raw_dir(2025, "ptczj-yusuan").glob("*.pdf"))
    folder = tmp_path / "2025" / "ptczj-yusuan"
    folder.mkdir(parents=True)
    _split_pdf(src, folder, {"report-text.pdf": list(range(0, 8)) + [21, 22, 23],
                             "report-tables.pdf": list(range(8, 21))})
    rep = parse_report(folder)
    assert rep.doc_kind == "budget" and rep.inferred["department_name"] == "上海市普陀区财政局"
    assert sum(len(r.values) for t in rep.tables.values() for r in t.rows) == 354
    errors = [f for f in rep.log.findings if f.severity == "error"]
    # the 887.36万元 slip, located in the text file; the table it contradicts is in the other
    assert [(f.check, f.location.split(":", 1)[1]) for f in errors] == [
        ("budget_text_vs_table", "report-text.pdf:p7:87")]
    t5 = rep.tables["预算05"]
    assert rep.doc.where(t5.start).startswith("report-tables.pdf:p")


def test_two_different_reports_in_one_folder_are_refused_naming_both(tmp_path, monkeypatch):
    import shutil

    from juesuan import config
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    folder = tmp_path / "2025" / "mixed"
    folder.mkdir(parents=True)
    a = next(config.raw_dir(2025, "ptczj-yusuan").glob("*.pdf"))
    b = next(config.raw_dir(2025, "shczj-yusuan").glob("*.pdf"))
    shutil.copy(a, folder / a.name)
    shutil.copy(b, folder / b.name)
    with pytest.raises(ParseError) as exc:
        parse_report(folder)
    msg = str(exc.value)
    assert "two different documents in one folder" in msg and a.name in msg and b.name in msg


def test_a_table_page_printed_twice_is_read_once(tmp_path, monkeypatch):
    from juesuan import config
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    src = next(config.raw_dir(2025, "ptczj-yusuan").glob("*.pdf"))
    folder = tmp_path / "2025" / "ptczj-yusuan"
    folder.mkdir(parents=True)
    pages = list(range(0, 11)) + [10] + list(range(11, 24))      # p11 (预算02's second page) twice
    _split_pdf(src, folder, {"budget.pdf": pages})
    rep = parse_report(folder)
    assert sum(len(r.values) for t in rep.tables.values() for r in t.rows) == 354
    notes = [f for f in rep.log.findings if f.check == "page_repeated"]
    assert any("page 12 repeats the table of page 11" in f.message for f in notes)
    assert [(f.check, f.severity) for f in rep.log.findings if f.severity == "error"] == [
        ("budget_text_vs_table", "error")]                       # only the 887.36万元 slip


def test_template_placeholders_left_in_a_budget_are_one_error_naming_the_lines():
    from juesuan.validate.budget import check_year_name_template
    d = doc(["2025年部门预算编制说明", "2025年，上海市XX局收入预算1.00万元。", "编制部门：上海市普陀区财政局"])
    log = CheckLog("r.pdf")
    check_year_name_template(d, {}, 2025, "上海市普陀区财政局", set(), log)
    bad = [f for f in log.findings if f.severity != "info"]
    assert [(f.check, f.location) for f in bad] == [("budget_template_text", "r.pdf:2")]
    assert log.counts["budget_doc_year"].passed == 1 and log.counts["budget_doc_name"].passed == 1
    log = CheckLog("r.pdf")
    check_year_name_template(doc(["2024年部门预算编制说明", "编制部门：上海市静安区财政局"]), {}, 2025,
                             "上海市普陀区财政局", set(), log)
    assert sorted(f.check for f in log.findings) == ["budget_doc_name", "budget_doc_year"]


def test_the_fiscal_tables_are_read_from_the_table_list():
    """Which budget tables hold fiscal money is a column of data/tables.csv, not a list in code: a
    function class's fiscal figure is 预算05 + 08 + 09; 预算03 (all the department's money) is not."""
    from juesuan.validate.budget import fiscal_tables
    assert fiscal_tables("by_function") == ("预算05", "预算08", "预算09")
    assert set(fiscal_tables()) == {"预算04", "预算05", "预算06", "预算07", "预算08", "预算09"}
    assert "预算03" not in fiscal_tables() and not any(t.startswith("公开") for t in fiscal_tables())
