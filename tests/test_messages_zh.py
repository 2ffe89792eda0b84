"""Findings read as Chinese: every finding of every real and generated report gets a Chinese
message with no English words (codes, units, 公开NN and the report's own quoted text allowed)."""
import csv
from pathlib import Path

import pandas as pd
import pytest

from juesuan import config, messages_zh as mz

CLEAN_ROOTS = [config.CLEAN, config.ROOT / "data" / "clean" / ".suite"]


def test_amount_mismatch_names_its_subject_and_unit():
    a = mz.message_zh("text_vs_table", "说明四 财政拨款收入总计 (actual) vs tables: mismatch of -29613800 元",
                      "29616800", "3000")
    b = mz.message_zh("text_vs_table", "说明四 财政拨款支出总计 (actual) vs tables: mismatch of -29613800 元",
                      "29616800", "3000")
    assert a != b and "收入总计" in a and "支出总计" in b
    assert "应为 2,961.68 万元，原文为 0.30 万元" in a and "相差" in a
    assert not mz.english_words(a)


def test_amounts_with_fen_stay_in_yuan():
    m = mz.message_zh("sum_to_total", "公开02 合计 本年收入合计: Σ 4 rows: rounding-size difference of -0.01 元",
                      "95032215.29", "95032215.28")
    assert "95,032,215.29 元" in m and "舍入" in m and not mz.english_words(m)


def test_rate_and_equal_forms():
    r = mz.message_zh("project_execution_rate", "工信厅网络安全改造 execution rate: stated 40%, recomputed 39.64%")
    assert r == "工信厅网络安全改造 预算执行率：原文为 40%，重新计算为 39.64%。"
    e = mz.message_zh("row_ordinals", "公开04: row '其他支出' is numbered 22, expected 23", "23", "22")
    assert "22" in e and "23" in e and not mz.english_words(e)


def test_per_check_templates_are_data():
    m = mz.message_zh("table_declared_empty", "公开09 国有资本经营预算财政拨款支出决算表 is declared empty (无)")
    assert m == "公开09 国有资本经营预算财政拨款支出决算表声明本表无数据（表中写“无”）。"
    m = mz.message_zh("doc_template_text", "第四部分（名词解释）: template text left in 3 line(s) (XXXXXXXX): "
                      "lines p22:366, p22:369, p22:372", "", "XXXXXXXX")
    assert m == "第四部分（名词解释）有 3 行残留模板文字（XXXXXXXX），见第 p22:366, p22:369, p22:372 行。"
    assert {c for c, _, _ in mz.templates()} <= set(mz.titles())


def test_unknown_message_falls_back_to_the_title_never_english():
    m = mz.message_zh("x04_05", "something entirely new happened here", "12", "13", "公开05")
    assert m == "公开05 公开04与公开05的一般公共预算财政拨款支出一致：应为 12，原文为 13。"
    assert mz.message_zh("no_such_check", "brand new words") == "其他核对。"


def test_every_check_has_a_chinese_title():
    with open(config.PACKAGE_DATA / "checks.csv", encoding="utf-8") as fh:
        ids = [r["check"] for r in csv.DictReader(fh)]
    missing = [c for c in ids if c not in mz.titles()]
    assert not missing
    assert all(not mz.english_words(t) or "json" in t for t in mz.titles().values())


def test_add_message_zh_columns():
    f = pd.DataFrame({"check": ["table_present"], "severity": ["error"],
                      "message": ["公开07 财政拨款“三公”经费支出决算表 is absent from the report"],
                      "expected": ["公开07"], "found": [""], "table": ["公开07"]})
    out = mz.add_message_zh(f)
    assert out.severity_zh.tolist() == ["错误"]
    assert out.message_zh.tolist() == ["本报告未公开财政拨款“三公”经费支出决算表（公开07）。"]
    assert out.check_title.tolist() == ["九张公开表齐全"]


def _all_findings() -> list[Path]:
    paths = []
    for root in CLEAN_ROOTS:
        paths += sorted(Path(root).glob("[0-9]*/*/findings.csv"))
    return paths


def test_every_finding_of_every_report_is_chinese():
    paths = _all_findings()
    if not paths:
        pytest.skip("no clean data (run `make data`)")
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    f = mz.add_message_zh(pd.concat(frames, ignore_index=True))
    left = [(r.check, r.message_zh) for r in f.itertuples() if mz.english_words(r.message_zh, keep=r.found)]
    assert not left, left[:5]
    assert (f.message_zh.str.len() > 2).all()
