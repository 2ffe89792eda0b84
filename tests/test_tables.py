"""Unit tests for the public-table parser and its checks, on tiny inline texts."""
from decimal import Decimal as D

from juesuan.extract.tabular.tables import is_column_index_line, parse_tables, place, parse_identities
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate.tables import check_tables

T05 = """第二部分 决算表
一般公共预算财政拨款支出决算表
公开 05 表
金额单位：元
项目\t\t\t本年支出合计\t基本支出\t项目支出
类\t款\t项\t1\t2\t3
\t\t\t合计\t{total}
\t2010402\t一般行政管理事务\t1,000.00\t0.00\t1,000.00
\t2080506\t职业年金缴费支出\t500.50\t500.50\t0.00
注：本表反映……
"""


def parse(text):
    doc = Document.from_text(text, "t.txt")
    log = CheckLog(doc.path)
    tables = parse_tables(doc, 1, len(doc.lines) + 1, log)
    return tables, log


def checks_of(log, name):
    return [f for f in log.findings if f.check == name]


def test_lost_total_is_reconstructed_uniquely():
    tables, log = parse(T05.format(total="500.50\t1,000.00"))
    t = tables["公开05"]
    total = t.find("total")
    assert total.values == {"total": D("1500.50"), "basic": D("500.50"), "project": D("1000.00")}
    assert total.status["total"] == "reconstructed"
    rec = checks_of(log, "reconstructed")
    assert len(rec) == 1 and rec[0].severity == "info" and rec[0].location == "t.txt:7"


def test_complete_total_is_reported_and_checked():
    tables, log = parse(T05.format(total="1,500.50\t500.50\t1,000.00"))
    assert tables["公开05"].find("total").status["total"] == "reported"
    check_tables(tables, log)
    assert log.counts["sum_to_total"].failed == 0 and log.counts["sum_to_total"].run == 3


def test_wrong_total_is_an_error_at_its_line():
    tables, log = parse(T05.format(total="1,500.51\t500.50\t1,000.00"))
    check_tables(tables, log)
    errs = [f for f in log.findings if f.severity in ("error", "warning") and f.check in ("sum_to_total", "row_identity")]
    assert errs and all(f.location == "t.txt:7" for f in errs)
    big, _ = parse(T05.format(total="1,600.50\t600.50\t1,000.00"))
    log2 = CheckLog("t.txt")
    check_tables(big, log2)
    assert any(f.severity == "error" and f.check == "sum_to_total" for f in log2.findings)


def test_ambiguous_placement_is_left_missing_with_a_finding():
    # a detail row with one value for three columns: which column is unknown
    tables, log = parse(T05.format(total="1,500.50\t500.50\t1,000.00").replace(
        "500.50\t500.50\t0.00", "500.50"))
    row = tables["公开05"].find("func:2080506")
    assert all(v is None for v in row.values.values())
    f = checks_of(log, "cell_placement")
    assert f and f[0].severity == "error" and "500.50" in f[0].message


def test_place_drops_a_spurious_zero():
    cols = ["total", "a", "b"]
    ids = parse_identities("total=a+b")
    row, status, dropped = place([D(5), D(5), D(0), D(0)], cols, ids)
    assert row == {"total": D(5), "a": D(5), "b": D(0)} and dropped == [D(0)]


def test_unparseable_cell_is_an_error_not_a_coercion():
    tables, log = parse(T05.format(total="1,500.50\t500.50\t1,000.00").replace("1,000.00\t0.00\t1,000.00", "1,000.00\t0.O0\t1,000.00"))
    f = checks_of(log, "unparseable_cell")
    assert f and f[0].location == "t.txt:8" and "0.O0" in f[0].message


def test_missing_tables_are_findings():
    tables, log = parse(T05.format(total="1,500.50\t500.50\t1,000.00"))
    absent = [f for f in log.findings if f.check == "table_present"]
    assert len(absent) == 8 and all(f.severity == "error" for f in absent)
    assert not tables["公开01"].present


def test_column_index_line():
    assert is_column_index_line(["类", "款", "项", "栏次", "1", "2", "3"])
    assert is_column_index_line(["1", "2", "3", "4"])
    assert not is_column_index_line(["合计", "95,032,215.28", "91,873,925.49"])


T01 = """公开 01 表
金额单位：元
收入\t\t\t支出
项目\t行次\t决算数\t项目(按功能分类)\t行次\t决算数
栏次\t\t1\t栏次\t\t2
一、一般公共预算财政拨款收入\t1\t100.00\t一、一般公共服务支出\t31\t80.00
八、其他收入\t8\t{other}\t二、教育支出\t32\t30.00
\t9\t\t三、住房保障支出\t33\t0.00
本年收入合计\t27\t110.00\t本年支出合计\t59\t110.00
年初结转和结余\t29\t5.00\t年末结转和结余\t61\t5.00
总计\t30\t115.00\t总计\t62\t115.00
注：……
"""


def test_two_sided_balance_checks():
    tables, log = parse(T01.format(other="10.00"))
    t = tables["公开01"]
    assert t.value("income_total", side="收入") == D("110.00")
    assert t.value("class:205", side="支出") == D("30.00")
    check_tables(tables, log)
    for name in ("income_sources_sum", "expense_classes_sum", "grand_total_income",
                 "grand_total_expense", "both_sides_equal"):
        assert log.counts[name].run >= 1 and log.counts[name].failed == 0, name
    # ordinals 一、二、三 in sequence
    assert log.counts["row_ordinals"].failed == 0


def test_two_sided_mismatch():
    tables, log = parse(T01.format(other="12.00"))
    check_tables(tables, log)
    f = [x for x in log.findings if x.check == "income_sources_sum"]
    assert f and f[0].severity == "error" and f[0].expected == "112" and f[0].found == "110"


def test_declared_empty_table():
    text = """公开 09 表
金额单位：元
项目\t\t\t科目名称\t本年支出合计\t基本支出\t项目支出
类\t款\t项\t栏次合计\t1\t2\t3
\t\t\t无
注：本表反映……
某部门无国有资本经营收支。
"""
    tables, log = parse(text)
    t = tables["公开09"]
    assert t.declared_empty and t.rows == []
    assert any(f.check == "table_declared_empty" and f.severity == "info" for f in log.findings)


def test_unknown_header_is_reported():
    text = T05.format(total="1,500.50\t500.50\t1,000.00").replace("项目支出\n", "项目支出\t神秘列\n", 1)
    _, log = parse(text)
    f = checks_of(log, "unknown_header")
    assert f and "神秘列" in f[0].message and f[0].location == "t.txt:5"


# ---------------------------------------------------------------- found by tests/test_fuzz_parsers.py
T06 = """公开 06 表
金额单位：元
人员经费\t\t\t公用经费
科目编码\t科目名称\t金额\t科目编码\t科目名称\t金额
301\t工资福利支出\t400.50\t302\t商品和服务支出\t100.00
30101\t基本工资\t400.50\t30201\t办公费\t100.00
30106\t伙食补助费\t0.00\t30202\t印刷费\t0.00
人员经费合计\t\t400.50\t公用经费合计\t\t100.00
合 计\t\t500.50
注：本表反映……
"""


def problems(log):
    """Error and warning findings, but for the other eight tables' absence."""
    return [(f.check, f.severity, f.location) for f in log.findings
            if f.severity != "info" and f.check != "table_present"]


def test_economic_amount_whose_code_or_name_was_lost_is_an_error():
    tables, log = parse(T06)
    check_tables(tables, log)
    assert problems(log) == [] and tables["公开06"].find("econ:30106") is not None
    # the name (or the code) of the first row on a line lost: the 0.00 was skipped silently
    for lost in ("伙食补助费\t", "30106\t"):
        tables, log = parse(T06.replace("30106\t伙食补助费\t", "30106\t伙食补助费\t".replace(lost, "")))
        check_tables(tables, log)
        assert tables["公开06"].find("econ:30106") is None
        assert ("unparsed_cell", "error", "t.txt:7") in problems(log), lost


def test_economic_total_label_without_amount_is_a_finding():
    tables, log = parse(T06.replace("合 计\t\t500.50", "合 计"))
    assert ("cell_missing", "warning", "t.txt:9") in problems(log)


def test_table_cut_off_before_its_totals_is_an_error():
    cut = "\n".join(line for line in T01.format(other="10.00").split("\n")
                    if not line.startswith(("本年收入合计", "年初结转和结余", "总计")))
    tables, log = parse(cut)
    check_tables(tables, log)
    missing = [f for f in log.findings if f.check == "total_row_missing"]
    assert {f.expected for f in missing} == {"本年收入合计", "收入总计", "本年支出合计", "支出总计"}
    assert all(f.severity == "error" and f.table == "公开01" for f in missing)
    tables, log = parse(T06.replace("人员经费合计\t\t400.50\t公用经费合计\t\t100.00\n", "")
                        .replace("合 计\t\t500.50\n", ""))
    check_tables(tables, log)
    assert {f.expected for f in log.findings if f.check == "total_row_missing"} == {
        "人员经费合计", "公用经费合计"}


def test_total_row_without_detail_rows_is_checked():
    text = T05.format(total="1,500.50\t500.50\t1,000.00")
    text = "\n".join(line for line in text.split("\n") if not line.startswith("\t20"))
    tables, log = parse(text)
    check_tables(tables, log)
    f = [x for x in log.findings if x.check == "sum_to_total"]
    assert len(f) == 3 and all(x.severity == "error" and x.location == "t.txt:7" for x in f)


def test_duplicate_row_is_a_finding():
    text = T01.format(other="10.00").replace("\t9\t\t三、住房保障支出\t33\t0.00\n",
                                              "\t9\t\t三、住房保障支出\t33\t0.00\n" * 2)
    tables, log = parse(text)
    check_tables(tables, log)
    f = [x for x in log.findings if x.check == "duplicate_row"]
    assert len(f) == 1 and f[0].severity == "warning" and f[0].location == "t.txt:9"
    tables, log = parse(T06.replace("30106\t伙食补助费\t0.00\t30202\t印刷费\t0.00\n",
                                    "30106\t伙食补助费\t0.00\t30202\t印刷费\t0.00\n"
                                    "30106\t伙食补助费\t0.00\n"))
    check_tables(tables, log)
    assert [(x.check, x.severity, x.location) for x in log.findings if x.check == "duplicate_row"] \
        == [("duplicate_row", "warning", "t.txt:8")]


T07 = """公开 07 表
金额单位：元
1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12
464000.00\t0.00\t346300.00\t30000.00\t316300.00\t117700.00\t217384.02\t0.00\t206187.02\t0.00\t206187.02\t11197.00
注：本表反映……
"""


def test_sangong_reconstruction_is_a_warning():
    tables, log = parse(T07)
    check_tables(tables, log)
    assert problems(log) == []
    # a lost cell of the single 三公 row: no column sum can verify its reconstruction
    tables, log = parse(T07.replace("\t117700.00", ""))
    row = tables["公开07"].find("sangong")
    assert row.values["budget_reception"] == D("117700.00")
    assert row.status["budget_reception"] == "reconstructed"
    f = checks_of(log, "reconstructed")
    assert len(f) == 1 and f[0].severity == "warning" and f[0].location == "t.txt:4"


def test_x05_06_uses_personnel_plus_public_without_a_06_total_row():
    text = T05.format(total="1,500.50\t500.50\t1,000.00") + T06.replace("合 计\t\t500.50\n", "")
    tables, log = parse(text)
    check_tables(tables, log)
    assert log.counts["x05_06"].run == 1 and log.counts["x05_06"].failed == 0
    tables, log = parse(text.replace("公用经费合计\t\t100.00", "公用经费合计\t\t90.00"))
    check_tables(tables, log)
    assert [f.severity for f in log.findings if f.check == "x05_06"] == ["error"]
