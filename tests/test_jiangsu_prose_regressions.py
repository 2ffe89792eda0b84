"""Regression tests for false findings met when the 江苏 2017–2019 budgets were first read through the
budget prose engine (lead's merge of h23b and h23c), each with the sentence and rows as the PDFs print them."""
from decimal import Decimal as D

from juesuan.extract.prose.budget_text import parse_budget_text
from juesuan.extract.tabular.tables import Row, Table
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate.budget import check_items_cover, check_text_vs_tables


def table(tid, rows, key="total"):
    t = Table(tid, tid, columns={"": [(key, "合计")]}, unit="万元")
    for code, name, amount in rows:
        t.rows.append(Row(100 + len(t.rows), f"func:{code}", name, code, values={key: D(amount)}))
    return t


def run(lines, tables, year):
    log = CheckLog("r.pdf")
    bt = parse_budget_text(Document("r.pdf", list(lines)), set(), tables, log, year)
    check_text_vs_tables(bt.facts, tables, log)
    check_items_cover(bt.items, tables, log)
    return bt, log


def bad(log):
    return [(f.check, f.severity, f.message) for f in log.findings if f.severity != "info"]


# 2017/jszx-yusuan, text p7–8: the classes under （二）支出预算总计 are all the department's money; 表五 (预算05,
# 财政拨款) has 201 = 6,463.55, 表一's 功能分类 side (预算01) 6,543.55 (with 80.00 of 其他资金).  Before: an error
# "预算05 has 64635500 元" on p7:162; the text agrees with 预算01.
JSZX = ["（二）支出预算总计 9,146.79 万元。包括：",
        "1. 一般公共服务（类）支出 6,543.55 万元，主要用于单位",
        "行政运行、一般行政管理事务、政协会议和委员视察等。",
        "2.社会保障和就业（类）支出 1,509.72 万元，主要用于发放",
        "离退休人员离退休金等。"]


def jszx_tables():
    t5 = table("预算05", [("201", "一般公共服务支出", "64635500"), ("20102", "政协事务", "64635500"),
                          ("2010201", "行政运行", "64635500"), ("208", "社会保障和就业支出", "15097200"),
                          ("20805", "行政事业单位离退休", "15097200"),
                          ("2080504", "未归口管理的行政单位离退休", "15097200")])
    t1 = Table("预算01", "收支预算总表", columns={"": [("amount", "金额")]}, unit="万元")
    t1.rows.append(Row(481, "class:201", "一般公共服务支出", "201", values={"amount": D("65435500")}, side="支出"))
    t1.rows.append(Row(488, "class:208", "社会保障和就业支出", "208", values={"amount": D("15097200")}, side="支出"))
    return {"预算05": t5, "预算01": t1}


def test_a_class_stated_for_all_funds_agrees_with_the_summary_table_not_the_fiscal_one():
    bt, log = run(JSZX, jszx_tables(), 2017)
    assert [(i["code"], i["value"]) for i in bt.items] == [("201", D("65435500")), ("208", D("15097200"))]
    assert bad(log) == []
    passed = [f for f in log.findings if f.check == "budget_text_vs_table"]
    assert passed == []          # no finding: both agree, 201 with 预算01 and 208 with 预算05


def test_a_class_figure_that_no_table_prints_is_still_an_error():
    lines = [JSZX[0], "1. 一般公共服务（类）支出 6,553.55 万元，主要用于单位"]
    _, log = run(lines, jszx_tables(), 2017)
    text = [(c, s, m) for c, s, m in bad(log) if c == "budget_text_vs_table"]
    assert [(c, s) for c, s, _ in text] == [("budget_text_vs_table", "error")]
    assert "6553.55" in text[0][2]


def test_a_text_that_lists_classes_covers_their_items():
    # before: "预算05 2080504 … is not in the text's list of items" although 208 is listed with its amount
    _, log = run(JSZX, jszx_tables(), 2017)
    assert [f for f in log.findings if f.check == "budget_items_cover"] == []


# 2017/jszx-yusuan text p10: 基本支出 listed by 经济分类 in the “X（类）” form; before: a budget_item_code warning
# "names no function code" per class (twice); 表六 (预算06) prints 301 工资福利支出 2,097.51
def test_an_economic_class_heading_is_compared_with_the_basic_expenditure_table():
    lines = ["1、工资福利支出（类）2,097.51 万元，主要用于在职人员工资。",
             "2、对个人和家庭的补助支出（类）2,606.84 万元，主要用于离退休费。"]
    t6 = table("预算06", [("301", "工资福利支出", "20975100"), ("303", "对个人和家庭的补助", "26068400")])
    bt, log = run(lines, {"预算06": t6, **jszx_tables()}, 2017)
    assert [i["subject"] for i in bt.items] == ["econ:301", "econ:303"]
    assert [c for c, _, _ in bad(log) if c != "budget_items_cover"] == []   # (only 2 of the 预算05 items listed)
    lines[0] = lines[0].replace("2,097.51", "2,097.15")
    _, log = run(lines, {"预算06": t6, **jszx_tables()}, 2017)
    assert [(c, s) for c, s, _ in bad(log) if c != "budget_items_cover"] == [("budget_text_vs_table", "error")]


# 2017/jsfy-yusuan p7: “法院（款）一般行政事务管理（项）支出 6,432.89 万元” under the 公共安全 class heading; the table's
# row is 2040502 一般行政管理事务 (the text inverts the words).  Before: budget_item_code warning; now matched by
# its 款 and amount, an info note.
def test_an_item_named_by_its_kuan_and_amount_alone_is_matched():
    lines = ["2．法院（款）一般行政事务管理（项）支出 6,432.89 万元，与上年相比增加 10.00 万元，增长 0.16%。"]
    t5 = table("预算05", [("204", "公共安全支出", "80000000"), ("20405", "法院", "80000000"),
                          ("2040501", "行政运行", "15671100"), ("2040502", "一般行政管理事务", "64328900")])
    bt, log = run(lines, {"预算05": t5}, 2017)
    assert (bt.items[0]["code"], bt.items[0]["match"]) == ("2040502", "class_amount")
    assert [c for c, s, _ in bad(log) if c == "budget_item_code"] == []
