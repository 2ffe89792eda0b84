"""Issue 10: identity and paths (no silent mix-ups), bounded work (notebook time, PDF size)."""
import io
import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from juesuan.run import batch
from juesuan import config, identity
from juesuan.errors import ParseError
from juesuan.extract.reading import pdf as pdfmod

RAW = config.raw_dir(2022, "nxgxt")


# ------------------------------------------------------------------ identity and paths
@pytest.fixture
def roots(tmp_path, monkeypatch):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    monkeypatch.setattr(config, "RAW", raw)
    monkeypatch.setattr(config, "CLEAN", clean)
    return raw, clean


def add(raw: Path, year, dept, text: str = None, **meta_over) -> Path:
    folder = raw / str(year) / dept
    shutil.copytree(RAW, folder)
    if text is not None:
        next(folder.glob("*.txt")).write_text(text, encoding="utf-8")
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    meta.update({"department": dept, "year": year}, **meta_over)
    meta.pop("source_sha256", None)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def data(**kw):
    from juesuan.cli import run_data
    return {(r["year"], r["department"]): r for r in run_data(quiet=True, panel=False, **kw)}


def test_slug_and_year_come_from_the_folder_names():
    assert identity.check_names("2022", "nxgxt-2") == (2022, "nxgxt-2")
    for year, dept in [("2022", "NXGXT"), ("2022", "nx_gxt"), ("2022", "a b"), ("2022", ".."), ("22", "x"),
                       ("2022", ""), ("2022", "x/../y"), ("2022", "中文")]:
        with pytest.raises(identity.IdentityError):
            identity.check_names(year, dept)


def test_bad_slug_is_refused_by_name_and_the_batch_goes_on(roots):
    raw, clean = roots
    text = next(RAW.glob("*.txt")).read_text(encoding="utf-8")
    add(raw, 2022, "nxgxt")
    add(raw, 2022, "Bad_Name", text.replace("一般行政管理事务", "一般行政管理事务 ", 1))
    res = data()
    assert res[(2022, "nxgxt")]["ok"]
    bad = res[(2022, "Bad_Name")]
    assert not bad["ok"] and "Bad_Name" in bad["error"] and "[a-z0-9-]+" in bad["error"]
    assert not (clean / "2022" / "Bad_Name").exists()


def test_same_source_in_two_folders_is_an_error_naming_both(roots):
    raw, clean = roots
    add(raw, 2022, "nxgxt")
    add(raw, 2022, "copy")
    other = add(raw, 2022, "other", next(RAW.glob("*.txt")).read_text(encoding="utf-8") + "\n")
    res = data()
    for dept in ("nxgxt", "copy"):
        err = res[(2022, dept)]["error"]
        assert not res[(2022, dept)]["ok"] and "2022/nxgxt" in err and "2022/copy" in err and "sha256" in err
    assert res[(2022, "other")]["ok"], res[(2022, "other")]
    assert other.exists() and not (clean / "2022" / "copy").exists()


def test_metadata_must_agree_with_the_folder(roots):
    raw, _ = roots
    folder = add(raw, 2022, "nxgxt")
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    (folder / "metadata.json").write_text(json.dumps(dict(meta, department="../../etc")), encoding="utf-8")
    res = data()[(2022, "nxgxt")]
    assert not res["ok"] and "metadata.json says department" in res["error"]
    (folder / "metadata.json").write_text(json.dumps(dict(meta, year=2021)), encoding="utf-8")
    assert "says year" in data()[(2022, "nxgxt")]["error"]
    (folder / "metadata.json").write_text(json.dumps(dict(meta, source_file="../../../../etc/passwd")),
                                          encoding="utf-8")
    err = data()[(2022, "nxgxt")]["error"]
    assert "source_file" in err and ".." in err


def test_nothing_is_written_through_a_link_out_of_the_clean_root(roots, tmp_path):
    raw, clean = roots
    add(raw, 2022, "nxgxt")
    outside = tmp_path / "outside"
    outside.mkdir()
    (clean / "2022").mkdir(parents=True)
    os.symlink(outside, clean / "2022" / "nxgxt")
    res = data()[(2022, "nxgxt")]
    assert not res["ok"] and "outside" in res["error"]
    assert list(outside.iterdir()) == []
    with pytest.raises(identity.IdentityError):
        identity.output_dir(clean, 2022, "..")
    with pytest.raises(identity.IdentityError):
        identity.inside(clean / "2022" / ".." / ".." / "x", clean)


def test_a_report_folder_linked_from_outside_the_raw_root_is_refused(roots, tmp_path):
    raw, _ = roots
    elsewhere = tmp_path / "elsewhere" / "x"
    shutil.copytree(RAW, elsewhere)
    (raw / "2022").mkdir(parents=True)
    os.symlink(elsewhere, raw / "2022" / "nxgxt")
    res = data()[(2022, "nxgxt")]
    assert not res["ok"] and "outside" in res["error"]


# ------------------------------------------------------------------ bounded work: notebooks
def _kernel_available() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager
    return "python3" in KernelSpecManager().find_kernel_specs()


@pytest.mark.skipif(not _kernel_available(), reason="no python3 Jupyter kernel")
def test_a_notebook_running_too_long_is_stopped_and_named(tmp_path):
    ks = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    for name, src in [("01-quick.ipynb", "x = 1"), ("02-sleeps.ipynb", "import time\ntime.sleep(120)")]:
        nb = new_notebook(metadata={"kernelspec": ks})
        nb.cells = [new_code_cell('year = 1999\ndepartment = "x"', metadata={"tags": ["parameters"]}),
                    new_code_cell(src)]
        nbformat.write(nb, nbs / name)
    raw = tmp_path / "raw" / "2022" / "tdept"
    raw.mkdir(parents=True)
    (raw / "metadata.json").write_text('{"department": "tdept", "department_name": "测试", "year": 2022}')
    out = io.StringIO()
    t0 = time.perf_counter()
    rc = batch.run_reports([2022], ["tdept"], jobs=2, progress=False, data=False, stream=out, timeout=2,
                           notebooks_dir=nbs, reports_dir=tmp_path / "reports", clean_root=tmp_path / "clean",
                           raw_root=tmp_path / "raw")
    took = time.perf_counter() - t0
    assert rc == 1 and took < 100, took          # stopped well before the 120 s sleep ends
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    steps = {s["step"]: s for s in summary["reports"][0]["steps"]}
    assert steps["01-quick.ipynb"]["ok"]
    assert not steps["02-sleeps.ipynb"]["ok"] and "longer than 2 s" in steps["02-sleeps.ipynb"]["error"]
    assert "02-sleeps.ipynb" in out.getvalue() and "longer than 2 s" in out.getvalue()


def test_timeout_option_reaches_the_batch(monkeypatch):
    from juesuan import cli
    seen = {}
    monkeypatch.setattr(batch, "run_reports", lambda *a, **kw: seen.update(kw) or 0)
    assert cli.main(["reports", "--timeout", "7", "--no-progress"]) == 0
    assert seen["timeout"] == 7
    assert cli.main(["reports", "--no-progress"]) == 0 and seen["timeout"] == 300


# ------------------------------------------------------------------ bounded work: PDFs
def blank_pdf(path: Path, pages: int) -> Path:
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(200, 200)
    doc.save(str(path))
    return path


def test_a_pdf_with_more_than_500_pages_is_refused(tmp_path):
    pdf = blank_pdf(tmp_path / "big.pdf", 501)
    t0 = time.perf_counter()
    with pytest.raises(ParseError, match="501 pages; more than 500 are refused"):
        pdfmod.read_pdf(pdf)
    assert time.perf_counter() - t0 < 60


def test_a_page_that_takes_too_long_is_refused(tmp_path, monkeypatch):
    pdf = blank_pdf(tmp_path / "slow.pdf", 3)
    ticks = iter(range(0, 10**6, 100))                   # every page "takes" 100 s
    monkeypatch.setattr(pdfmod, "_clock", lambda: next(ticks))
    with pytest.raises(ParseError, match=r"page 1 took 100\.0 s to read \(limit 60 s\): refused"):
        pdfmod.read_pdf(pdf)


def test_a_page_that_hangs_is_interrupted(tmp_path, monkeypatch):
    import pdfplumber.page
    pdf = blank_pdf(tmp_path / "hang.pdf", 2)
    monkeypatch.setattr(pdfmod, "PAGE_TIME_LIMIT_S", 0.5)
    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", lambda self, *a, **k: time.sleep(60))
    t0 = time.perf_counter()
    with pytest.raises(ParseError, match=r"page 1 took longer than 0\.5 s to read: refused"):
        pdfmod.read_pdf(pdf)
    assert time.perf_counter() - t0 < 20
    import signal
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0      # no alarm left behind


def test_a_refused_pdf_does_not_stop_the_batch(roots, tmp_path):
    raw, clean = roots
    add(raw, 2022, "nxgxt")
    big = raw / "2022" / "big"
    big.mkdir(parents=True)
    blank_pdf(big / "report.pdf", 501)
    (big / "metadata.json").write_text(json.dumps({"department": "big", "department_name": "大", "year": 2022,
                                                   "source_file": "report.pdf", "source_format": "pdf",
                                                   "unit": "万元"}), encoding="utf-8")
    res = data()
    assert res[(2022, "nxgxt")]["ok"]
    assert not res[(2022, "big")]["ok"] and "more than 500" in res[(2022, "big")]["error"]
