"""The reviewer's checks on every real report under data/raw: the exact findings, each read on the
page (or the line of the text file) it names and TRUE in the source — the notes say what it shows.
A report not listed here has no review finding at all (jsfy 2017–2019, wanli 2023–2025, ptczj-yusuan,
ptswj, ptswj-dw, ptzfb, ptzfb-dw).  One source fault, one finding: the folds are literals too."""
import re

import pytest

from juesuan import config
from juesuan.clean.pipeline import discover, parse_report
from juesuan.errors import ParseError
from juesuan.validate.consolidate import CONSEQUENCE

REVIEW = {
    (2022, "nxgxt"): {
        # line 415: “…节能环保（类）支出 644900 元，占 0.71%；；资源勘探信息（类）…” — a doubled ；
        ("info", "review_punctuation", "415"),
        # line 525: “…服务采购授予中小企业合同金额占服务支出金额的 100%，。” — a comma then a full stop
        ("info", "review_punctuation", "525"),
        # lines 415 and 453: 资源勘探信息（类）/ 资源勘探信息等支出（215）, where the tables (lines 117, 233) and
        # the other items (445–455) print 资源勘探工业信息等支出: the text uses the older name (one finding)
        ("warning", "review_class_name", "415"),
    },
    (2024, "ptczj"): {
        # page 14 carries no text at all: only the empty ruled row of 公开04 spilled over from page 13
        ("warning", "review_pages", "p13:204"),
    },
    (2024, "ptsfy-yusuan"): {
        # p16: “（二）公务用车购置及运行费6.40万元，与2023年预算持平，主要原因是。其中：…”
        ("warning", "review_broken", "p16:201"),
    },
    (2025, "shczj-yusuan"): {
        # p21 (a 单位预算): “2025年部门预算安排购置车辆0辆…；部门预算安排购置单价100万元（含）以上设备…”
        ("error", "review_level", "p21:282"),
    },
}

FOLDED = {
    # p21:311 “…2024年度财政拨款收入支出总计0.3万元。” (the tables: 2,961.68 万元): one figure, one finding,
    # although it fails both 收入总计 and 支出总计
    (2024, "ptczj"): {("text_vs_table", "p21:311"): ["财政拨款支出总计"]},
    # p9: 事业单位医疗 printed with the code 7 11 02; the same row in 预算05 (p11:140) and 预算02's 2101102
    # finding no row in 预算03 (p8:91) are its consequences
    (2024, "ptsfy-yusuan"): {("budget_code", "p9:111"): ["（第 140 行）", "（第 91 行）"]},
}


def _at(location: str) -> str:
    m = re.search(r"(p\d+:)?\d+$", location)
    return m.group(0) if m else ""


REPORTS = [(y, d) for y, d, _ in discover()]


@pytest.fixture(scope="module")
def reports():
    out = {}
    for year, dept in REPORTS:
        try:
            out[(year, dept)] = parse_report(config.RAW / str(year) / dept)
        except ParseError:
            out[(year, dept)] = None        # refused before any check (jszx: two documents in one folder)
    return out


@pytest.mark.parametrize("key", REPORTS, ids=[f"{y}-{d}" for y, d in REPORTS])
def test_the_review_findings_of_a_real_report_are_the_true_ones(key, reports):
    rep = reports[key]
    if rep is None:
        pytest.skip("refused before any check")
    got = {(f.severity, f.check, _at(f.location)) for f in rep.log.findings if f.check.startswith("review_")}
    assert got == REVIEW.get(key, set())
    for c in ("review_template", "review_broken", "review_punctuation", "review_year", "review_level"):
        assert rep.log.counts[c].run >= 1, c                     # every check ran on every report
    folded = {(f.check, _at(f.location)): f.message.split(CONSEQUENCE, 1)[1]
              for f in rep.log.findings if CONSEQUENCE in f.message}
    want = FOLDED.get(key, {})
    assert set(folded) == set(want)
    for k, names in want.items():
        assert all(n in folded[k] for n in names), folded[k]


def test_the_wrong_level_twice_in_one_paragraph_is_one_finding(reports):
    rep = reports.get((2025, "shczj-yusuan"))
    if rep is None:
        pytest.skip("not in data/raw")
    f = next(f for f in rep.log.findings if f.check == "review_level")
    assert f.found == "部门预算安排" and "同段共 2 处" in f.message and "第 21 页第 283 行" in f.message
