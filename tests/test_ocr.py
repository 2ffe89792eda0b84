"""OCR front end (src/juesuan/extract/reading/ocr.py) on image-only copies of the 2024 财政局 PDF.

Quick tests OCR one page (the 收入决算表 page holding 2,946.25) at 200 dpi; the whole-document
runs at 300 / 200 / 150 dpi and rotated are marked slow (``make test-slow``)."""
import json
import shutil
from decimal import Decimal as D
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocr_bed  # noqa: E402
from juesuan.errors import ParseError  # noqa: E402
from juesuan.extract.reading import ocr  # noqa: E402

SRC = ocr_bed.source_pdf()


def _page_of(text: str) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(SRC))
    try:
        hits = [i + 1 for i in range(len(pdf)) if text in pdf[i].get_textpage().get_text_range()]
    finally:
        pdf.close()
    assert hits, text
    return hits[-1]  # 收入决算表 (the 总表 before it holds the total too)


TABLE_PAGE = _page_of("2,946.25")


@pytest.fixture(scope="module")
def scan_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ocr-bed")


@pytest.fixture(scope="module")
def table_scan(scan_dir):
    """The table page alone, as an image-only PDF at 200 dpi."""
    return ocr_bed.make_scanned(SRC, scan_dir / "page-200.pdf", 200, pages=[TABLE_PAGE])


@pytest.fixture(scope="module")
def table_ocr(table_scan, scan_dir):
    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may come from a model hub
    return ocr.ocr_pdf(table_scan, dpi=200, cache_dir=scan_dir / "cache")


# ------------------------------------------------------------------ detection (no OCR needed)

def test_text_pdf_is_not_scanned():
    assert not ocr.is_scanned(SRC)
    assert ocr.scanned_pages(SRC) == []


@pytest.mark.parametrize("name", list(ocr_bed.VARIANTS))
def test_image_only_copies_are_scanned(scan_dir, name):
    scan = ocr_bed.make_variant(name, scan_dir / "detect", pages=[1, TABLE_PAGE])
    kinds = ocr.page_kinds(scan)
    assert [k["images"] for k in kinds] == [1, 1]
    assert ocr.is_scanned(scan)
    assert ocr.scanned_pages(scan) == [1, 2]
    # the page keeps its size in points (so OCR coordinates compare with the text layer)
    import pdfplumber
    with pdfplumber.open(scan) as a, pdfplumber.open(SRC) as b:
        assert a.pages[1].width == pytest.approx(b.pages[TABLE_PAGE - 1].width, abs=0.5)
        assert a.pages[1].height == pytest.approx(b.pages[TABLE_PAGE - 1].height, abs=0.5)


def test_blank_pdf_without_images_is_not_scanned(tmp_path):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(tmp_path / "blank.pdf")
    assert not ocr.is_scanned(tmp_path / "blank.pdf")


def test_damaged_pdf_is_a_parse_error_naming_the_file(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really")
    with pytest.raises(ParseError, match="bad.pdf"):
        ocr.is_scanned(bad)


def test_bed_refuses_to_write_into_raw():
    with pytest.raises(ValueError):
        ocr_bed.make_scanned(SRC, ocr_bed.SOURCE_DIR / "x.pdf", 72, pages=[1])
    assert not (ocr_bed.SOURCE_DIR / "x.pdf").exists()


# ------------------------------------------------------------------ words: normalising and flagging

@pytest.mark.parametrize("text,conf,want,uncertain", [
    ("2,946.25", 1.0, "2,946.25", False),
    ("２，９４６．２５", 1.0, "2,946.25", False),      # full-width: unambiguous
    ("－6.20", 0.99, "-6.20", False),
    ("2,946.25", 0.85, "2,946.25", True),              # low confidence: flagged, text kept
    ("1,5l1.90", 0.99, "1,5l1.90", True),              # l is not guessed to be 1
    ("2,94.25", 0.99, "2,94.25", True),                # thousands group out of place
    ("2.946.25", 0.99, "2.946.25", True),
    ("201", 1.0, "201", False),
    ("15.16%;", 0.99, "15.16%;", False),               # a share at the end of a clause
    ("15.1б%;", 0.99, "15.1б%;", True),
    ("2,946.25,", 0.99, "2,946.25,", True),            # a stray comma is not punctuation here
])
def test_number_tokens_are_normalised_only_when_unambiguous(text, conf, want, uncertain):
    page = {"page": 3, "boxes": [{"text": text, "conf": conf, "x0": 10, "x1": 60, "top": 5, "bottom": 15}]}
    [w] = ocr.page_words(page)
    assert (w["text"], w["uncertain"]) == (want, uncertain)
    assert w["page"] == 3 and (w["x0"], w["x1"], w["top"], w["bottom"]) == (10, 60, 5, 15)
    findings = ocr.uncertain_findings([w], "scan.pdf")
    assert len(findings) == int(uncertain)
    if uncertain:
        f = findings[0]
        assert f["check"] == "ocr_uncertain" and f["page"] == 3 and f["box"] == [10, 5, 60, 15]
        assert want in f["message"] and f["path"] == "scan.pdf"


def test_threshold_is_a_parameter():
    page = {"page": 1, "boxes": [{"text": "16.19", "conf": 0.95, "x0": 0, "x1": 30, "top": 0, "bottom": 10}]}
    assert not ocr.page_words(page)[0]["uncertain"]
    assert ocr.page_words(page, min_conf=0.97)[0]["uncertain"]


def test_text_boxes_are_not_flagged_but_two_amounts_are_split():
    page = {"page": 1, "boxes": [
        {"text": "一般公共服务支出", "conf": 0.6, "x0": 0, "x1": 80, "top": 0, "bottom": 10},
        {"text": "2,112.86 2,106.66", "conf": 1.0, "x0": 100, "x1": 270, "top": 0, "bottom": 10},
        {"text": "年初预算为 1560.05 万元", "conf": 1.0, "x0": 300, "x1": 400, "top": 0, "bottom": 10},
    ]}
    words = ocr.page_words(page)
    assert [w["text"] for w in words] == ["一般公共服务支出", "2,112.86", "2,106.66",
                                          "年初预算为 1560.05 万元"]
    assert not any(w["uncertain"] for w in words)
    a, b = words[1], words[2]
    assert a["x0"] == 100 and b["x1"] == 270 and a["x1"] < b["x0"] < 200


def test_lines_group_by_vertical_overlap_and_number_like_a_text_layer():
    def box(t, x0, x1, top, bottom):
        return {"text": t, "conf": 1.0, "x0": x0, "x1": x1, "top": top, "bottom": bottom}
    pages = [
        {"page": 2, "boxes": [box("合计", 250, 280, 218, 236), box("2,946.25", 370, 415, 221, 235),
                              box("类", 80, 95, 212, 226),  # a row above, overlapping the tall 合计 box a little
                              box("单位：万元", 700, 770, 126, 141)]},
        {"page": 3, "boxes": [box("本年收入合计2946.25万元，其中：", 60, 300, 100, 112),
                              box("财政拨款", 304, 340, 100, 112)]},
    ]
    lines, origins = ocr.text_lines(pages, start=1)
    assert lines == ["单位：万元", "类", "合计\t2,946.25",
                     "本年收入合计2946.25万元，其中：财政拨款"]
    assert origins == ["p2:1", "p2:2", "p2:3", "p3:4"]
    _, _, words = ocr.lines_and_words(pages, start=10)
    assert {w["text"]: w["line"] for w in words}["2,946.25"] == 12
    low = {**pages[0], "boxes": [{**pages[0]["boxes"][1], "conf": 0.5}]}
    _, _, words = ocr.lines_and_words([low], start=7)
    [f] = ocr.uncertain_findings(words, "scan.pdf")
    assert (f["page"], f["line"], f["found"]) == (2, 7, "2,946.25")


def test_prose_with_figures_read_with_low_confidence_is_flagged():
    page = {"page": 5, "boxes": [
        {"text": "本年收入合计2946.25万元", "conf": 0.8, "x0": 0, "x1": 200, "top": 0, "bottom": 12},
        {"text": "主要原因：人员变化", "conf": 0.8, "x0": 0, "x1": 200, "top": 20, "bottom": 32}]}
    words = ocr.page_words(page)
    assert [w["uncertain"] for w in words] == [True, False]
    assert words[0]["text"] == "本年收入合计2946.25万元"


# ------------------------------------------------------------------ real OCR of one table page

def test_ocr_reads_every_amount_of_the_table_page_in_place(table_ocr):
    [page] = table_ocr
    assert page["page"] == 1 and page["dpi"] == 200 and page["boxes"]
    expected, size = ocr_bed.text_layer_amounts(SRC, TABLE_PAGE)
    assert len(expected) >= 30 and "2,946.25" in {e["text"] for e in expected}
    words = ocr.page_words(page)
    cmp = ocr_bed.compare_page(expected, words, page["deskew_angle"], size)
    assert cmp["exact"] == cmp["tokens"] == len(expected), cmp["detail"]
    # each matched word lies where the text layer has it (right edges of right-aligned amounts)
    for e in expected:
        near = [w for w in words if w["text"] == e["text"] and abs(w["x1"] - e["x1"]) < 4
                and abs((w["top"] + w["bottom"]) / 2 - (e["top"] + e["bottom"]) / 2) < 4]
        assert near, e
    assert all(0 <= w["x0"] < w["x1"] <= size[0] + 1 and 0 <= w["top"] < w["bottom"] <= size[1] + 1
               for w in words)


def test_ocr_lines_read_the_table_rows(table_ocr):
    lines, origins = ocr.text_lines(table_ocr)
    assert "收入决算表" in lines[0]
    assert any(l.startswith("合计") and "2,946.25" in l for l in lines)
    assert any("行政运行" in l and "1,511.90" in l and "1,511.89" in l for l in lines)
    assert all(o.startswith("p1:") for o in origins) and origins[-1] == f"p1:{len(lines)}"


def test_read_scanned_gives_lines_words_and_findings(table_scan, table_ocr, scan_dir):
    res = ocr.read_scanned(table_scan, dpi=200, jobs=1, cache_dir=scan_dir / "cache")
    assert res.pages == 1 and len(res.lines) == len(res.origins) > 20
    # one finding per uncertain word, each naming its numbered line (the words are placed on lines first)
    uncertain = [w for w in res.words if w["uncertain"]]
    assert len(res.findings) == len(uncertain)
    for f, w in zip(res.findings, uncertain):
        assert f["check"] == "ocr_uncertain" and f["severity"] == "warning"
        assert f["path"] == res.path and res.path.endswith("page-200.pdf") and f["page"] == 1
        assert f["found"] == w["text"] and f["box"] == [w["x0"], w["top"], w["x1"], w["bottom"]]
        assert 1 <= f["line"] <= len(res.lines) and w["text"] in res.lines[f["line"] - 1]
    assert any(w["text"] == "2,946.25" for w in res.words)
    assert all(1 <= w["line"] <= len(res.lines) for w in res.words)
    assert all(res.lines[w["line"] - 1].count(w["text"]) for w in res.words)


def test_ocr_cache_is_keyed_and_reused(table_scan, table_ocr, scan_dir):
    [cached] = list((scan_dir / "cache").glob("ocr-*.json"))
    assert "200dpi" in cached.name and ocr.engine_version() in cached.name
    data = json.loads(cached.read_text(encoding="utf-8"))
    # a marked cache proves the second call reads it instead of OCR'ing again
    data["pages"][0]["boxes"][0]["text"] = "CACHED"
    cached.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = ocr.ocr_pdf(table_scan, dpi=200, cache_dir=scan_dir / "cache")
    assert again[0]["boxes"][0]["text"] == "CACHED"
    # another dpi is another key
    assert ocr._cache_file(scan_dir / "cache", table_scan, 150, True) != cached


def test_straight_page_is_not_deskewed_and_rotated_one_is(table_ocr, scan_dir):
    from PIL import Image
    assert table_ocr[0]["deskew_angle"] == 0.0
    img, _ = ocr.render_page(SRC, TABLE_PAGE, 100)
    assert abs(ocr.estimate_skew(img)) < 0.1
    tilted = img.rotate(0.8, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    assert ocr.estimate_skew(tilted) == pytest.approx(-0.8, abs=0.1)


def test_process_pool_gives_the_same_pages_as_one_process(scan_dir):
    scan = ocr_bed.make_scanned(SRC, scan_dir / "two-pages-100.pdf", 100, pages=[1, TABLE_PAGE])
    one = ocr.ocr_pdf(scan, dpi=100, jobs=1, deskew_pages=False)
    two = ocr.ocr_pdf(scan, dpi=100, jobs=2, deskew_pages=False)
    assert [p["page"] for p in two] == [1, 2]
    assert [[b["text"] for b in p["boxes"]] for p in two] == [[b["text"] for b in p["boxes"]] for p in one]
    assert any(b["text"] == "2,946.25" for b in two[1]["boxes"])


def test_boxes_across_a_ruling_line_are_split_there():
    w = {"text": "小计基本支出", "conf": 1.0, "x0": 479.16, "x1": 564.12, "top": 198.2, "bottom": 212.3,
         "page": 19, "uncertain": False, "reason": ""}
    amount = {**w, "text": "1,503.52", "x0": 490, "x1": 530}
    parts = ocr.split_at_rules([w, amount], [[509.0, 190, 220], [300.0, 190, 220], [520.0, 300, 400]])
    assert [p["text"] for p in parts] == ["小计", "基本支出", "1,503.52"]
    assert parts[0]["x1"] == parts[1]["x0"] and abs(parts[0]["x1"] - 509) < 8
    # with the image at hand each part is read again: the cut is the ruling line itself
    seen = []

    def reread(box):
        seen.append((box["x0"], box["x1"]))
        return ("小计", 0.99) if box["x1"] < 509 else ("基本支出", 0.98)
    parts = ocr.split_at_rules([w], [[509.0, 190, 220]], reread)
    assert [(p["text"], p["conf"]) for p in parts] == [("小计", 0.99), ("基本支出", 0.98)]
    assert seen == [(479.16, 508.0), (510.0, 564.12)]


def test_page_layout_recovers_the_ruled_table_like_the_text_layer(table_scan, table_ocr):
    """The ruling lines in the scan give the same grid as pdfplumber on the text PDF."""
    import pdfplumber
    lay = ocr.page_layout(table_scan, table_ocr[0])
    assert len(lay["rules"]["h"]) > 10 and len(lay["rules"]["v"]) > 5
    with pdfplumber.open(SRC) as pdf:
        [want] = [[[None if c is None else c.replace("\n", "").strip() for c in row] for row in t.extract()]
                  for t in pdf.pages[TABLE_PAGE - 1].find_tables()]
    [got] = lay["tables"]
    want = [r for r in want if any(r)]
    assert got["rows"] == want
    assert [ln["text"] for ln in lay["text_lines"]] == ["收入决算表", "单位：万元"]
    assert not any(w["text"] == "2,946.25" for w in lay["words"])  # table words are in the cells
    assert lay["unread"] == []   # every bit of print on the page was read


def test_print_that_no_box_covers_is_reported():
    """A line the detector missed is found as ink outside every box (and outside ruling lines)."""
    from PIL import Image, ImageDraw
    k = 4                                   # 288 dpi: points × 4 = pixels
    img = Image.new("RGB", (400 * k, 200 * k), "white")
    d = ImageDraw.Draw(img)

    def rect(x0, y0, x1, y1):
        d.rectangle([x0 * k, y0 * k, x1 * k, y1 * k], fill="black")
    for i in range(8):                      # a line of "characters", read (covered by a box)
        rect(20 + 14 * i, 20, 30 + 14 * i, 30)
    for i in range(6):                      # a line nobody read
        rect(40 + 14 * i, 80, 50 + 14 * i, 91)
    d.line([10 * k, 150 * k, 390 * k, 150 * k], fill="black", width=2 * k)   # a ruling line
    d.point([(300 * k, 40 * k), (301 * k, 41 * k)], fill="black")          # specks are not print
    rect(200, 84, 210, 85)                  # a lone 一 that no box covers
    box = {"x0": 18, "x1": 132, "top": 18, "bottom": 32}
    rules = ocr.detect_rules(img, (400.0, 200.0))
    assert len(rules["h"]) == 1 and rules["v"] == []
    [r, stroke] = ocr.unread_ink(img, (400.0, 200.0), [box], rules)
    assert 38 <= r["x0"] <= 41 and 119 <= r["x1"] <= 122 and 78 <= r["top"] <= 81 and 90 <= r["bottom"] <= 93
    assert 198 <= stroke["x0"] <= 201 and 209 <= stroke["x1"] <= 212


def test_missing_file_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="missing or empty"):
        ocr.ocr_pdf(tmp_path / "none.pdf")


# ------------------------------------------------------------------ whole documents (slow)

@pytest.mark.slow
@pytest.mark.parametrize("name", list(ocr_bed.VARIANTS))
def test_whole_document_amounts(scan_dir, name):
    """Every amount page: none read wrongly without a flag; at 200/300 dpi ≥ 99 % exact."""
    spec = ocr_bed.VARIANTS[name]
    scan = ocr_bed.make_variant(name, scan_dir / "whole")
    r = ocr_bed.evaluate(scan, SRC, angle=spec.get("rotate", 0.0), jobs=2, dpi=spec["dpi"])
    assert r["wrong_unflagged"] == 0, r["detail"]
    if spec["dpi"] >= 200:
        assert r["exact"] >= 0.99 * r["tokens"], r["detail"]


# ------------------------------------------------------------------ --no-ocr and jobs

def test_no_ocr_flag_reaches_ocr_enabled(monkeypatch):
    from juesuan import cli
    monkeypatch.delenv(ocr.NO_OCR_ENV, raising=False)
    assert ocr.ocr_enabled()
    seen = []
    monkeypatch.setattr(cli, "run_data", lambda *a, **k: seen.append(ocr.ocr_enabled()) or [])
    cli.main(["data", "--years", "1900"])
    cli.main(["data", "--no-ocr", "--years", "1900"])
    assert seen == [True, False]
    assert not ocr.ocr_enabled()


def test_default_jobs_from_environment(monkeypatch):
    monkeypatch.setenv(ocr.OCR_JOBS_ENV, "3")
    assert ocr.default_jobs() == 3
    monkeypatch.setenv(ocr.OCR_JOBS_ENV, "0")
    assert ocr.default_jobs() == 1                    # at least one process
    monkeypatch.setenv(ocr.OCR_JOBS_ENV, "x")         # not a number: the machine's cores, at most 2
    for cores, want in ((8, 2), (2, 2), (1, 1), (None, 1)):
        monkeypatch.setattr(os, "cpu_count", lambda c=cores: c)
        assert ocr.default_jobs() == want, cores
    monkeypatch.delenv(ocr.OCR_JOBS_ENV)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert ocr.default_jobs() == 2


def test_a_page_that_cannot_be_read_is_named(scan_dir):
    scan = ocr_bed.make_scanned(SRC, scan_dir / "one-72.pdf", 72, pages=[1])
    with pytest.raises(ParseError, match="page 5 cannot be OCR'd"):
        ocr.ocr_pdf(scan, dpi=72, pages=[5])


@pytest.mark.slow
def test_whole_report_from_the_200dpi_scan(scan_dir):
    """Parse + validate the report from the 200-dpi scan: the text PDF's line_items read exactly,
    the explanation's budget-vs-actual items all found, no finding that the text PDF lacks."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import ocr_eval

    scan = ocr_bed.make_variant("200dpi", scan_dir / "report")
    r = ocr_eval.check_pipeline(scan, SRC, 200, 2, True, scan_dir / "cache-report")
    assert r["line_items"] > 500
    assert r["line_items_exact"] == r["line_items"], r["line_items_wrong"]
    assert r["found_items"] == r["expected_items"] > 0
    assert r["findings_only_in_scan"] == []


def test_a_scanned_pdf_is_read_through_ocr_into_the_same_tables(table_scan, scan_dir, monkeypatch):
    """read_pdf routes an image-only PDF to OCR: its ruled table comes out as the text PDF's grid rows."""
    from juesuan.extract.reading.pdf import read_pdf

    monkeypatch.delenv("JUESUAN_NO_OCR", raising=False)
    doc = read_pdf(table_scan, cache_dir=scan_dir / "cache-route")
    assert doc.text_pages == 0 and doc.pages == 1
    rows = [cells for t in doc.tables for _, cells in t.rows]
    assert any("合计" in c and "2,946.25" in c for c in rows)   # the 收入决算表 total row
    assert any("行政运行" in (x or "") for c in rows for x in c)
    monkeypatch.setenv("JUESUAN_NO_OCR", "1")
    with pytest.raises(ParseError, match="no text layer"):
        read_pdf(table_scan)


def test_uncertain_ocr_words_become_findings_of_the_report(monkeypatch, tmp_path):
    """The pipeline records every ocr_uncertain finding the OCR reader returns, with its page and line."""
    from juesuan.clean import pipeline
    from juesuan.extract.reading import pdf as pdfmod

    real = pdfmod.read_pdf

    def with_flag(file, meta=None, cache_dir=None):
        doc = real(file, meta, cache_dir=cache_dir)
        doc.ocr_findings = [{"severity": "warning", "message": "OCR 读数不确定（第 8 页）", "found": "2,9?6.25",
                             "line": 3}]
        return doc

    monkeypatch.setattr(pipeline, "read_pdf", with_flag)
    folder = tmp_path / "raw" / "2024" / "ptczj"
    shutil.copytree(SRC.parent, folder)
    monkeypatch.setattr(pipeline.config, "CLEAN", tmp_path / "clean")
    rep = pipeline.parse_report(folder)
    [f] = [f for f in rep.log.findings if f.check == "ocr_uncertain"]
    assert f.severity == "warning" and f.found == "2,9?6.25" and f.location.endswith(":p1:3")


@pytest.mark.slow
def test_make_data_on_the_200dpi_scan_gives_the_text_pdfs_cells(scan_dir, tmp_path):
    """The whole pipeline (pdf.read_pdf → OCR → grid → checks) on a folder holding only the scan:
    the same line_items and the same findings as the text PDF."""
    from juesuan.clean import pipeline
    from juesuan.clean.frames import build_frames

    folder = tmp_path / "raw" / "2024" / "ptczj-scan"
    scan = ocr_bed.make_variant("200dpi", folder)
    assert scan.parent == folder
    text = build_frames(pipeline.parse_report(SRC.parent))
    scanned = build_frames(pipeline.parse_report(folder))
    cols = ["table", "side", "row_no", "code", "row_key", "column", "amount_yuan"]
    key = lambda df: sorted(map(tuple, df[cols].astype(str).values.tolist()))  # noqa: E731
    assert key(scanned["line_items"]) == key(text["line_items"])
    assert len(scanned["budget_outturn"]) == len(text["budget_outturn"])
    assert sorted(scanned["findings"].check) == sorted(text["findings"].check)


def test_findings_on_a_page_with_uncertain_ocr_say_they_may_come_from_the_ocr():
    from juesuan.findings import CheckLog
    from juesuan.messages_zh import english_words, message_zh
    from juesuan.clean.pipeline import mark_ocr_suspects

    log = CheckLog("scan.pdf", locate=lambda n: {3: "p8:3", 9: "p9:9"}[n])
    log.add("ocr_uncertain", "warning", "OCR 读数不确定", line=3)
    log.amounts("sum_to_total", D(100), D(200), what="公开02 合计 本年收入合计: Σ 4 rows", line=3, table="公开02")
    log.amounts("sum_to_total", D(100), D(300), what="公开03 合计 本年支出合计: Σ 4 rows", line=9, table="公开03")
    assert mark_ocr_suspects(log, [f.location for f in log.findings if f.check == "ocr_uncertain"]) == 1
    on8, on9 = log.findings[1], log.findings[2]
    assert "OCR misread" in on8.message and "OCR" not in on9.message
    zh = message_zh(on8.check, on8.message, on8.expected, on8.found, on8.table)
    assert "第 8 页有 OCR 识读不确定之处" in zh and not english_words(zh, keep="OCR")
    assert mark_ocr_suspects(log, ["scan.pdf:p8:3"]) == 0      # marked once


def test_is_scanned_stops_at_the_first_page_with_text(monkeypatch):
    """A text PDF is known from its first page: the other pages are not read (a 35-page budget
    spent 0.18 s counting the images of every page before)."""
    from juesuan.extract.reading import ocr
    pulled = []

    def kinds(file):
        for page in range(1, 36):
            pulled.append(page)
            yield {"page": page, "chars": 0 if page < 3 else 120, "images": 1}

    monkeypatch.setattr(ocr, "_iter_page_kinds", kinds)
    assert ocr.is_scanned("x.pdf") is False and pulled == [1, 2, 3]
    monkeypatch.setattr(ocr, "_iter_page_kinds", lambda f: iter([{"page": 1, "chars": 0, "images": 2},
                                                                 {"page": 2, "chars": 0, "images": 0}]))
    assert ocr.is_scanned("x.pdf") is True
    monkeypatch.setattr(ocr, "_iter_page_kinds", lambda f: iter([{"page": 1, "chars": 0, "images": 0}]))
    assert ocr.is_scanned("x.pdf") is False          # an empty page is not a scan
