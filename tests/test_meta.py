"""Metadata read from the document: department name, year, scope, unit (extract/reading/meta.py),
and the pipeline on a folder without metadata.json."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import templatekit

from juesuan import config
from juesuan.extract.reading.meta import infer_metadata, is_placeholder, same_department
from juesuan.findings import CheckLog
from juesuan.clean.pipeline import parse_report
from juesuan.source import Document
from juesuan.validate.document import check_metadata

ROOT = Path(__file__).resolve().parents[1]
RAW22 = ROOT / "data/raw/2022/nxgxt"
PDF24 = ROOT / "data/raw/2024/ptczj/上海市普陀区财政局2024年度部门决算.pdf"
TEMPLATE = templatekit.TEMPLATE_PDF

COVER_TEXT = """

2022 年度

**自治区工业和信息化
厅部门决算**

目录

第一部分 单位概况
第二部分 2022 年度部门决算表
第一部分 单位概况
一、部门职责
第二部分 2022 年度部门决算表
收入支出决算总表
公开 01 表
公开部门：自治区工业和信息化厅（汇总）
金额单位：元
"""

# a PDF's text layer: the year on a line of its own
COVER_PDF = """上海市普陀区财政局
年度部门决算
2024
目 录
第一部分 上海市普陀区财政局概况
第二部分 上海市普陀区财政局2024年度部门决算表
第一部分 上海市普陀区财政局概况
第二部分 上海市普陀区财政局 年度部门决算表
2024
收入支出决算总表
单位：万元
"""


def test_cover_split_over_lines_with_markdown():
    inf = infer_metadata(Document.from_text(COVER_TEXT))
    assert (inf.department_name, inf.year, inf.scope, inf.unit) == ("自治区工业和信息化厅", 2022, "汇总", "元")
    assert inf.sources["year"]["line"] == 3
    assert inf.sources["scope"]["line"] == 17 and inf.sources["unit"]["line"] == 18


def test_year_on_its_own_line():
    inf = infer_metadata(Document.from_text(COVER_PDF))
    assert (inf.department_name, inf.year, inf.scope, inf.unit) == ("上海市普陀区财政局", 2024, None, "万元")
    assert inf.sources["department_name"]["line"] == 1 and inf.sources["year"]["line"] == 3


def test_a_publication_date_on_the_cover_is_not_the_year():
    inf = infer_metadata(Document.from_text("某市财政局\n2024年度部门决算\n2025年8月\n目录\n"))
    assert (inf.department_name, inf.year) == ("某市财政局", 2024)
    inf = infer_metadata(Document.from_text("2025年9月\n某市财政局2024年度部门决算\n目录\n"))
    assert (inf.department_name, inf.year) == ("某市财政局", 2024)
    inf = infer_metadata(Document.from_text("某市财政局\n2024年度部门决算\n二〇二五年八月\n目录\n"))
    assert (inf.department_name, inf.year) == ("某市财政局", 2024)


def test_name_from_a_part_heading_when_the_cover_lacks_it():
    text = "目录\n第一部分 某市财政局概况\n第二部分 某市财政局2023年度部门决算表\n第一部分 某市财政局概况\n"
    inf = infer_metadata(Document.from_text(text))
    assert inf.department_name == "某市财政局" and inf.year == 2023
    assert inf.sources["department_name"]["line"] == 3


def test_nothing_stated_gives_none_not_a_crash():
    inf = infer_metadata(Document.from_text("一些文字\n没有年度\n"))
    assert (inf.department_name, inf.year, inf.unit) == (None, None, None)


def test_placeholder_and_same_department():
    assert is_placeholder("上海市 XX 局") and is_placeholder("上海市ＸＸ局") and not is_placeholder("上海市普陀区财政局")
    assert same_department("宁夏回族自治区工业和信息化厅", "自治区工业和信息化厅")
    assert same_department("上海市普陀区财政局", "上海市普陀区财政局（汇总）")
    assert same_department("上海市普陀区财政局", "上海市普陀区财政局机关")
    assert not same_department("上海市普陀区财政局", "上海市普陀区教育局")
    assert not same_department("厅", "宁夏回族自治区工业和信息化厅")


def _checked(given, text=COVER_PDF, folder_year=2024):
    log = CheckLog("t.txt")
    check_metadata(given, infer_metadata(Document.from_text(text)), folder_year, log, "data/raw/x")
    return log


def test_metadata_json_agrees_with_the_document():
    log = _checked({"year": 2024, "department_name": "上海市普陀区财政局", "unit": "万元"})
    assert log.counts["metadata_vs_document"].run == 3 and log.findings == []
    assert log.counts["folder_year"].passed == 1


def test_metadata_json_mismatch_names_both_values():
    log = _checked({"year": 2023, "department_name": "上海市静安区财政局", "unit": "万元"})
    errs = [f for f in log.findings if f.check == "metadata_vs_document"]
    assert len(errs) == 2 and all(f.severity == "error" for f in errs)
    assert "2023" in errs[0].message and "2024" in errs[0].message
    assert "上海市静安区财政局" in errs[1].message and "上海市普陀区财政局" in errs[1].message


def test_folder_year_must_be_the_document_year():
    log = _checked({}, folder_year=2023)
    f = [f for f in log.findings if f.check == "folder_year"]
    assert len(f) == 1 and f[0].severity == "error" and "2023" in f[0].message and "2024" in f[0].message
    assert "metadata_vs_document" not in log.counts      # no metadata.json: nothing to compare


def test_text_folder_without_metadata_json(tmp_path):
    folder = tmp_path / "2022" / "gxt"
    folder.mkdir(parents=True)
    shutil.copy(RAW22 / "000_5cdd05a1ee12ee26.txt", folder / "report.txt")
    rep = parse_report(folder)
    assert (rep.year, rep.department) == (2022, "gxt")
    assert rep.meta["department_name"] == "自治区工业和信息化厅" and rep.meta["unit"] == "元"
    assert rep.inferred["sources"]["year"]["line"] == 3
    # the same findings as with the seed's metadata.json (but its sha256 check)
    seed = parse_report(RAW22)
    key = lambda fs: sorted((f.check, f.severity, f.message) for f in fs)  # noqa: E731
    assert key(rep.log.findings) == key(seed.log.findings)


def test_folder_of_the_wrong_year_is_an_error(tmp_path):
    folder = tmp_path / "2023" / "gxt"
    folder.mkdir(parents=True)
    shutil.copy(RAW22 / "000_5cdd05a1ee12ee26.txt", folder / "report.txt")
    rep = parse_report(folder)
    errs = [f for f in rep.log.findings if f.check == "folder_year"]
    assert len(errs) == 1 and "2023" in errs[0].message and "2022" in errs[0].message


def test_metadata_json_with_another_name_is_an_error(tmp_path):
    folder = tmp_path / "2022" / "nxgxt"
    shutil.copytree(RAW22, folder)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    meta["department_name"] = "宁夏回族自治区财政厅"
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    rep = parse_report(folder)
    errs = [f for f in rep.log.findings if f.check == "metadata_vs_document"]
    assert len(errs) == 1 and "宁夏回族自治区财政厅" in errs[0].message and "自治区工业和信息化厅" in errs[0].message


def test_three_source_files_without_metadata_is_a_clear_error(tmp_path):
    from juesuan.errors import ParseError
    folder = tmp_path / "2022" / "x"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("x", encoding="utf-8")
    (folder / "b.pdf").write_bytes(b"%PDF")
    (folder / "c.pdf").write_bytes(b"%PDF")
    with pytest.raises(ParseError, match="more than two source files .*a.txt, b.pdf, c.pdf"):
        parse_report(folder)


def test_make_data_on_a_folder_with_only_a_pdf(tmp_path, monkeypatch, capsys):
    from juesuan.cli import run_data
    import helpers
    raw = tmp_path / "raw"
    (raw / "2024" / "ptczj").mkdir(parents=True)
    shutil.copy(PDF24, raw / "2024" / "ptczj" / PDF24.name)
    monkeypatch.setattr(config, "RAW", raw)
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    res = run_data(quiet=False, panel=False)
    out = capsys.readouterr().out
    assert res[0]["ok"], res
    assert "上海市普陀区财政局" in out and "2024 年度" in out and "no metadata.json" in out
    meta = helpers.load_metadata(2024, "ptczj")
    assert meta["document"]["department_name"] == "上海市普陀区财政局"
    assert meta["document"]["sources"]["year"]["location"] == "p1:3"
    assert meta["metadata_json"] is None and meta["used"]["unit"] == "万元"
    assert list((raw / "2024" / "ptczj").iterdir()) == [raw / "2024" / "ptczj" / PDF24.name]  # raw untouched


@pytest.mark.skipif(not templatekit.available(), reason=templatekit.MISSING)
def test_blank_template_placeholder_is_an_error_without_cascade(tmp_path):
    folder = tmp_path / "2024" / "tmpl"
    folder.mkdir(parents=True)
    shutil.copy(TEMPLATE, folder / TEMPLATE.name)
    rep = parse_report(folder)
    errors = [f for f in rep.log.findings if f.severity == "error"]
    placeholder = [f for f in errors if f.check == "doc_department_name"]
    assert len(placeholder) == 1 and "上海市XX局" in placeholder[0].message
    # the other errors are the template's own blanks, one per part; its empty 三公 table has no
    # note (a warning: the template asks for one under 08 and 09 only, and they have it)
    assert {f.check for f in errors} == {"doc_department_name", "doc_template_text"}
    assert [(f.check, f.table) for f in rep.log.findings if f.severity == "warning"] == [
        ("doc_empty_table_note", "公开07")]
    assert rep.log.counts["doc_empty_table_note"].passed == 2
    assert not [f for f in rep.log.findings if f.check == "table_present"]
    assert rep.log.counts["outturn_code"].skipped == 2 and rep.log.counts["outturn_code"].run == 0


def test_seed_metadata_inferred_is_written_and_loadable():
    import helpers
    path = config.clean_dir(2022, "nxgxt") / "metadata_inferred.json"
    assert path.exists(), "run make data first"
    meta = helpers.load_metadata(2022, "nxgxt")
    assert meta["document"]["department_name"] == "自治区工业和信息化厅"
    assert meta["document"]["year"] == 2022 and meta["document"]["scope"] == "汇总"
    assert meta["document"]["sources"]["unit"] == {"line": 99, "text": "金额单位：元", "location": "99"}
    assert meta["metadata_json"]["department_name"] == "宁夏回族自治区工业和信息化厅"
    assert meta["used"]["department_name"] == "宁夏回族自治区工业和信息化厅"   # metadata.json wins when it agrees
    assert helpers.load_metadata(1999, "nothing") == {}


def test_report_metadata_falls_back_to_what_the_document_states(tmp_path, monkeypatch):
    """One rule for the index, the panel and h.load: metadata.json when present, else the
    name read from the document (metadata_inferred.json), else nothing."""
    import json

    from juesuan import config, identity

    monkeypatch.setattr(config, "RAW", tmp_path / "raw")
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    raw, clean = config.raw_dir(2024, "x"), config.clean_dir(2024, "x")
    raw.mkdir(parents=True)
    clean.mkdir(parents=True)
    assert identity.report_metadata(2024, "x") == {}
    (clean / "metadata_inferred.json").write_text(json.dumps(
        {"used": {"department_name": "上海市普陀区财政局"}}, ensure_ascii=False), encoding="utf-8")
    assert identity.report_metadata(2024, "x")["department_name"] == "上海市普陀区财政局"
    (raw / "metadata.json").write_text(json.dumps({"department_name": "甲局"}, ensure_ascii=False),
                                       encoding="utf-8")
    assert identity.report_metadata(2024, "x")["department_name"] == "甲局"
    (raw / "metadata.json").write_text("{not json", encoding="utf-8")      # unreadable: the document's
    assert identity.report_metadata(2024, "x")["department_name"] == "上海市普陀区财政局"
