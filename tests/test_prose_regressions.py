"""False findings met on real reports' explanation sections, each with its sentence inline
(issue 18): 全年预算 beside 年初预算, items named otherwise than in 公开05, changes against the
prior year.  Every test also asserts what is read, so a check that cannot fail fails here."""
from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path

from juesuan.extract.prose.explanation import parse_explanation
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate import crosscheck as xc
from juesuan.validate import document as dc

HEAD = "第三部分 2024 年度部门决算情况说明\n"
DETAIL = "五、一般公共预算财政拨款支出决算情况说明\n（三）一般公共预算财政拨款支出决算具体情况\n"


def parse(body: str, year: int = 2024):
    doc = Document.from_text(HEAD + body)
    log = CheckLog("t.txt")
    res = parse_explanation(doc, 1, len(doc.lines), log, year)
    dc.check_directions(res, log)
    return res, log


def bad(log, check=None):
    return [f for f in log.findings if f.severity != "info" and (check is None or f.check == check)]


def facts(res):
    return {(f["subject"], f["measure"]): f["value"] for f in res.facts}


# ------------------------------------------------------------------ 全年预算
NEW_UNIT = DETAIL + (
    "一般公共预算财政拨款支出年初预算为0万元，全年预算为321.02万元，支出决算为319.00万元，"
    "完成全年预算的99.37%。决算数小于预算数的主要原因：节约。其中：\n"
    "1、一般公共服务支出（类）财政事务（款）行政运行（项）。全年预算为 52.00 万元，支出决算为 "
    "51.32 万元，完成全年预算数的 98.69%。决算数小于预算数的主要原因：节约。\n"
    "2、一般公共服务支出（类）财政事务（款）一般行政管理事务（项）。年初预算为0万元，调整预算为"
    "269.02万元，支出决算为267.68万元，完成调整预算的99.50%。决算数小于预算数的主要原因：节约。\n")


def test_a_unit_founded_in_the_year_reads_both_budgets_and_finds_nothing():
    res, log = parse(NEW_UNIT)
    f = facts(res)
    assert f[("gpb_budget", "budget")] == 0
    assert f[("gpb_budget", "full_budget")] == D("3210200")
    assert f[("gpb_budget", "full_completion_rate")] == D("0.9937")
    i1, i2 = res.budget_outturn
    assert (i1["initial_budget"], i1["full_budget"], i1["actual"]) == (None, D("520000"), D("513200"))
    assert (i1["stated_completion_rate"], i1["stated_rate_basis"]) == (D("0.9869"), "full")
    assert (i2["initial_budget"], i2["full_budget"], i2["stated_rate_basis"]) == (D(0), D("2690200"), "full")
    assert i2["adjusted_budget"] is None            # 调整预算为 X is the whole budget, not an addition
    assert bad(log) == [], [f.message for f in bad(log)]
    assert log.counts["text_completion_rate"].run == 3
    assert log.counts["doc_direction_words"].run == 3 and log.counts["doc_direction_words"].failed == 0
    assert "text_repeated_figure" not in {f.check for f in log.findings}


def test_a_wrong_full_rate_is_found_against_the_full_budget():
    res, log = parse(NEW_UNIT.replace("98.69%", "97.69%"))
    e = bad(log)
    assert [(f.check, f.location) for f in e] == [("text_completion_rate", "t.txt:5")]


def test_direction_against_the_full_budget_when_the_initial_is_zero():
    res, log = parse(NEW_UNIT.replace("决算数小于预算数的主要原因：节约。\n2", "决算数大于预算数的主要原因：节约。\n2"))
    e = bad(log, "doc_direction_words")
    assert len(e) == 1 and e[0].location == "t.txt:5"


def test_direction_naming_the_full_budget_uses_it():
    body = DETAIL + ("1、教育支出（类）普通教育（款）高等教育（项）。年初预算为100.00万元，全年预算为150.00万元，"
                     "支出决算为120.00万元。决算数小于全年预算数的主要原因：节约。\n")
    res, log = parse(body)
    assert log.counts["doc_direction_words"].run == 1 and bad(log) == []
    res, log = parse(body.replace("小于全年", "大于全年"))
    assert len(bad(log, "doc_direction_words")) == 1


def test_a_stated_rate_against_the_initial_budget_stays_initial():
    body = DETAIL + ("1、教育支出（类）普通教育（款）高等教育（项）。年初预算为100.00万元，全年预算为150.00万元，"
                     "支出决算为120.00万元，完成年初预算的120.00%。决算数大于预算数的主要原因：追加。\n")
    res, log = parse(body)
    (it,) = res.budget_outturn
    assert it["stated_rate_basis"] == "initial" and bad(log) == []
    assert log.counts["text_completion_rate"].run == 1


# ------------------------------------------------------------------ prior year from changes
CHANGES = ("一、收入支出决算总体情况说明\n"
           "上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入支出总计减少56.95万元，"
           "下降1.87%。主要原因：人员变化。\n"
           "四、财政拨款收入支出决算总体情况说明\n"
           "2024年度财政拨款收入支出总计2940.05万元。与2023年度相比，财政拨款收入支出总计持平。\n"
           "十一、其他重要事项的情况说明\n（一）机关运行经费支出情况\n"
           "机关运行经费支出184.65万元，比2023年度增加2.55万元，增长1.40%。主要原因是更换照明。\n")


def test_changes_against_the_prior_year_are_read_and_their_rates_checked():
    res, log = parse(CHANGES)
    f = facts(res)
    assert f[("total_income", "change")] == D("-569500")
    assert f[("fiscal_income_total", "change")] == 0 and f[("fiscal_expenditure_total", "change")] == 0
    assert f[("admin_operating", "change")] == D("25500")
    assert bad(log) == []
    assert log.counts["text_change_rate"].run == 2     # 收入支出总计 (once for its two subjects), admin


def test_a_wrong_change_rate_is_found_against_the_implied_prior():
    res, log = parse(CHANGES.replace("增长1.40%", "增长1.50%"))
    e = bad(log)
    assert [(f.check, f.location) for f in e] == [("text_change_rate", "t.txt:8")]


def test_template_both_words_rate_takes_the_direction_of_the_amount():
    body = ("一、收入支出决算总体情况说明\n2024年度收入支出总计4887.15万元。与 2023 年度相比，收入支出总计增加 "
            "1062.85 万元，下降（增长）27.79%。\n")
    res, log = parse(body)
    f = facts(res)
    assert f[("total_income", "change_rate")] == D("0.2779")
    assert bad(log, "text_change_rate") == [] and log.counts["text_change_rate"].run == 1


def test_level_with_the_budget_is_not_a_prior_year_change():
    body = DETAIL + ("1、教育支出（类）普通教育（款）高等教育（项）。年初预算为10.00万元，支出决算为10.00万元。"
                     "决算数与预算数持平。\n")
    res, _ = parse(body)
    assert not [f for f in res.facts if f["measure"] == "change"]


# ------------------------------------------------------------------ items named otherwise
def t05(*rows):
    t = Table("公开05", "一般公共预算财政拨款支出决算表", start=100, end=120)
    for i, (code, name, total) in enumerate(rows):
        t.rows.append(Row(line=101 + i, key=f"func:{code}", item=name, code=code,
                          values={"total": D(total)}))
    return t


PENSION = DETAIL + ("1、社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位退休人员活动费支出（项）。"
                    "年初预算为 8800 元，支出决算为 8800 元，完成年初预算的 100.00%。决算数与预算数持平。\n")
T05 = [("208", "社会保障和就业支出", "98800"), ("20805", "行政事业单位养老支出", "98800"),
       ("2080505", "机关事业单位基本养老保险缴费支出", "90000"),
       ("2080599", "其他行政事业单位养老支出", "8800")]


def test_an_item_named_otherwise_is_matched_by_its_kuan_and_amount():
    res, log = parse(PENSION)
    tables = {"公开05": t05(*T05)}
    xc.resolve_outturn_codes(res.budget_outturn, tables, log)
    xc.check_outturn_vs_tables(res.budget_outturn, tables, log)
    (it,) = res.budget_outturn
    assert (it["code"], it["code_source"], it["table_name"]) == ("2080599", "match", "其他行政事业单位养老支出")
    notes = [f for f in log.findings if f.check == "outturn_code"]
    assert len(notes) == 1 and notes[0].severity == "info"
    assert "机关事业单位退休人员活动费支出" in notes[0].message and "其他行政事业单位养老支出" in notes[0].message
    assert [f.check for f in bad(log)] == ["outturn_covers_05"]    # 2080505 really has no item
    assert log.counts["outturn_vs_05"].run == 1 and log.counts["outturn_vs_05"].failed == 0


def test_no_unique_match_is_one_finding_and_no_cascade():
    res, log = parse(PENSION)
    rows = T05[:2] + [("2080505", "机关事业单位基本养老保险缴费支出", "8800"), T05[3]]
    tables = {"公开05": t05(*rows)}
    xc.resolve_outturn_codes(res.budget_outturn, tables, log)
    xc.check_outturn_vs_tables(res.budget_outturn, tables, log)
    e = bad(log)
    assert [(f.check, f.severity, f.location) for f in e] == [("outturn_code", "warning", "t.txt:4")]
    assert "2 rows" in e[0].message
    assert log.counts["outturn_vs_05"].run == 0 and log.counts["outturn_vs_05"].skipped == 1


# ------------------------------------------------------------------ vocabulary as data
def test_the_vocabulary_is_read_from_the_data_tables():
    import csv

    from juesuan.config import PACKAGE_DATA
    from juesuan.extract.prose import explanation as ex
    with open(PACKAGE_DATA / "prose_classes.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in (r for r in rows if r["kind"] == "gpb"):
        assert ex.gpb_class_code(r["name"] + "支出") == r["code"], r
    assert ex.gpb_class_code("医疗卫生与计划生育支出") == "210"       # the older name
    assert ("卫生健康", "gpb_class:210") in ex.KEYWORDS["gpb"]
    assert ex.COUNT_SUBJECTS[("sangong_abroad", "人次")] == "abroad_persons"
    assert {w for w, _ in ex.cue_words("full_budget")} == {"全年预算", "调整预算", "调整后预算"}
    assert "降低" in ex.NEGATIVE_CUES and "增长" not in ex.NEGATIVE_CUES
    assert set(dc.UP) >= {"大于", "超过"} and set(dc.DOWN) >= {"小于", "低于"}


# ------------------------------------------------------------------ what the reader cannot place
def test_a_sentence_the_reader_cannot_place_is_one_unparsed_note_and_no_figure():
    body = ("十一、其他重要事项的情况说明\n（二）政府采购支出情况\n"
            "2024年度本部门面向中小企业预留政府采购项目预算金额246.47万元，面向小微企业预留政府采购项目"
            "预算金额0万元。\n")
    res, log = parse(body)
    notes = [f for f in log.findings if f.check == "unparsed"]
    assert [(f.severity, f.location) for f in notes] == [("info", "t.txt:4")]
    assert "2 figures" in notes[0].message and "246.47" in notes[0].message
    assert not [f for f in res.facts if f["value"] in (D("2464700"), D(0))]


def test_sentences_read_leave_no_unparsed_note():
    res, log = parse(CHANGES)
    assert not [f for f in log.findings if f.check == "unparsed"] and res.facts


def test_items_stating_only_a_full_budget_are_not_summed_as_initial_zero():
    """The total states 年初预算 and 全年预算, the item only 全年预算: Σ 年初预算 of the items is
    unknown, not 0 (no false text_budget_outturn_sum error)."""
    body = DETAIL + ("一般公共预算财政拨款支出年初预算为50.00万元，全年预算为52.00万元，支出决算为51.32万元，"
                     "完成全年预算的98.69%。决算数小于全年预算数的主要原因：节约。其中：\n"
                     "1、一般公共服务支出（类）财政事务（款）行政运行（项）。全年预算为 52.00 万元，支出决算为 "
                     "51.32 万元，完成全年预算数的 98.69%。决算数小于全年预算数的主要原因：节约。\n")
    res, log = parse(body)
    assert bad(log) == [], [f.message for f in bad(log)]
    c = log.counts["text_budget_outturn_sum"]
    assert c.skipped == 1 and c.run == 2 and c.failed == 0       # Σ 全年预算, Σ 决算 checked


def test_a_sangong_full_budget_is_compared_with_the_table_budget():
    """公开07's 预算数 is the 三公 全年预算: a text 全年预算 is compared with it."""
    body = ("七、财政拨款“三公”经费支出决算情况说明\n（一）“三公”经费财政拨款支出决算总体情况说明\n"
            "“三公”经费财政拨款支出全年预算为1.00万元，支出决算为0.80万元，完成全年预算的80.00%。\n")
    res, log = parse(body)
    assert facts(res)[("sangong", "full_budget")] == D("10000")
    assert bad(log) == []
    t = Table("公开07", "财政拨款“三公”经费支出决算表", start=50, end=60)
    t.rows.append(Row(line=51, key="sangong", item="三公", values={"budget_total": D("10000"),
                                                                   "actual_total": D("8000")}))
    n = xc.check_text_vs_tables(res.facts, {"公开07": t}, log)
    assert n == 2 and bad(log) == []
    t.rows[0].values["budget_total"] = D("12000")
    xc.check_text_vs_tables(res.facts, {"公开07": t}, log)
    assert [f.check for f in bad(log)] == ["text_vs_table"]


def test_a_change_against_the_full_budget_is_checked_against_it():
    """“较全年预算减少X” after 年初预算 and 全年预算: against the 全年预算, not the 年初预算."""
    body = ("六、一般公共预算财政拨款基本支出决算情况说明\n"
            "1. 工资福利支出120.00万元，年初预算为100.00万元，全年预算为150.00万元，较全年预算减少30.00万元，"
            "下降20.00%，主要原因是人员减少。\n")
    res, log = parse(body)
    f = facts(res)
    assert f[("econ:301", "change_vs_full_budget")] == D("-300000")
    assert f[("econ:301", "change_rate_vs_full_budget")] == D("-0.2")
    assert bad(log) == [], [x.message for x in bad(log)]
    assert log.counts["text_budget_change"].run == 1 and log.counts["text_budget_change_rate"].run == 1
    res, log = parse(body.replace("下降20.00%", "下降25.00%"))
    assert [x.check for x in bad(log)] == ["text_budget_change_rate"]
