"""Tests for the appendix of project performance self-evaluation tables."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.errors import ParseError
from juesuan.extract.prose import projects as projects_mod
from juesuan.extract.prose.projects import (
    FUND_COLUMNS,
    INDICATOR_COLUMNS,
    PROJECT_COLUMNS,
    parse_projects,
)
from juesuan.findings import CheckLog
from juesuan.source import Document

RAW = Path(__file__).resolve().parents[1] / "data/raw/2022/nxgxt/000_5cdd05a1ee12ee26.txt"
D = Decimal


def T(*cells: str) -> str:
    return "\t".join(cells)


# A standard table: blank 年初预算数, stated rate off by rounding, fund sources
# that do not add up, a cost sub-row without scores, labels broken over lines.
STANDARD = [
    "自治区项目支出绩效自评表",
    "",
    "(2022 年度)",
    "",
    T("项目名称", "", "测试项目 A", "", "", ""),
    T("主管部门", "", "610-某厅", "", "实施单位 610001-某 中心", "", ""),
    T("项目资金 (万元)", "", "年初预 算数", "全年预算 数", "全年执行数", "分值", "执行率", "得分", ""),
    T("", "年度资金总额:", "", "5.29", "4.99", "10", "94.30%", "9.4", ""),
    T("", "其中:当年财政 拨款", "", "", "", "—", "", "—", ""),
    T("", "上年结转资金", "", "5.29", "5.29", "—", "94.30%", "—", ""),
    T("", "其他资 金", "", "", "", "—", "", "—", ""),
    T("年度 总体 目标", "预期目标", "", "", "实际完成情况", "", "", ""),
    T("", "目标文字", "", "", "完成文字", "", "", ""),
    T("绩效 指标", "一级 指标", "二级 指标", "三级指标", "年度指标 值", "实际完成 值", "分 值",
      "得 分", "偏差原因分析 及改进措施"),
    T("", "数量 指标", "指标一", "1项", "1项", "40", "40", ""),
    T("", "产 出 指 标 (50 分)", "成本 指标", "费用甲", "50万元", "40万元", "10", "8", "结余缴回"),
    T("", "", "", "费用乙", "3万元", "3万元", "", "", ""),
    T("效益 指标", "经济 效益 指标", "", "", "", ""),
    "",
    T("标 (30 分)", "社会效 益", "指标二", "提升", "提升", "30", "30", ""),
    T("满意 度 指标 (10 分)", "服务对象满意度", "企业满意度", "≥95%", "≥95%", "10", "9", ""),
    T("总 分", "", "", "", "", "100", "96.4", ""),
    "",
]

# A transfer table: no 年初预算数, rate "100" without %, the reason before the
# scores, a level-1 label split over a page break, a row with one number only,
# and the 总分 merged into the 说明 line.
TRANSFER = [
    "自治区转移支付区域（项目）绩效目标自评表",
    "",
    "（2022 年度）",
    "",
    T("转移支付（项目）名称", "转移项目 B", "", "", ""),
    T("中央主管部门", "工业和信息化部", "", ""),
    T("地方主管部门", "某厅", "资金使用单位", "某单位", "", ""),
    T("资金投入情况（万元）", "", "全年预算数(A)", "全年执行数(B)", "预算执行率(B/A×100%)", "分值", "得分"),
    T("", "年度资金总额：", "70", "70", "100", "10", "10"),
    T("", "其中：中央财政 资金", "", "", "", "—", "—"),
    T("", "地方资金", "70", "70", "100", "—", "—"),
    T("", "其他资金", "", "", "", "—", "—"),
    T("资金管理情况", "", "", "情况说明", "存在问题和改进措施", "—", "—"),
    T("", "分配科学性", "", "严格按照规定分配资金", "", "—", "—"),
    T("绩 效 指 标", "一 级 指 标", "二 级 指 标", "三 级 指 标", "指 标 值", "全 年 实 际 完 成 值",
      "未 完 成 原 因 和 改 进 措 施", "分 值", "得 分"),
    T("", "产出", "数量指标", "储备量", "2000 吨", "1900 吨", "受疫情影响", "30", "28"),
    "",
    T("指标 (50分)", "成本指标", "资金", "70万元", "70万元", "", "20", "20"),
    T("", "", "", "时 效 指 标", "拨付时限", "7 月底前", "100%完成", "", "8"),
    T("效益 指标 (30分)", "社会效益 指标", "保障", "明显", "100%完成", "", "30", "30"),
    T("满意度 指标 (10分)", "服务对象 满意度指 标", "企业满意度", "≥95%", "100%", "", "10", "10"),
    T("说明", "请在此处简要说明中央巡视、各级审计和财政监督中发现的问题", "", "", "", "", "100", "98"),
    "",
]


def parse_lines(lines: list[str]):
    doc = Document.from_text("\n".join(lines), path="mem.txt")
    log = CheckLog(doc.path)
    result = parse_projects(doc, 1, len(doc.lines) + 1, log)
    return doc, log, result


def findings(log: CheckLog, check: str, severity: str | None = None, table: str | None = None):
    return [f for f in log.findings if f.check == check
            and (severity is None or f.severity == severity)
            and (table is None or f.table == table)]


def counts(log: CheckLog, check: str) -> tuple[int, int, int]:
    c = log.counts[check]
    return c.run, c.passed, c.failed


# ------------------------------------------------------------------ unit tests
class TestStandard:
    def setup_method(self):
        self.doc, self.log, self.res = parse_lines(STANDARD)

    def test_project_row(self):
        (p,) = self.res.projects
        assert list(p) == PROJECT_COLUMNS
        assert p["project_no"] == 1 and p["line"] == 1 and p["funds_line"] == 8
        assert p["project"] == "测试项目 A"
        assert p["department"] == "610-某厅"
        assert p["unit"] == "610001-某 中心"
        assert p["layout"] == "standard"
        assert p["initial_budget"] is None          # blank first cell
        assert p["annual_budget"] == D("52900")
        assert p["executed"] == D("49900")
        assert p["execution_rate"] == D("0.943289")
        assert p["stated_execution_rate"] == D("0.9430") and p["stated_rate_places"] == 2
        assert (p["exec_weight"], p["exec_score"]) == (D(10), D("9.4"))
        assert (p["total_weight"], p["score"]) == (D(100), D("96.4"))

    def test_funds_only_rows_with_values(self):
        assert [f["source"] for f in self.res.funds] == ["上年结转资金"]
        (f,) = self.res.funds
        assert list(f) == FUND_COLUMNS
        assert f["initial_budget"] is None
        assert f["annual_budget"] == f["executed"] == D("52900")
        assert f["stated_execution_rate"] == D("0.943") and f["line"] == 10

    def test_indicators(self):
        rows = self.res.indicators
        assert all(list(r) == INDICATOR_COLUMNS for r in rows)
        got = [(r["level1"], r["level2"], r["indicator"], r["target"], r["actual"], r["weight"],
                r["score"], r["deviation"], r["line"]) for r in rows]
        assert got == [
            # level 1 of the first row comes from its level 2 (label sits on the next row)
            ("产出指标", "数量指标", "指标一", "1项", "1项", D(40), D(40), None, 15),
            ("产出指标", "成本指标", "费用甲", "50万元", "40万元", D(10), D(8), "结余缴回", 16),
            # "标 (30 分)" is a fragment; "社会效 益" is completed to 社会效益指标
            ("效益指标", "社会效益指标", "指标二", "提升", "提升", D(30), D(30), None, 20),
            ("满意度指标", "服务对象满意度指标", "企业满意度", "≥95%", "≥95%", D(10), D(9), None, 21),
        ]

    def test_unreadable_cost_row_is_noted_not_dropped(self):
        (f,) = findings(self.log, "project_indicator_unread")
        assert f.severity == "info" and f.location == "mem.txt:17" and f.table == "项目1"
        assert "费用乙" in f.message
        # the label-only line (18) and the blank line are skipped silently
        assert len(findings(self.log, "project_indicator_unread")) == 1

    def test_checks(self):
        log = self.log
        # 94.30% stated, 4.99 / 5.29 = 94.33%
        (f,) = findings(log, "project_execution_rate")
        assert f.severity == "warning" and f.expected == "94.33%" and f.found == "94.3%"
        # 10 × 94.33% = 9.43 → 9.4 passes
        assert counts(log, "project_execution_score") == (1, 1, 0)
        # annual budget adds up, executed does not (5.29 vs 4.99 万元)
        assert counts(log, "project_fund_sources") == (2, 1, 1)
        (f,) = findings(log, "project_fund_sources")
        assert f.severity == "error" and f.expected == "49900" and f.found == "52900"
        # 40 + 10 + 30 + 10 + 10 = 100; 40 + 8 + 30 + 9 + 9.4 = 96.4
        assert counts(log, "project_indicator_weights") == (1, 1, 0)
        assert counts(log, "project_indicator_scores") == (1, 1, 0)
        assert counts(log, "project_total_present") == (1, 1, 0)

    def test_score_mismatch_is_error_without_unreadable_rows(self):
        lines = [x for x in STANDARD if "费用乙" not in x]
        lines = [x.replace("\t9.4\t", "\t9.3\t").replace("96.4", "95") for x in lines]
        _, log, _ = parse_lines(lines)
        (f,) = findings(log, "project_indicator_scores")
        assert f.severity == "error" and f.expected == "95" and f.found == "96.3"
        assert "unreadable" not in f.message
        (f,) = findings(log, "project_execution_score")
        assert f.severity == "warning" and f.expected == "9.4" and f.found == "9.3"

    def test_score_mismatch_is_warning_with_unreadable_rows(self):
        lines = [x.replace("96.4", "95") for x in STANDARD]
        _, log, _ = parse_lines(lines)
        (f,) = findings(log, "project_indicator_scores")
        assert f.severity == "warning" and "1 rows unreadable" in f.message

    def test_overspent_budget_caps_the_execution_score(self):
        lines = [x.replace(T("", "5.29", "4.99", "10", "94.30%", "9.4"),
                           T("", "5", "6", "10", "120%", "10")) for x in STANDARD]
        _, log, res = parse_lines(lines)
        assert res.projects[0]["execution_rate"] == D("1.2")
        assert counts(log, "project_execution_rate") == (1, 1, 0)
        assert counts(log, "project_execution_score") == (1, 1, 0)    # 10 × min(120%, 1)

    def test_whole_number_exec_score_is_read_to_one_decimal(self):
        # 10 × 26% = 2.6; a stated "3" is flagged, a stated "2.6" passes
        def run(score):
            lines = [x.replace(T("", "5.29", "4.99", "10", "94.30%", "9.4"),
                               T("3.5", "3.5", "0.91", "10", "26%", score)) for x in STANDARD]
            _, log, res = parse_lines(lines)
            assert res.projects[0]["initial_budget"] == D(35000)
            return log

        log = run("3")
        (f,) = findings(log, "project_execution_score")
        assert f.expected == "2.6" and f.found == "3"
        assert counts(run("2.6"), "project_execution_score") == (1, 1, 0)


class TestTransfer:
    def setup_method(self):
        self.doc, self.log, self.res = parse_lines(TRANSFER)

    def test_project_row(self):
        (p,) = self.res.projects
        assert p["layout"] == "transfer"
        assert p["project"] == "转移项目 B"
        assert (p["department"], p["unit"]) == ("某厅", "某单位")
        assert p["initial_budget"] is None
        assert p["annual_budget"] == p["executed"] == D(700000)
        assert p["execution_rate"] == D(1)
        assert p["stated_execution_rate"] == D(1) and p["stated_rate_places"] == 0
        assert (p["exec_weight"], p["exec_score"]) == (D(10), D(10))
        assert (p["total_weight"], p["score"]) == (D(100), D(98))

    def test_rate_without_percent_is_noted(self):
        notes = findings(self.log, "project_rate_without_percent", "info")
        assert [f.location for f in notes] == ["mem.txt:9", "mem.txt:11"]
        assert counts(self.log, "project_execution_rate") == (1, 1, 0)

    def test_funds(self):
        assert [(f["source"], f["annual_budget"], f["executed"]) for f in self.res.funds] == [
            ("地方资金", D(700000), D(700000))]

    def test_indicators_reason_before_scores(self):
        got = [(r["level1"], r["level2"], r["indicator"], r["target"], r["actual"], r["deviation"],
                r["weight"], r["score"]) for r in self.res.indicators]
        assert got == [
            ("产出指标", "数量指标", "储备量", "2000 吨", "1900 吨", "受疫情影响", D(30), D(28)),
            ("产出指标", "成本指标", "资金", "70万元", "70万元", None, D(20), D(20)),
            ("效益指标", "社会效益指标", "保障", "明显", "100%完成", None, D(30), D(30)),
            ("满意度指标", "服务对象满意度指标", "企业满意度", "≥95%", "100%", None, D(10), D(10)),
        ]

    def test_one_number_row_unread_and_total_from_note_line(self):
        (f,) = findings(self.log, "project_indicator_unread")
        assert f.location == "mem.txt:19" and "拨付时限" in f.message
        (f,) = findings(self.log, "project_total_in_note")
        assert f.severity == "info" and f.location == "mem.txt:22"
        assert counts(self.log, "project_total_present") == (1, 1, 0)
        assert counts(self.log, "project_indicator_weights") == (1, 1, 0)
        assert counts(self.log, "project_indicator_scores") == (1, 1, 0)


def test_two_tables_numbered_in_order():
    _, log, res = parse_lines(STANDARD + TRANSFER)
    assert [(p["project_no"], p["project"], p["line"]) for p in res.projects] == [
        (1, "测试项目 A", 1), (2, "转移项目 B", len(STANDARD) + 1)]
    assert {r["project_no"] for r in res.indicators} == {1, 2}
    assert {f.table for f in findings(log, "project_indicator_unread")} == {"项目1", "项目2"}


def test_missing_parts_are_errors():
    lines = STANDARD[:5] + ["", "自治区项目支出绩效自评表", ""] + STANDARD[5:]
    _, log, res = parse_lines(lines)
    assert len(res.projects) == 2
    assert res.projects[0]["annual_budget"] is None
    f1, f2 = findings(log, "project_total_present", "error")
    assert f1.table == "项目1" and "年度资金总额" in f1.message and "总分" in f1.message
    assert res.projects[1]["project"] is None
    assert f2.table == "项目2" and "项目名称" in f2.message and "总分" not in f2.message
    assert counts(log, "project_total_present") == (2, 0, 2)


def test_a_broken_table_does_not_stop_the_others(monkeypatch):
    real = projects_mod._TableParser.parse

    def parse(self):
        if self.no == 1:
            raise ValueError("boom")
        return real(self)

    monkeypatch.setattr(projects_mod._TableParser, "parse", parse)
    _, log, res = parse_lines(STANDARD + TRANSFER)
    assert [p["project"] for p in res.projects] == ["转移项目 B"]
    (f,) = findings(log, "project_table_parsed", "error")
    assert f.location == "mem.txt:1" and "boom" in f.message


def test_no_appendix_raises():
    doc = Document.from_text("第五部分 附件\n\n没有表格\n", path="mem.txt")
    with pytest.raises(ParseError) as exc:
        parse_projects(doc, 1, 4, CheckLog(doc.path))
    assert exc.value.file == "mem.txt"


# ------------------------------------------------------------------ the real file
@pytest.fixture(scope="module")
def real():
    doc = Document.read(RAW)
    start = doc.find(r"^第五部分\s*附件", 100)     # line 53 is the table of contents
    assert start == 585
    log = CheckLog(doc.path)
    res = parse_projects(doc, start, len(doc.lines) + 1, log)
    return doc, log, res


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _stated_list(doc: Document) -> list[tuple[int, str, Decimal]]:
    """(no, name, self-score) from the explanation section (lines 543–547)."""
    text = "".join(doc.line(n) for n in range(543, 548))
    items = re.findall(r"[（(]\s*(\d+)\s*[）)]\s*“([^”]+)”项目自评得分\s*为\s*([\d.]+)\s*[分元]", text)
    return [(int(no), name, D(score)) for no, name, score in items]


def test_real_names_and_scores_match_the_explanation(real):
    doc, _, res = real
    stated = _stated_list(doc)
    assert [s[0] for s in stated] == list(range(1, 31))
    assert len(res.projects) == 30
    assert [p["project_no"] for p in res.projects] == list(range(1, 31))
    for (no, name, score), p in zip(stated, res.projects):
        if no == 28:   # the list adds "（2021 年）"; the table's name is the bare name
            assert p["project"] == "节能监察、监测等经费"
            assert _squash(name) == _squash(p["project"]) + "(2021年)"
        else:
            assert _squash(p["project"]) == _squash(name), no
        assert p["score"] == score, no
        assert p["total_weight"] == D(100)
        assert p["exec_weight"] == D(10)
    assert res.projects[6]["project"] == "宁夏企业公共服务平台(168 平台)运维升级费"
    assert [p["layout"] for p in res.projects].count("transfer") == 2
    assert res.projects[28]["layout"] == res.projects[29]["layout"] == "transfer"


def test_real_budget_totals(real):
    _, _, res = real
    total = sum(p["annual_budget"] for p in res.projects)
    # the explanation states 11100.03 万元; the 30 tables add up to 11100.05 万元
    # (checked by hand from the 年度资金总额 lines): a source discrepancy of 200 元
    assert total == D("111000500")
    assert total - D("111000300") == D(200)
    assert sum(p["executed"] for p in res.projects) == D("101702600")
    # the two 告知事项 transfer projects: 70 + 8241.63 = 8311.63 万元, as stated
    assert sum(p["annual_budget"] for p in res.projects[28:]) == D("83116300")
    # every amount is exact: 万元 with at most two decimals → a whole multiple of 100 元
    amounts = [p[c] for p in res.projects for c in ("initial_budget", "annual_budget", "executed")]
    amounts += [f[c] for f in res.funds for c in ("initial_budget", "annual_budget", "executed")]
    assert all(isinstance(a, Decimal) and a % 100 == 0 for a in amounts if a is not None)


def test_real_project_values(real):
    _, _, res = real
    p = res.projects[0]
    assert p["project"] == "工业稳增长及专项业务经费" and p["line"] == 589 and p["funds_line"] == 596
    assert (p["initial_budget"], p["annual_budget"], p["executed"]) == (
        D("4057600"), D("4057600"), D("3137600"))
    assert p["stated_execution_rate"] == D("0.7733") and p["execution_rate"] == D("0.773265")
    assert (p["exec_score"], p["score"]) == (D("7.7"), D("96.7"))
    assert (p["department"], p["unit"]) == (None, None)
    # merged 实施单位 cell
    p6 = res.projects[5]
    assert p6["department"] == "610-自治区工业和信息化厅"
    assert p6["unit"] == "610001-宁夏回族自治区 工业和信息化厅"
    # blank 年初预算数
    assert [p["project_no"] for p in res.projects if p["initial_budget"] is None] == [7, 8, 29, 30]
    p7 = res.projects[6]
    assert (p7["annual_budget"], p7["executed"]) == (D("52900"), D("49900"))
    # rates as written: "10%", "40.00%", "0", "100" (transfer, no %)
    assert res.projects[15]["stated_execution_rate"] == D("0.10")
    assert res.projects[14]["stated_execution_rate"] == D("0.40")
    assert res.projects[14]["stated_rate_places"] == 2
    assert res.projects[24]["stated_execution_rate"] == 0
    assert res.projects[28]["stated_execution_rate"] == 1
    p30 = res.projects[29]
    assert (p30["annual_budget"], p30["executed"]) == (D("82416300"), D("78104200"))
    assert (p30["department"], p30["unit"]) == ("自治区工业和信息化厅", "自治区工业和信息化厅")
    assert p30["score"] == D("98.6")


def test_real_funds(real):
    _, _, res = real
    assert len(res.funds) == 38
    assert {f["source"] for f in res.funds} == {"当年财政拨款", "上年结转资金", "其他资金", "地方资金"}
    carried = [f for f in res.funds if f["source"] == "上年结转资金" and f["annual_budget"]]
    assert [f["project_no"] for f in carried] == [2, 7, 8, 9, 11, 12, 16, 20, 21, 22, 24, 25, 28]
    assert sum(f["annual_budget"] for f in carried) == D("6160500")
    f29 = [f for f in res.funds if f["project_no"] == 29]
    assert [(f["source"], f["annual_budget"], f["line"]) for f in f29] == [
        ("地方资金", D("700000"), 1432)]


# counted by hand from the raw file: the rows between the 绩效指标 header and 总分,
# without blank lines, label-only lines and the six unreadable rows
EXPECTED_INDICATOR_COUNTS = [26, 8, 17, 18, 16, 9, 9, 8, 10, 9, 8, 7, 13, 17, 12, 9, 9, 17, 9,
                             8, 12, 12, 16, 9, 10, 13, 18, 13, 7, 11]


def test_real_indicators(real):
    _, log, res = real
    rows = res.indicators
    assert len(rows) == 360
    per = [sum(1 for r in rows if r["project_no"] == no) for no in range(1, 31)]
    assert per == EXPECTED_INDICATOR_COUNTS
    assert {r["level1"] for r in rows} == {"产出指标", "效益指标", "满意度指标"}
    assert all(r["weight"] is not None and r["score"] is not None for r in rows)
    assert all(r["score"] <= r["weight"] for r in rows)
    assert sum(1 for r in rows if r["level2"] is None) == 1     # 项目12: 满意度 row without level 2
    first = rows[0]
    assert (first["level1"], first["level2"], first["indicator"], first["target"],
            first["weight"], first["score"], first["line"]) == (
        "产出指标", "数量指标", "产业帮扶专项经费", "1项", D(4), D(4), 603)
    by_line = {r["line"]: r for r in rows}
    assert by_line[615]["deviation"].startswith("因本年疫情影响")
    assert by_line[1288]["actual"] == "0" and by_line[1288]["score"] == D(4)
    # transfer layout: the reason precedes the scores
    r = by_line[1482]
    assert (r["indicator"], r["deviation"], r["weight"], r["score"]) == (
        "融资租赁补贴企业户数", "3 家企业受到处罚 取消奖励资格", D(5), D("4.7"))
    assert by_line[1445]["deviation"] is None and by_line[1445]["level1"] == "产出指标"
    # level 1 of table 10 is missing in the source; it follows from the level 2
    assert [by_line[n]["level1"] for n in (880, 881, 882, 883)] == ["产出指标"] * 4
    # the label "社会效益" whose "指标" went to the next line
    assert by_line[781]["level2"] == "社会效益指标"
    # the partial row of table 6 (no indicator name)
    assert by_line[776]["indicator"] is None and by_line[776]["weight"] == D(10)
    unread = findings(log, "project_indicator_unread", "info")
    assert [(f.table, int(f.location.rsplit(":", 1)[1])) for f in unread] == [
        ("项目6", 777), ("项目6", 778), ("项目6", 779), ("项目11", 912), ("项目30", 1485),
        ("项目30", 1486)]


def _failed(log, check):
    return {(f.table, f.severity) for f in findings(log, check)}


def test_real_findings(real):
    _, log, _ = real
    assert counts(log, "project_table_parsed") == (30, 30, 0)
    assert counts(log, "project_total_present") == (30, 30, 0)
    # stated vs recomputed execution rates
    assert _failed(log, "project_execution_rate") == {
        ("项目7", "warning"), ("项目15", "warning"), ("项目16", "warning"), ("项目28", "warning")}
    (f,) = findings(log, "project_execution_rate", table="项目16")
    assert "网络信息系统运行与监测" in f.message and f.expected == "100%" and f.found == "10%"
    # execution scores
    assert _failed(log, "project_execution_score") == {
        ("项目8", "warning"), ("项目24", "warning"), ("项目28", "warning"), ("项目30", "warning")}
    (f,) = findings(log, "project_execution_score", table="项目24")
    assert "智能化能源管理中心示范项目" in f.message and (f.expected, f.found) == ("2.6", "3")
    # fund sources
    assert _failed(log, "project_fund_sources") == {("项目7", "error"), ("项目8", "error")}
    (f,) = findings(log, "project_fund_sources", table="项目7")
    assert "executed" in f.message and (f.expected, f.found) == ("49900", "52900")
    assert log.counts["project_fund_sources"].passed == 84
    # weights and scores add up except in the two tables with unreadable rows
    for check in ("project_indicator_weights", "project_indicator_scores"):
        assert counts(log, check) == (30, 28, 2)
        assert _failed(log, check) == {("项目6", "warning"), ("项目30", "warning")}
    (f,) = findings(log, "project_indicator_weights", table="项目6")
    assert "3 rows unreadable" in f.message and (f.expected, f.found) == ("100", "90")
    (f,) = findings(log, "project_indicator_scores", table="项目30")
    assert "2 rows unreadable" in f.message and (f.expected, f.found) == ("98.6", "85.8")
    # the merged 总分 of the last table
    (f,) = findings(log, "project_total_in_note")
    assert f.table == "项目30" and f.location.endswith(":1495")
    # every amount, rate and header was readable
    assert not findings(log, "project_value") and not findings(log, "project_funds_header")
    # the complete list of warnings and errors
    assert len([f for f in log.findings if f.severity != "info"]) == 14
