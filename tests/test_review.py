"""The reviewer's checks (validate/review.py) on inline sentences: each fires on its bad example, at
its line, quoting the sentence, and not on the good one; and one source fault is one finding
(validate/consolidate.py)."""
from decimal import Decimal as D

import pytest

from juesuan.extract.reading.pdf import PdfDocument
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate.consolidate import CONSEQUENCE, consolidate
from juesuan.validate.review import Reviewer, review_document, sentences


def review(text: str, kind: str = "budget", level: str = "部门", year: int = 2025, tables=None, facts=None):
    doc = Document.from_text(text, "t.txt")
    log = CheckLog("t.txt")
    review_document(doc, log, kind=kind, level=level, year=year, tables=tables or {}, facts=facts or [])
    return log


def found(log, check):
    return [f for f in log.findings if f.check == check]


GOOD = "2025年支出预算1,234.56万元，比2024年预算增加12.00万元，主要原因是人员经费增加。"


@pytest.mark.parametrize("bad,words", [
    ("2025年支出预算1,234.56万元，比2024年预算增加（减少）12.00万元。", "增加（减少）"),
    ("2025年收入预算100.00万元，比上年下降（增长）5.00%。", "下降（增长）"),
    ("XX局2025年部门预算收入100.00万元。", "XX局"),
    ("本部门/本单位2025年没有政府性基金预算拨款安排。", "本部门/本单位"),
])
def test_template_leftovers_are_warnings_quoting_the_sentence(bad, words):
    log = review("第三部分\n" + bad)
    hits = found(log, "review_template")
    assert len(hits) == 1
    assert hits[0].severity == "warning" and hits[0].found == words
    assert hits[0].location == "t.txt:2" and bad in hits[0].message
    assert not found(review(GOOD), "review_template")


def test_a_sentence_that_stops_is_a_warning():
    log = review("（二）公务用车购置及运行费6.40万元，与2023年预算持平，主要原因是。其中：购置费0.00万元。")
    hits = found(log, "review_broken")
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert "主要原因是。" in hits[0].message
    assert not found(review(GOOD), "review_broken")


def test_doubled_and_stray_punctuation_is_info():
    log = review("服务采购授予中小企业合同金额占服务支出金额的100%，。\n机关运行经费预算10.00万元。。")
    hits = found(log, "review_punctuation")
    assert [h.found for h in hits] == ["，。", "。。"] and {h.severity for h in hits} == {"info"}
    assert [h.location for h in hits] == ["t.txt:1", "t.txt:2"]
    assert not found(review(GOOD + "详见目录……第3页。"), "review_punctuation")   # an ellipsis is not a slip


def test_an_unmatched_bracket_or_quote_is_info_but_one_across_lines_or_pages_is_not():
    log = review("公务接待费指单位按规定开支的各类公务接待（含外宾接待支出。")
    assert [h.found for h in found(log, "review_punctuation")] == ["（"]
    log = review("坚持“统筹安排、突出重点。")
    assert [h.found for h in found(log, "review_punctuation")] == ["“"]
    log = review("公务接待（含\n外宾接待）支出，坚持“统筹安排、突出支出重点；\n勤俭节约”的原则。")
    assert not found(log, "review_punctuation")


def test_a_budget_compared_with_its_own_year_is_an_error_outside_item_sentences():
    log = review("2025年收入预算100.00万元，比2025年预算增加5.00万元。")
    hits = found(log, "review_year")
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].found == "比2025年预算"
    assert not found(review("2025年收入预算100.00万元，比2024年预算增加5.00万元。"), "review_year")
    # a budget item's sentence: its year references are the budget text reader's (not counted twice)
    item = "1.一般公共服务支出（类）财政事务（款）行政运行（项）100.00万元，比2025年预算执行数增加。"
    assert not found(review(item), "review_year")


def test_a_final_account_speaking_of_next_years_final_account_is_an_error():
    log = review("本表反映2025年度部门决算收支情况。", kind="final", year=2024)
    assert [h.found for h in found(log, "review_year")] == ["2025年度部门决算"]
    assert not found(review("本表反映2024年度部门决算收支情况。", kind="final", year=2024), "review_year")


def test_the_wrong_document_level_is_an_error_once_a_paragraph():
    text = "2025年部门预算安排购置车辆0辆；部门预算安排购置单价100万元以上设备0台（套）。"
    log = review(text, level="单位")
    hits = found(log, "review_level")
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].found == "部门预算安排"
    assert "同段共 2 处" in hits[0].message
    assert not found(review(text, level="部门"), "review_level")
    assert found(review("2025年单位预算安排购置车辆0辆。", level="部门"), "review_level")


def _fn_table(code: str, name: str) -> dict:
    t = Table("预算05", "一般公共预算支出功能分类预算表", rows=[Row(line=50, key=f"func:{code}", item=name, code=code)])
    return {"预算05": t}


def test_an_older_class_name_than_the_tables_is_a_warning_once_a_class():
    text = "医疗卫生与计划生育支出（类）100.00万元。\n其中医疗卫生与计划生育支出主要用于医疗保障。"
    log = review(text, tables=_fn_table("210", "卫生健康支出"))
    hits = found(log, "review_class_name")
    assert len(hits) == 1 and hits[0].severity == "warning"
    assert hits[0].expected == "卫生健康支出" and hits[0].found == "医疗卫生与计划生育支出"
    assert "全文共 2 处" in hits[0].message
    # a document whose tables use the same (then current) name: nothing to report
    assert not found(review(text, tables=_fn_table("210", "医疗卫生与计划生育支出")), "review_class_name")


def _pdf(pages: list[list[str]], total: int | None = None) -> PdfDocument:
    lines, origins = [], []
    for p, texts in enumerate(pages, start=1):
        for t in texts:
            lines.append(t)
            origins.append(f"p{p}:{len(lines)}")
    return PdfDocument(path="x.pdf", lines=lines, origins=origins, tables=[], pages=total or len(pages),
                       text_pages=len(pages))


def test_a_page_printed_twice_an_empty_page_and_missing_glyphs_are_warnings():
    body = ["其他相关情况说明", "2025年“三公”经费预算数为6.40万元，与2024年预算持平，主要原因是严格控制支出。" * 2]
    doc = _pdf([["封面 2025年部门预算"], body, body, ["名词解释：\ue012\ue013财政拨款收入。"]])
    log = CheckLog("x.pdf", locate=doc.where)
    Reviewer(doc, log, kind="budget", level="部门", year=2025).check_pages()
    hits = found(log, "review_pages")
    assert len(hits) == 2
    twice = next(h for h in hits if "同一页印了两次" in h.message)
    assert twice.location == "x.pdf:p3:4" and twice.expected == "p2"
    glyph = next(h for h in hits if "无法正常显示" in h.message)
    assert glyph.location == "x.pdf:p4:6" and glyph.severity == "warning"
    # page 3 of 4 has no text at all
    doc = _pdf([["封面"], ["正文。"], [], ["封底"]])
    doc.origins = ["p1:1", "p2:2", "p4:3"]
    doc.lines = ["封面", "正文。", "封底"]
    log = CheckLog("x.pdf", locate=doc.where)
    Reviewer(doc, log, kind="budget", level="部门", year=2025).check_pages()
    assert [h.found for h in found(log, "review_pages")] == ["p3"]
    log = CheckLog("x.pdf", locate=doc.where)
    Reviewer(_pdf([["封面"], ["正文。"]]), log, kind="budget", level="部门", year=2025).check_pages()
    assert not found(log, "review_pages")


def _fact(subject, measure, value, line):
    return {"subject": subject, "measure": measure, "value": D(value), "line": line, "text": ""}


def test_income_and_expenditure_changes_must_agree_when_both_totals_are_equal():
    text = "2025年收入预算100.00万元，比上年增加10.00万元。\n2025年支出预算100.00万元，比上年增加8.00万元。"
    facts = [_fact("income", "budget", 1000000, 1), _fact("income", "change_vs_prior_budget", 100000, 1),
             _fact("expenditure", "budget", 1000000, 2), _fact("expenditure", "change_vs_prior_budget", 80000, 2)]
    hits = found(review(text, facts=facts), "review_text_amounts")
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].location == "t.txt:2"
    assert hits[0].expected == "增加 10.00 万元" and hits[0].found == "增加 8.00 万元"
    facts[3]["value"] = D(100000)
    assert not found(review(text, facts=facts), "review_text_amounts")
    facts[2]["value"] = D(1200000)        # totals not equal: the changes need not agree
    facts[3]["value"] = D(80000)
    assert not found(review(text, facts=facts), "review_text_amounts")


def test_performance_target_funds_above_all_project_spending_is_an_error():
    t = Table("预算03", "支出总表", rows=[Row(line=40, key="total", item="合计",
                                             values={"total": D(5000000), "basic": D(3000000), "project": D(2000000)})])
    text = "2025年共3个项目编报绩效目标，涉及项目预算资金250.00万元。"
    hits = found(review(text, tables={"预算03": t}, facts=[_fact("perf_project_funds", "budget", 2500000, 1)]),
                 "review_text_amounts")
    assert len(hits) == 1 and hits[0].severity == "error"
    ok = review(text, tables={"预算03": t}, facts=[_fact("perf_project_funds", "budget", 1500000, 1)])
    assert not found(ok, "review_text_amounts")


def test_sentences_keep_the_line_of_every_character():
    ss = sentences([(3, "第一句在这里"), (4, "结束。第二句"), (5, "也结束。")])
    assert [s.text for s in ss] == ["第一句在这里结束。", "第二句也结束。"]
    assert ss[0].line == 3 and ss[1].line == 4 and ss[1].line_at(4) == 5


# ------------------------------------------------------------------ one source fault, one finding
def _tables():
    t3 = Table("公开05", "一般公共预算财政拨款支出决算表", rows=[
        Row(line=10, key="func:201", item="一般公共服务支出", code="201"),
        Row(line=11, key="func:20106", item="财政事务", code="20106"),
        Row(line=12, key="func:2010601", item="行政运行", code="2010601"),
        Row(line=13, key="total", item="合计")])
    t5 = Table("公开03", "支出决算表", rows=[Row(line=30, key="func:2010601", item="行政运行", code="2010601")])
    return {"公开05": t3, "公开03": t5}


def test_a_wrong_row_is_one_finding_naming_its_consequences():
    log = CheckLog("x.txt")
    log.amounts("row_identity", D(100), D(110), what="公开05 行政运行: total = basic+project", line=12, table="公开05")
    log.amounts("hierarchy_sum", D(110), D(100), what="公开05 20106 财政事务 (total) = Σ items", line=11, table="公开05")
    log.amounts("x03_05", D(100), D(110), what="公开03 2010601 = 公开05", line=30, table="公开03")
    log.amounts("sum_to_total", D(500), D(700), what="公开05 合计 = Σ classes", line=13, table="公开05")  # another fault
    assert len(log.findings) == 4
    folded = consolidate(log, _tables())
    assert folded == 2
    assert [f.check for f in log.findings] == ["row_identity", "sum_to_total"]
    root = log.findings[0]
    assert root.location == "x.txt:12" and CONSEQUENCE in root.message
    assert "公开05“类等于所属款之和、款等于所属项之和”（第 11 行）" in root.message
    assert "公开03“公开03与公开05的科目一致”（第 30 行）" in root.message
    assert log.counts["hierarchy_sum"].failed == 1          # the comparison still counts as failed


def test_two_text_figures_of_one_sentence_are_one_finding():
    log = CheckLog("x.pdf")
    for what in ("说明四 财政拨款收入总计 (actual) vs tables", "说明四 财政拨款支出总计 (actual) vs tables"):
        log.amounts("text_vs_table", D(29616800), D(3000), what=what, line=311, table="说明")
    consolidate(log, {})
    assert len(log.findings) == 1 and "财政拨款支出总计" in log.findings[0].message.split(CONSEQUENCE)[1]


def test_unrelated_faults_of_the_same_size_stay_apart():
    log = CheckLog("x.txt")
    log.amounts("row_identity", D(100), D(110), what="公开05 行政运行", line=12, table="公开05")
    log.amounts("row_identity", D(100), D(110), what="公开03 行政运行", line=30, table="公开03")
    tables = _tables()
    tables["公开03"].rows[0].code = "2080501"
    consolidate(log, tables)
    assert len(log.findings) == 2


# ------------------------------------------------------------------ the public checker's rules, each mapped
def test_every_rule_of_the_public_checker_has_a_counterpart_or_a_reason():
    import csv

    from juesuan import config
    with open(config.PACKAGE_DATA / "peer_rules.csv", encoding="utf-8") as fh:
        rules = list(csv.DictReader(fh))
    with open(config.PACKAGE_DATA / "checks.csv", encoding="utf-8") as fh:
        known = {r["check"] for r in csv.DictReader(fh)}
    with open(config.PACKAGE_DATA / "budget_checks.csv", encoding="utf-8") as fh:
        budget = {r["check"]: r for r in csv.DictReader(fh)}
    ids = {r["rule"] for r in rules}
    assert {f"BUD-{n}" for n in range(101, 114)} | {f"CMM-00{n}" for n in range(1, 7)} <= ids
    for r in rules:
        checks = [c for c in r["checks"].split("|") if c]
        assert checks or r["note"], r["rule"]
        assert set(checks) <= known, (r["rule"], set(checks) - known)
    for check in ("review_template", "review_broken", "review_punctuation", "review_year", "review_level",
                  "review_class_name", "review_pages", "review_text_amounts"):
        assert budget[check]["applies"] == "both" and check in known
