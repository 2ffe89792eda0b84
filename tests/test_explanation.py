"""Tests for the explanation-section parser (第三部分 …决算情况说明)."""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan.errors import ParseError
from juesuan.extract.prose.explanation import (categorize_reason, gpb_class_code, parse_explanation,
                                         unextracted_numbers)
from juesuan.findings import CheckLog
from juesuan.numbers import round_half_up
from juesuan.source import Document

RAW = Path(__file__).resolve().parents[1] / "data/raw/2022/nxgxt/000_5cdd05a1ee12ee26.txt"
HEAD = "第三部分 2022 年度部门决算情况说明\n\n"


def parse(body: str, year: int = 2022):
    doc = Document.from_text(HEAD + body)
    log = CheckLog("t.txt")
    res = parse_explanation(doc, 1, len(doc.lines), log, year)
    return res, log


def facts_of(res, subject=None, section=None):
    return {(f["subject"], f["measure"]): f for f in res.facts
            if (subject is None or f["subject"] == subject)
            and (section is None or f["section"] == section)}


def failures(log, check=None):
    return [f for f in log.findings if f.severity != "info" and (check is None or f.check == check)]


# ---------------------------------------------------------------- year on year
YOY_DOWN = ("一、收入支出决算总体情况说明\n\n"
            "2022 年度收入总计 106054725.92 元，与上年收入总计 120836292.61 元相比，收入总计减少 "
            "14781566.69 元，下降 12.23%，主要原因是专项资金减少；支出总计 106054725.92 元，与上年"
            "支出总计 120836292.61 元相比，支出减少了 14781566.69 元，下降 12.23%，主要原因是追加"
            "减少。\n")


def test_yoy_decrease_values_signs_years_lines():
    res, log = parse(YOY_DOWN)
    f = facts_of(res, "total_income")
    assert f[("total_income", "actual")]["value"] == D("106054725.92")
    assert f[("total_income", "actual")]["year"] == 2022
    assert f[("total_income", "prior")]["value"] == D("120836292.61")
    assert f[("total_income", "prior")]["year"] == 2021
    assert f[("total_income", "change")]["value"] == D("-14781566.69")
    rate = f[("total_income", "change_rate")]
    assert rate["value"] == D("-0.1223") and rate["places"] == 2
    assert rate["reason"] == "专项资金减少"
    assert rate["line"] == 5 and rate["section"] == "一"
    e = facts_of(res, "total_expenditure")
    assert e[("total_expenditure", "change")]["value"] == D("-14781566.69")
    assert e[("total_expenditure", "change_rate")]["reason"] == "追加减少"
    assert log.counts["text_change"].run == 2 and log.counts["text_change"].failed == 0
    assert log.counts["text_change_rate"].passed == 2
    assert failures(log) == []


def test_yoy_increase_and_budget_comparison():
    body = ("六、一般公共预算财政拨款基本支出决算情况说明\n\n"
            "2022年度一般公共预算财政拨款基本支出47480880.86元，其中：人员经费47453880.86元，"
            "公用经费27000元。支出具体情况如下：\n\n"
            "1. 工资福利支出47453880.86元，较2022年度年初预算数37100800元增加10353080.86元，增长"
            "27.91%，主要原因是追加养老保险；较2021年度决算数41374492.35元增加6079388.51元，增长"
            "14.69%。\n\n"
            "2. 无资本性支出（基本建设）。\n\n"
            "3. 资本性支出27000元，与2022年度年初预算数27400元，基本持平。\n")
    res, log = parse(body)
    f = facts_of(res, "econ:301")
    assert f[("econ:301", "budget")]["value"] == D("37100800")
    assert f[("econ:301", "change_vs_budget")]["value"] == D("10353080.86")
    assert f[("econ:301", "change_rate_vs_budget")]["value"] == D("0.2791")
    assert f[("econ:301", "change_rate_vs_budget")]["reason"] == "追加养老保险"
    assert f[("econ:301", "prior")]["value"] == D("41374492.35")
    assert f[("econ:301", "change")]["value"] == D("6079388.51")
    assert f[("econ:301", "change_rate")]["value"] == D("0.1469")
    assert f[("econ:301", "change_rate")]["reason"] is None
    zero = facts_of(res, "econ:309")[("econ:309", "actual")]
    assert zero["value"] == 0 and zero["text"].endswith("无资本性支出（基本建设）")
    assert facts_of(res, "econ:310")[("econ:310", "budget")]["value"] == D("27400")
    assert {f["section"] for f in res.facts if f["subject"].startswith("econ:")} == {"六1", "六2", "六3"}
    for check in ("text_budget_change", "text_budget_change_rate", "text_change", "text_change_rate"):
        assert log.counts[check].run == 1 and log.counts[check].failed == 0, check
    # personnel + public = basic; Σ economic classes = basic
    assert log.counts["text_parts_sum"].run == 2 and log.counts["text_parts_sum"].failed == 0


def test_wrong_change_is_error_and_wrong_rate_is_warning():
    body = ("十、其他重要事项的情况说明\n\n（一）机关运行经费支出情况说明\n\n"
            "2022年度本部门机关运行经费支出 3743208.12 元，比 2021 年度 4082482.28 元减少 339274.00 元，"
            "下降 8.41%。主要原因是疫情期间培训费减少。\n")
    res, log = parse(body)
    f = facts_of(res, "admin_operating")
    assert f[("admin_operating", "change")]["value"] == D("-339274.00")
    assert f[("admin_operating", "change_rate")]["reason"] == "疫情期间培训费减少"
    ch = failures(log, "text_change")
    assert len(ch) == 1 and ch[0].severity == "error"
    assert ch[0].expected == "-339274.16" and ch[0].found == "-339274"
    assert ch[0].location == "t.txt:7"
    rt = failures(log, "text_change_rate")
    assert len(rt) == 1 and rt[0].severity == "warning"
    assert rt[0].expected == "-8.31%" and rt[0].found == "-8.41%"


# ---------------------------------------------------------------- shares
def test_income_shares_and_stated_zeros():
    body = ("二、收入决算情况说明\n\n2022 年度收入合计 95032215.28 元，其中：财政拨款收入 "
            "91873925.49 元，占 96.68%；无上级补助收入；无事业收入；无经营收入；无附属单位上缴收入；"
            "其他收入 3158289.79 元，占 3.32%。\n")
    res, log = parse(body)
    f = facts_of(res)
    assert f[("income", "actual")]["value"] == D("95032215.28")
    assert f[("income_fiscal", "share")]["value"] == D("0.9668")
    assert f[("income_other", "share")]["value"] == D("0.0332")
    for s in ("income_superior", "income_business", "income_operating", "income_affiliated"):
        assert f[(s, "actual")]["value"] == 0 and f[(s, "actual")]["text"].startswith("无")
    assert log.counts["text_share"].run == 2 and log.counts["text_share"].failed == 0
    assert log.counts["text_parts_sum"].passed == 1


def test_share_with_stated_base_and_wrong_class_share():
    body = ("五、一般公共预算财政拨款支出决算情况说明\n\n"
            "(一) 一般公共预算财政拨款支出决算总体情况。2022年度一般公共预算财政拨款支出 91254414.24 元，"
            "占本年支出合计 93404992.41 元的 97.70%。\n\n"
            "(二) 一般公共预算财政拨款支出决算结构情况。\n\n"
            "2022 年度一般公共预算财政拨款支出 91254414.24 元，主要用于以下方面：一般公共服务（类）支出 "
            "45627207.12 元，占 50.00%；资源勘探信息（类）支出 45627207.12 元，占 49.00%。\n")
    res, log = parse(body)
    f = facts_of(res, section="五(一)")
    assert f[("gpb_expenditure", "share_base")]["value"] == D("93404992.41")
    assert f[("gpb_expenditure", "share")]["value"] == D("0.9770")
    c = facts_of(res, section="五(二)")
    assert c[("gpb_class:201", "actual")]["value"] == D("45627207.12")
    assert c[("gpb_class:215", "share")]["value"] == D("0.49")
    bad = failures(log, "text_share")
    assert len(bad) == 1 and bad[0].severity == "warning" and bad[0].expected == "50%"
    assert log.counts["text_share"].run == 3


def test_gpb_class_code_table():
    assert gpb_class_code("资源勘探信息（类）支出") == "215"
    assert gpb_class_code("资源勘探工业信息等支出") == "215"
    assert gpb_class_code("一般公共服务支出") == "201"
    assert gpb_class_code("社会保障和就业") == "208"
    assert gpb_class_code("不存在的类") is None


# ---------------------------------------------------------------- budget vs outturn items
DETAIL = ("五、一般公共预算财政拨款支出决算情况说明\n\n"
          "(三) 一般公共预算财政拨款支出决算具体情况。2022 年度一般公共预算财政拨款支出年初预算为 "
          "3291600 元，支出决算为 5805683.32 元，完成年初预算的 176.38%。其中：\n\n"
          "1. 社会保障和就业支出（208）行政事业单位养老支出（05）机关事业单位职业年金缴费支出（06）。"
          "年初预算为 1291600 元，支出决算为 4527683.32 元，完成年初预算的 350.55%，决算数大于预算数"
          "的原因是本年追加补缴职业年\n\n金经费等。\n\n"
          "2. 卫生健康支出（210）公共卫生（04）突发公共卫生事件应急处理（10）。无年初预算，支出决算为 "
          "1278000 元，主要为疫情防控专项支出。\n\n"
          "3. 资源勘探工业信息等支出（215）制造业（02）其他制造业支出（99）。无年初预算，本年追加工业互联网"
          "建设和应用试点示范项目预算 1300000 元，当年未支出。\n\n"
          "4. 住房保障支出（221）住房改革支出（02）购房补贴（03）。年初预算为2000000元，支出决算为"
          "0元，完成年初预算的100%。\n")


def test_budget_outturn_items():
    res, log = parse(DETAIL)
    items = res.budget_outturn
    assert [i["code"] for i in items] == ["2080506", "2100410", "2150299", "2210203"]
    i1 = items[0]
    assert (i1["item_no"], i1["class_name"], i1["kuan_name"], i1["xiang_name"]) == (
        1, "社会保障和就业支出", "行政事业单位养老支出", "机关事业单位职业年金缴费支出")
    assert i1["initial_budget"] == D("1291600") and i1["actual"] == D("4527683.32")
    assert i1["stated_completion_rate"] == D("3.5055") and i1["stated_rate_places"] == 2
    # the sentence runs over a page break: joined without a gap, line of the item start
    assert i1["explanation"] == "决算数大于预算数的原因是本年追加补缴职业年金经费等"
    assert i1["line"] == 7 and i1["note"] is None
    i2 = items[1]
    assert i2["initial_budget"] is None and i2["actual"] == D("1278000")
    assert i2["stated_completion_rate"] is None
    assert i2["explanation"] == "主要为疫情防控专项支出"
    assert i2["note"].startswith("无年初预算")
    i3 = items[2]
    assert i3["initial_budget"] is None and i3["actual"] == 0
    assert i3["adjusted_budget"] == D("1300000") and i3["explanation"] is None
    assert "当年未支出" in i3["note"] and "1300000" in i3["note"]
    # the total sentence goes to facts
    t = facts_of(res, "gpb_budget")
    assert t[("gpb_budget", "budget")]["value"] == D("3291600")
    assert t[("gpb_budget", "actual")]["value"] == D("5805683.32")
    assert t[("gpb_budget", "completion_rate")]["value"] == D("1.7638")
    # checks: item 4 states 100% for 0/2000000 → warning; Σ initial 3291600 ✓,
    # Σ actual 5805683.32 ✓
    bad = failures(log, "text_completion_rate")
    assert len(bad) == 1 and bad[0].location == "t.txt:15" and bad[0].expected == "0%"
    assert log.counts["text_completion_rate"].run == 3
    assert log.counts["text_budget_outturn_sum"].run == 2
    assert failures(log, "text_budget_outturn_sum") == []
    assert unextracted_numbers(res) == []


def test_budget_outturn_sum_mismatch_is_error():
    res, log = parse(DETAIL.replace("3291600 元，支出决算为 5805683.32", "3291700 元，支出决算为 5805683.32"))
    bad = failures(log, "text_budget_outturn_sum")
    assert len(bad) == 1 and bad[0].severity == "error"
    assert (bad[0].expected, bad[0].found) == ("3291700", "3291600")


# ---------------------------------------------------------------- 三公
SANGONG = ("七、财政拨款“三公”经费支出决算情况说明\n\n（一）“三公”经费财政拨款支出决算总体情况说明。\n\n"
           "2022年度“三公”经费财政拨款支出预算为581900元，支出决算为217384.02元，完成预算的37.36%，"
           "2022年度“三公”经费支出决算数小于预算数的主要原因是厉行节约。\n\n"
           "2022年度“三公”经费财政拨款支出决算数217384.02元，比2021年度312807.83元减少95423.81元，"
           "下降30.51%，其中：因公出国（境）费支出决算0元，2021年度决算支出0元；公务用车购置及运行费"
           "支出决算206187.02元，比2021年度272471.83元减少66284.81元，下降24.33%；公务接待费支出决算"
           "11197元，比2021年度40336元减少29139元，下降72.24%；公务接待费支出减少的主要原因是疫情。\n\n"
           "（二）“三公”经费财政拨款支出决算具体情况说明。\n\n"
           "1. 因公出国（境）费预算为147900元，无支出；2021年\n\n无支出。决算数较上年无增减变动。"
           "2022年度因公出国（境）团组数0个，累计因公出国（境）人次数0人次。\n\n"
           "2. 公务用车购置及运行维护费预算为316300元，支出决算为206187.02元，完成预算的65.19%。\n\n"
           "其中：**公务用车购置费**支出为0元，购置数为0辆，**公务用车运行维护费**支出206187.02元。"
           "截至2022年12月31日开支财政拨款的公务用车保有量为16辆。\n\n"
           "3. 公务接待费预算为117700元，支出决算为11197元，完成预算的9.51%。其中：国内接待费支出"
           "11197元。无国（境）外接待费支出。2022年度国内公务接待批次8个，国内公务接待人次61人。\n")


def test_sangong_statement():
    res, log = parse(SANGONG)
    s = facts_of(res, "sangong", "七(一)")
    assert s[("sangong", "budget")]["value"] == D("581900")
    assert s[("sangong", "actual")]["value"] == D("217384.02")
    assert s[("sangong", "completion_rate")]["value"] == D("0.3736")
    assert s[("sangong", "completion_rate")]["reason"] == "厉行节约"
    assert s[("sangong", "change")]["value"] == D("-95423.81")
    r = facts_of(res, "sangong_reception", "七(一)")
    assert r[("sangong_reception", "change_rate")]["reason"] == "疫情"
    a = facts_of(res, "sangong_abroad", "七(二)1")
    assert a[("sangong_abroad", "actual")]["value"] == 0
    assert a[("sangong_abroad", "prior")]["value"] == 0 and a[("sangong_abroad", "prior")]["year"] == 2021
    assert a[("sangong_abroad", "prior")]["line"] == 15      # "无支出" after the page break
    assert a[("sangong_abroad", "change")]["value"] == 0
    f = facts_of(res)
    assert f[("abroad_groups", "count")]["value"] == 0
    assert f[("abroad_persons", "count")]["value"] == 0
    assert f[("sangong_vehicle_purchase", "actual")]["value"] == 0
    assert f[("vehicles_purchased", "count")]["value"] == 0
    assert f[("sangong_vehicle_operation", "actual")]["value"] == D("206187.02")
    assert f[("vehicle_fleet", "count")]["value"] == 16
    assert f[("sangong_reception_foreign", "actual")]["value"] == 0
    assert f[("reception_domestic_batches", "count")]["value"] == 8
    assert f[("reception_domestic_persons", "count")]["value"] == 61
    # abroad + vehicle + reception for actual, budget, prior; purchase + operation;
    # domestic + foreign
    assert log.counts["text_parts_sum"].run == 5
    assert failures(log) == []
    assert log.counts["text_completion_rate"].run == 3
    assert unextracted_numbers(res) == []


def test_sangong_wrong_completion_rate_warns():
    res, log = parse(SANGONG.replace("完成预算的65.19%", "完成预算的56.19%"))
    bad = failures(log)
    assert len(bad) == 1 and bad[0].check == "text_completion_rate"
    assert bad[0].severity == "warning" and bad[0].expected == "65.19%"


# ---------------------------------------------------------------- procurement and assets
PROCUREMENT = ("十、其他重要事项的情况说明\n\n（二）政府采购情况说明\n\n"
               "2022 年度本部门政府采购支出总额 4218663 元。其中：政府采购货物支出 115213 元、政府采购工程"
               "支出 1640 元、政府采购服务 4101810 元。授予中小企业合同金额 4215383 元，占政府采购支出总额的 "
               "99.92%，其中：授予小微企业合同金额 4215383 元，占授予中小企业合同金额的 100%，货物采购授予"
               "中小企业合同金额占货物支出金额的 100%，工程采购授予中小企业合同金额占工程支出金额的 100%，"
               "服务采购授予中小企业合同金额占服务支出金额的 100%，。\n")


def test_procurement():
    res, log = parse(PROCUREMENT)
    f = facts_of(res)
    assert f[("procurement", "actual")]["value"] == D("4218663")
    assert f[("procurement_goods", "actual")]["value"] == D("115213")
    assert f[("procurement_works", "actual")]["value"] == D("1640")
    assert f[("procurement_services", "actual")]["value"] == D("4101810")
    assert f[("procurement_sme", "actual")]["value"] == D("4215383")
    assert f[("procurement_sme", "share")]["value"] == D("0.9992")
    assert f[("procurement_small_micro", "share")]["value"] == 1
    for c in ("goods", "works", "services"):
        assert f[(f"procurement_{c}_sme", "share")]["value"] == 1
    assert log.counts["text_parts_sum"].passed == 1
    assert log.counts["text_share"].run == 2 and log.counts["text_share"].failed == 0
    bad = failures(log)
    assert [b.check for b in bad] == ["text_procurement_sme_consistency"]
    assert (bad[0].severity, bad[0].expected, bad[0].found) == ("warning", "4218663", "4215383")


def test_assets():
    body = ("十、其他重要事项的情况说明\n\n（三）国有资产占有使用情况说明\n\n"
            "截至 2022 年 12 月 31 日，本部门房屋面积 33289.56 平方米，共有车辆 16 辆，其中：领导干部用车 1 辆、"
            "机要通信用车 1 辆、应急保障用 1 辆、执法执勤用车 0 辆、其他用车 12 辆；单价 100 万元以上专用设备 "
            "0 台（套）。\n")
    res, log = parse(body)
    f = facts_of(res)
    assert f[("floor_area", "area_m2")]["value"] == D("33289.56")
    assert f[("vehicles", "count")]["value"] == 16
    assert f[("vehicles:应急保障用", "count")]["value"] == 1
    assert f[("vehicles:其他用车", "count")]["value"] == 12
    assert f[("equipment_over_1m", "count")]["value"] == 0
    bad = failures(log, "text_parts_sum")
    assert len(bad) == 1 and (bad[0].expected, bad[0].found) == ("16", "15")
    assert unextracted_numbers(res) == []
    # dates are skipped unless asked for
    assert (7, "2022") in unextracted_numbers(res, include_dates=True)


# ---------------------------------------------------------------- performance and scores
PERF = ("十、其他重要事项的情况说明\n\n（四）预算绩效管理工作开展情况说明\n\n"
        "1. 绩效管理工作开展情况。 其中一般公共预算项目 3 个（含 1 个上年结转项目合计 736.03 万元、"
        "1 个随同 2022 年部门预算告知事项项目 8311.63 万元），包含一级项目 3 个，二级项目 0 个，共涉及资金 "
        "11100.03 万元，占一般公共预算项目支出总额的 100%。\n\n无政府性基金预算项目。\n\n"
        "2. 项目绩效自评结果。\n\n根据年初设定的绩效目标，2022 年项目支出绩效自评 3 个项目具体评分如下：\n\n"
        "（1）“工业稳增长及专项业务经费”项目自评得分为 96.7 分；（2）“宁夏企业公共服务平台（168 平台）"
        "运维升级费”项目自评得分\n\n为 91.06 元；(3) “节能监察、监测等经费（2021 年）”项目自评得分为 100 分。\n")


def test_perf_counts_and_scores_with_unit_typo():
    res, log = parse(PERF)
    f = {(x["subject"], x["measure"]): x["value"] for x in res.facts}
    assert f[("perf_projects", "count")] == 3
    assert f[("perf_carryover", "count")] == 1
    assert f[("perf_carryover", "amount")] == D("7360300")
    assert f[("perf_notice", "amount")] == D("83116300")
    assert f[("perf_funds", "amount")] == D("111000300")
    assert f[("perf_funds", "share")] == 1
    assert f[("perf_projects_level2", "count")] == 0
    sc = res.project_scores
    assert [(s["no"], s["score"], s["unit_word"]) for s in sc] == [
        (1, D("96.7"), "分"), (2, D("91.06"), "元"), (3, D("100"), "分")]
    assert sc[1]["project"] == "宁夏企业公共服务平台（168平台）运维升级费"
    assert sc[1]["line"] == 17          # the score itself sits after the line break
    assert sc[2]["project"] == "节能监察、监测等经费（2021年）"
    assert log.counts["text_unit_word"].run == 3
    bad = failures(log)
    assert [(b.check, b.severity, b.found) for b in bad] == [("text_unit_word", "warning", "元")]
    assert unextracted_numbers(res) == []


# ---------------------------------------------------------------- other wording, leftovers
def test_combined_subject_in_wan_yuan():
    body = ("一、收入支出决算总体情况说明\n2022年度收入、支出决算总计1,234.56万元。与2021年度相比，"
            "收、支总计各减少100.00万元，下降7.49%。\n")
    res, log = parse(body)
    f = facts_of(res)
    for s in ("total_income", "total_expenditure"):
        assert f[(s, "actual")]["value"] == D("12345600")
        assert f[(s, "actual")]["unit"] == "万元"
        assert f[(s, "change")]["value"] == D("-1000000")
        assert f[(s, "change_rate")]["value"] == D("-0.0749")


def test_unextracted_numbers_lists_unread_figures():
    body = ("十、其他重要事项的情况说明\n\n（一）机关运行经费支出情况说明\n\n"
            "2022年度本部门机关运行经费支出 3743208.12 元，另有说明 12345 元。神秘数字 77。\n")
    res, _ = parse(body)
    assert unextracted_numbers(res) == [(7, "77")]


def test_bad_range_raises():
    doc = Document.from_text("abc\n无关内容\n")
    with pytest.raises(ParseError):
        parse_explanation(doc, 2, 2, CheckLog("x"), 2022)
    with pytest.raises(ParseError):
        parse_explanation(doc, 5, 9, CheckLog("x"), 2022)


@pytest.mark.parametrize("text,category", [
    ("决算数大于预算数的原因是本年追加补缴职业年金经费等", "追加预算"),
    ("主要为疫情防控专项支出", "疫情影响"),
    ("决算数小于预算数的主要原因是政府采购项目尾款于下年度支付等", "尾款下年支付"),
    ("决算数与预算数基本持平", "基本持平"),
    ("主要原因为支付以前年度中小企业非公经济发展专项资金", "以前年度资金"),
    ("主要为本年追加人才专项", "追加预算"),
    ("主要用于专项业务", "专项支出"),
    ("落实中央八项规定要求，厉行节约，持续压减三公经费支出", "节约压减"),
    ("加强了公车管理", "其他"),
    (None, "其他"),
])
def test_categorize_reason(text, category):
    assert categorize_reason(text) == category


# ---------------------------------------------------------------- the real report
CODES = ["2010402", "2050899", "2080116", "2080501", "2080502", "2080505", "2080506", "2100410",
         "2101101", "2101102", "2101103", "2111103", "2150299", "2150501", "2150502", "2150517",
         "2150599", "2150805", "2150899", "2159999", "2210201", "2210203"]


@pytest.fixture(scope="module")
def real():
    doc = Document.read(RAW)
    start = doc.find(r"^第三部分", 100)
    end = doc.find(r"^第四部分", start)
    assert (start, end) == (389, 557)
    log = CheckLog(doc.path)
    res = parse_explanation(doc, start, end, log, 2022)
    return doc, res, log


def test_real_budget_outturn(real):
    _, res, log = real
    items = res.budget_outturn
    assert len(items) == 22
    assert [i["code"] for i in items] == CODES
    assert [i["item_no"] for i in items] == list(range(1, 23))
    i7 = items[6]
    assert (i7["initial_budget"], i7["actual"], i7["stated_completion_rate"]) == (
        D("1291600"), D("4527683.32"), D("3.5055"))
    assert i7["explanation"] == "决算数大于预算数的原因是本年追加补缴职业年金经费等"
    assert i7["line"] == 431
    i13 = items[12]
    assert (i13["initial_budget"], i13["actual"], i13["adjusted_budget"]) == (
        None, D("0"), D("1300000"))
    assert items[10]["stated_completion_rate"] == 1 and items[10]["explanation"] is None
    assert items[7]["explanation"] == "主要为疫情防控专项支出"
    assert items[14]["xiang_name"] == "一般行政管理事务" and items[14]["kuan_name"] == "工业和信息产业监管"
    # Σ initial budgets equals the stated 年初预算 79593445.70; Σ outturn the stated 91254414.24
    total_initial = sum(i["initial_budget"] or 0 for i in items)
    assert total_initial == D("79593445.70")
    assert sum(i["actual"] for i in items) == D("91254414.24")
    assert res.get("gpb_budget", "budget") == total_initial
    assert log.counts["text_budget_outturn_sum"].failed == 0
    # completion rates: 18 items with an initial budget, all as stated
    assert sum(1 for i in items if i["initial_budget"]) == 18
    assert categorize_reason(items[14]["explanation"]) == "尾款下年支付"


def test_real_scores_facts_and_checks(real):
    _, res, log = real
    scores = res.project_scores
    assert len(scores) == 30 and [s["no"] for s in scores] == list(range(1, 31))
    assert [s["no"] for s in scores if s["unit_word"] == "元"] == [27]
    assert scores[26]["score"] == D("91.06") and scores[26]["line"] == 547
    assert len(res.facts) == 177
    assert unextracted_numbers(res) == []
    failing = sorted({f.check for f in log.findings if f.severity != "info"})
    assert failing == ["text_procurement_sme_consistency", "text_unit_word"]
    assert [f.severity for f in log.findings if f.severity != "info"] == ["warning", "warning"]
    runs = {k: (c.run, c.failed) for k, c in log.counts.items()}
    assert runs["text_change"] == (16, 0)
    assert runs["text_change_rate"] == (15, 0)
    assert runs["text_completion_rate"] == (22, 0)
    assert runs["text_share"] == (14, 0)
    assert runs["text_parts_sum"] == (12, 0)
    assert runs["text_unit_word"] == (30, 1)
    infos = [f for f in log.findings if f.severity == "info"]
    assert {f.check for f in infos} == {"text_function_names"}


def test_real_fact_values(real):
    _, res, _ = real
    g = res.get
    assert g("total_income", "actual") == D("106054725.92")
    assert g("total_income", "change_rate") == D("-0.1223")
    assert g("fiscal_expenditure_total", "change") == D("-11361213.77")
    assert g("gpb_expenditure", "share") == D("0.9770")
    assert g("gpb_class:215", "actual") == D("46284184.32")
    assert g("basic", "actual") == D("64694834.19")
    assert g("econ:302", "change_rate_vs_budget") == D("-0.1551")
    assert g("sangong", "budget") == D("581900")
    assert g("sangong_vehicle", "completion_rate") == D("0.6519")
    assert g("admin_operating", "prior") == D("4082482.28")
    assert g("procurement_sme", "actual") == D("4215383")
    assert g("floor_area", "area_m2") == D("33289.56")
    assert g("vehicles:其他用车", "count") == 13
    assert g("perf_funds", "amount") == D("111000300")
    assert g("gov_fund_expenditure", "actual") == 0
    keys = {"section", "subject", "measure", "value", "places", "year", "text", "line", "unit",
            "reason"}
    for f in res.facts:
        assert set(f) == keys
        assert 389 <= f["line"] <= 557
        assert isinstance(f["value"], D)
        assert (f["places"] is not None) == (f["unit"] == "%")
    rate = next(f for f in res.facts if f["subject"] == "econ:301" and f["measure"] == "change_rate")
    assert (rate["section"], rate["line"], rate["year"]) == ("六1", 473, 2022)


# (the parser's speed is measured by `make bench`: benchmarks/prose_speed.py)


# ---------------------------------------------------------------- property: any figures, any breaks
cents = st.integers(min_value=100, max_value=10**11).map(lambda n: D(n) / 100)


@settings(max_examples=60, deadline=None)
@given(actual=cents, prior=cents, wan=st.booleans(), spaced=st.booleans(),
       cut=st.floats(min_value=0, max_value=1))
def test_yoy_sentence_any_figures(actual, prior, wan, spaced, cut):
    if actual == prior:
        return
    unit = "万元" if wan else "元"
    change = actual - prior
    rate = round_half_up(abs(change) / prior * 100, 2)
    up = change > 0
    sp = " " if spaced else ""
    sentence = (f"2022{sp}年度本部门机关运行经费支出{sp}{actual}{sp}{unit}，比{sp}2021{sp}年度{sp}{prior}"
                f"{sp}{unit}{'增加' if up else '减少'}{sp}{abs(change)}{sp}{unit}，"
                f"{'增长' if up else '下降'}{sp}{rate}%。主要原因是压减。")
    k = int(cut * (len(sentence) - 1))
    sentence = sentence[:k] + "\n\n" + sentence[k:]          # a page break anywhere
    res, log = parse("十、其他重要事项的情况说明\n\n（一）机关运行经费支出情况说明\n\n" + sentence + "\n")
    f = facts_of(res, "admin_operating")
    factor = 10000 if wan else 1
    assert f[("admin_operating", "actual")]["value"] == actual * factor
    assert f[("admin_operating", "prior")]["value"] == prior * factor
    assert f[("admin_operating", "change")]["value"] == change * factor
    assert f[("admin_operating", "change_rate")]["value"] == (rate if up else -rate) / 100
    assert log.counts["text_change"].failed == 0 and log.counts["text_change_rate"].failed == 0
    assert unextracted_numbers(res) == []
