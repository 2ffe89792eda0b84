"""Checks that cannot run are skipped with the reason, never failed: one absent table is one
error.  And figures inside a stated reason are facts about the reason's subject."""
from __future__ import annotations

import collections
from decimal import Decimal as D
from pathlib import Path

import pytest

from juesuan.extract.prose.explanation import parse_explanation
from juesuan.findings import CheckLog
from juesuan.clean.pipeline import parse_report
from juesuan.source import Document

ROOT = Path(__file__).resolve().parents[1]
RAW22 = ROOT / "data/raw/2022/nxgxt"
SOURCE = RAW22 / "000_5cdd05a1ee12ee26.txt"


def test_skip_is_counted_with_its_reason_and_makes_no_finding():
    log = CheckLog("t.txt")
    log.skip("x01_02", "公开02 absent")
    log.skip("x01_02", "公开02 absent")
    log.record("x01_02", True, severity="error", message="")
    assert not log.amounts("text_vs_table", None, D(1), what="x")
    assert log.findings == []
    rows = {r["check"]: r for r in log.summary_rows()}
    assert rows["x01_02"] == {"check": "x01_02", "run": 1, "passed": 1, "failed": 0, "skipped": 2,
                              "skip_reason": "公开02 absent"}
    assert (rows["text_vs_table"]["run"], rows["text_vs_table"]["skipped"]) == (0, 1)
    assert "a value is missing" in rows["text_vs_table"]["skip_reason"]


def without_lines(tmp_path, first: int, stop: int) -> Path:
    folder = tmp_path / "2022" / "nxgxt"
    folder.mkdir(parents=True)
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    del lines[first - 1:stop - 1]
    (folder / "report.txt").write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def seed():
    return parse_report(RAW22)


def new_findings(rep, seed):
    old = collections.Counter((f.check, f.severity) for f in seed.log.findings)
    new = collections.Counter((f.check, f.severity) for f in rep.log.findings)
    return new - old


@pytest.mark.parametrize("first,stop,tid,skipped", [
    (257, 294, "公开05", ("x04_05", "x05_06", "x03_05", "outturn_vs_05", "sum_to_total")),
    (93, 139, "公开01", ("x01_02", "x01_03", "x01_04", "income_sources_sum", "text_vs_table")),
    (294, 341, "公开06", ("x05_06", "econ_class_sum", "text_vs_table")),
])
def test_one_absent_table_is_one_error(tmp_path, seed, first, stop, tid, skipped):
    rep = parse_report(without_lines(tmp_path, first, stop))
    assert new_findings(rep, seed) == {("table_present", "error"): 1}
    absent = [f for f in rep.log.findings if f.check == "table_present"]
    assert len(absent) == 1 and absent[0].table == tid
    for check in skipped:
        c = rep.log.counts[check]
        assert c.skipped >= 1 and any(tid in r for r in c.reasons), (check, c)
    frame_rows = {r["check"]: r for r in rep.log.summary_rows()}
    assert frame_rows["x05_06" if tid != "公开01" else "x01_02"]["skip_reason"]


def test_checks_frame_has_the_skipped_columns(seed):
    from juesuan.clean.frames import checks
    df = checks(seed)
    assert {"skipped", "skip_reason"} <= set(df.columns)
    assert (df.run == df.passed + df.failed).all()


# ---------------------------------------------------------------- reason sentences
HEAD = "第三部分 2022 年度部门决算情况说明\n\n"
BODY = ("三、支出决算情况说明\n\n"
        "2022 年度本年支出合计 9000 万元，与上年 8000 万元相比，增加 1000 万元，增长 12.5%。"
        "主要原因：{reason}\n")


def parse(reason: str):
    doc = Document.from_text(HEAD + BODY.format(reason=reason))
    log = CheckLog("t.txt")
    return parse_explanation(doc, 1, len(doc.lines), log, 2022), log


def test_figure_in_a_reason_is_about_the_reasons_subject():
    res, log = parse("项目支出增加，较上一年度增加1133.95万元。")
    assert [f for f in log.findings if f.severity != "info"] == []
    changes = {f["subject"]: f["value"] for f in res.facts if f["measure"] == "change"}
    assert changes == {"expenditure": D("10000000"), "expenditure_project": D("11339500.00")}


def test_figure_in_a_reason_without_a_subject_is_not_a_restatement():
    res, log = parse("人员增加，较上一年度增加1133.95万元。")
    assert [f for f in log.findings if f.severity != "info"] == []
    assert [f["value"] for f in res.facts if f["measure"] == "change"] == [D("10000000")]


def test_a_real_restatement_outside_a_reason_still_fails():
    doc = Document.from_text(HEAD + BODY.format(reason="人员增加。") +
                             "本年支出合计比上年增加1133.95万元。\n")
    log = CheckLog("t.txt")
    parse_explanation(doc, 1, len(doc.lines), log, 2022)
    assert [f.check for f in log.findings if f.severity == "error"] == ["text_repeated_figure"]
