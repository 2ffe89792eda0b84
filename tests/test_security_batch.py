"""Issue 10 end to end: the two named payloads through the whole batch (every notebook, papermill,
nbconvert) for the real 2022 text report and the real 2024 PDF report, in temporary folders.

The PDF payloads are injected into the extracted-text cache (``.cache/pdf-<sha>-v1.json``, what
pdfplumber read from the PDF): the PDF itself stays byte-for-byte, and every step after text
extraction (parser, clean tables, notebooks, HTML) sees the payloads as if the PDF contained them.
"""
import json
import os
import shutil
import subprocess
import sys

from securitykit import PAYLOAD_FORMULA, PAYLOAD_IMG, formula_cells, inspect, norm, unguarded_csv_cells

from juesuan import config, safety
from juesuan.extract.reading.pdf import read_pdf

TEXT_RAW = config.raw_dir(2022, "nxgxt")
PDF_RAW = config.raw_dir(2024, "ptczj")
REASON = "主要为本年追加人才专项"
PROJECT = "项目名称\t\t工业稳增长及专项业务经费"
PDF_REASON = "人员进出及退休变化，减少人员经费开支"


def _inject_text(folder):
    src = next(folder.glob("*.txt"))
    text = src.read_text(encoding="utf-8")
    assert REASON in text and PROJECT in text
    text = text.replace(REASON, PAYLOAD_IMG, 1).replace(PROJECT, f"项目名称\t\t{PAYLOAD_FORMULA}", 1)
    src.write_text(text, encoding="utf-8")
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    meta.pop("source_sha256", None)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _inject_pdf_cache(raw_folder, clean_folder):
    pdf = next(raw_folder.glob("*.pdf"))
    cache_dir = clean_folder / ".cache"
    read_pdf(pdf, cache_dir=cache_dir)               # the real extraction, cached by the PDF's sha256
    cache = next(cache_dir.glob("pdf-*.json"))
    data = json.loads(cache.read_text(encoding="utf-8"))
    hits = [i for i, line in enumerate(data["lines"]) if PDF_REASON in line]
    assert hits
    i = hits[0]
    data["lines"][i] = data["lines"][i].replace(PDF_REASON, f"{PAYLOAD_IMG}，{PAYLOAD_FORMULA}")
    cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_named_payloads_through_the_whole_batch(tmp_path):
    raw, clean, reports = tmp_path / "raw", tmp_path / "clean", tmp_path / "reports"
    shutil.copytree(TEXT_RAW, raw / "2022" / "nxgxt")
    _inject_text(raw / "2022" / "nxgxt")
    shutil.copytree(PDF_RAW, raw / "2024" / "ptczj")
    _inject_pdf_cache(raw / "2024" / "ptczj", clean / "2024" / "ptczj")
    env = dict(os.environ, JUESUAN_RAW_ROOT=str(raw), JUESUAN_CLEAN_ROOT=str(clean),
               JUESUAN_REPORTS_ROOT=str(reports))
    res = subprocess.run([sys.executable, "-m", "juesuan", "reports", "--jobs", "2", "--no-progress"],
                         capture_output=True, text=True, env=env, cwd=config.ROOT, timeout=1500,
                         stdin=subprocess.DEVNULL)
    out = res.stdout + res.stderr
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"], summary["failed"]
    assert res.returncode == 0, out

    # the payloads reached the clean tables as text (no formula anywhere) …
    for year, dept in ((2022, "nxgxt"), (2024, "ptczj")):
        folder = clean / str(year) / dept
        assert formula_cells(folder / f"{year}-{dept}.xlsx") == []
        for f in folder.glob("*.csv"):
            assert unguarded_csv_cells(f, safety.text_columns(f.stem)) == [], f
    bo = (clean / "2022" / "nxgxt" / "budget_outturn.csv").read_text(encoding="utf-8-sig")
    assert PAYLOAD_IMG in bo
    assert "'" + PAYLOAD_FORMULA.replace('"', '""') in (clean / "2022" / "nxgxt" / "projects.csv").read_text(
        encoding="utf-8-sig")

    # … and every page shows them as text, with nothing active
    pages = [reports / "2022" / "nxgxt" / "report.html", reports / "2024" / "ptczj" / "report.html",
             reports / "panel" / "compare.html", reports / "index.html"]
    for page in pages:
        found = inspect(page.read_text(encoding="utf-8"))
        assert found.active == [], (page.name, found.active)
    text_2022 = norm("".join(inspect(pages[0].read_text(encoding="utf-8")).text))
    text_2024 = norm("".join(inspect(pages[1].read_text(encoding="utf-8")).text))
    assert PAYLOAD_IMG in text_2022 and PAYLOAD_FORMULA in text_2022
    assert PAYLOAD_IMG in text_2024
    # the sanitiser had nothing to remove: the text was escaped where it entered the notebooks
    assert "removed active content" not in out
