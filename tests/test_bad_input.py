"""Bad input: clear errors naming file and line; a batch goes on past one bad report."""
import json
import shutil

import pytest

from juesuan import config
from juesuan.cli import run_data
from juesuan.errors import ParseError
from juesuan.clean.pipeline import discover, parse_report
from juesuan.source import Document, read_metadata

RAW = config.raw_dir(2022, "nxgxt")


def test_empty_file(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        Document.read(f)


def test_gbk_file_names_the_line(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes("第一行\n第二行 收入支出决算总表\n".encode("gbk"))
    with pytest.raises(ParseError) as e:
        Document.read(f)
    assert "UTF-8" in str(e.value) and e.value.line == 1


def test_missing_metadata_and_source(tmp_path):
    with pytest.raises(ParseError, match="metadata.json"):
        read_metadata(tmp_path)
    (tmp_path / "metadata.json").write_text(json.dumps({
        "department": "x", "department_name": "x", "year": 2022, "source_file": "nope.txt", "unit": "元"}))
    with pytest.raises(ParseError, match="nope.txt"):
        parse_report(tmp_path)


def test_broken_json_names_the_line(tmp_path):
    (tmp_path / "metadata.json").write_text('{\n "department": "x",\n oops\n}')
    with pytest.raises(ParseError) as e:
        read_metadata(tmp_path)
    assert e.value.line == 3


def make_root(tmp_path):
    root = tmp_path / "raw"
    good = root / "2022" / "nxgxt"
    shutil.copytree(RAW, good)
    bad = root / "2022" / "broken"
    bad.mkdir(parents=True)
    meta = json.loads((RAW / "metadata.json").read_text(encoding="utf-8"))
    meta.update(department="broken", source_file="report.txt")
    meta.pop("source_sha256")
    (bad / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (bad / "report.txt").write_bytes("公开 01 表\n收入\n".encode("gbk"))
    return root


def test_batch_goes_on_past_a_bad_report(tmp_path, monkeypatch):
    root = make_root(tmp_path)
    monkeypatch.setattr(config, "RAW", root)
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    found = discover(root=root)
    assert [d for _, d, _ in found] == ["broken", "nxgxt"]
    results = run_data(quiet=True)
    by = {r["department"]: r for r in results}
    assert by["nxgxt"]["ok"] and (tmp_path / "clean" / "2022" / "nxgxt" / "line_items.csv").exists()
    assert not by["broken"]["ok"] and "report.txt:1" in by["broken"]["error"]
    assert not (tmp_path / "clean" / "2022" / "broken").exists()


def test_text_without_tables_is_reported_not_crashed(tmp_path):
    folder = tmp_path / "2022" / "x"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps({
        "department": "x", "department_name": "x", "year": 2022, "source_file": "r.txt", "unit": "元"}))
    (folder / "r.txt").write_text("第一部分 单位概况\n一些文字\n", encoding="utf-8")
    rep = parse_report(folder)
    absent = [f for f in rep.log.findings if f.check == "table_present"]
    assert len(absent) == 9 and all(f.severity == "error" for f in absent)
    assert any(f.check == "part_present" for f in rep.log.findings)
