"""Failure isolation end to end: one good and two corrupt reports in one batch."""
import json
import os
import shutil
import subprocess
import sys

from juesuan import config

RAW = config.raw_dir(2022, "nxgxt")
PDF = config.raw_dir(2024, "ptczj")


def add_report(root, dept, source_name, data: bytes, fmt="text"):
    folder = root / "2022" / dept
    folder.mkdir(parents=True)
    (folder / source_name).write_bytes(data)
    meta = {"department": dept, "department_name": f"测试{dept}", "year": 2022, "scope": "汇总",
            "source_file": source_name, "source_format": fmt, "unit": "元"}
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def run_batch(tmp_path):
    env = dict(os.environ, JUESUAN_RAW_ROOT=str(tmp_path / "raw"), JUESUAN_CLEAN_ROOT=str(tmp_path / "clean"),
               JUESUAN_REPORTS_ROOT=str(tmp_path / "reports"))
    return subprocess.run([sys.executable, "-m", "juesuan", "reports", "--jobs", "2", "--no-progress",
                           "--notebooks", "01-data-quality.ipynb"], capture_output=True, text=True,
                          env=env, cwd=config.ROOT, timeout=600, stdin=subprocess.DEVNULL)


def test_one_corrupt_report_does_not_stop_the_others(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw / "2022" / "nxgxt")
    text = (RAW / "000_5cdd05a1ee12ee26.txt").read_text(encoding="utf-8")
    add_report(raw, "gbk", "report.txt", text.encode("gbk", errors="replace"))
    add_report(raw, "cut", "report.pdf", next(PDF.glob("*.pdf")).read_bytes()[:30000], fmt="pdf")

    res = run_batch(tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    by = {r["department"]: r for r in summary["reports"]}
    assert by["nxgxt"]["ok"] and not by["gbk"]["ok"] and not by["cut"]["ok"]
    assert any("gbk" in f and "UTF-8" in f for f in summary["failed"]), summary["failed"]
    assert any("cut" in f and "PDF" in f for f in summary["failed"]), summary["failed"]
    assert (tmp_path / "reports" / "2022" / "nxgxt" / "report.html").is_file()
    assert not (tmp_path / "reports" / "2022" / "gbk" / "report.html").exists()
    assert (tmp_path / "clean" / "2022" / "nxgxt" / "line_items.csv").is_file()
    assert not list((tmp_path / "clean").rglob("*.tmp"))          # no half-written files left
    assert "2022/gbk" in res.stdout and "FAILED" in res.stdout

    # fix the bad reports in place and run again: no manual clean-up needed
    # (one line more than nxgxt's file: the same bytes in two folders is an error of its own)
    (raw / "2022" / "gbk" / "report.txt").write_text(text + "\n", encoding="utf-8")
    shutil.rmtree(raw / "2022" / "cut")
    res = run_batch(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "reports" / "2022" / "gbk" / "report.html").is_file()
