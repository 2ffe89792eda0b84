"""The fast PDF path (pages read by pypdfium2, tables and text grouped by pdfplumber) gives what the
pdfplumber-only path gives: the same objects on every page of the 2024 report, the same lines and
cells, and the same line items, findings and checks; pages it cannot reproduce go to pdfplumber.
(No timing here: ``make bench`` measures the speed.)"""
import json

import pdfplumber
import pypdfium2 as pdfium
import pytest

from juesuan import config
from juesuan.extract.reading import pdf as pdfmod
from juesuan.extract.reading.pdfium import _classify, page_objects
from juesuan.clean.frames import build_frames
from juesuan.clean.pipeline import parse_report

RAW = config.raw_dir(2024, "ptczj")
PDF = next(RAW.glob("*.pdf"))
KEYS = ("x0", "x1", "top", "bottom", "doctop")


def _key(o):
    return (round(o["top"], 2), round(o["x0"], 2), round(o["x1"], 2), round(o["bottom"], 2), o.get("text", ""))


def test_pdfium_gives_pdfplumbers_objects_on_every_page_of_the_2024_report():
    plumber = pdfplumber.open(PDF)
    fast = pdfium.PdfDocument(str(PDF))
    try:
        kinds = set()
        for i, page in enumerate(plumber.pages):
            got = page_objects(fast[i], i + 1, page.initial_doctop)
            assert got is not None, f"page {i + 1} not read by pypdfium2"
            ref = page.objects
            assert set(got) == set(ref), f"page {i + 1}"
            for kind in ref:
                kinds.add(kind)
                a, b = sorted(ref[kind], key=_key), sorted(got[kind], key=_key)
                assert len(a) == len(b), f"page {i + 1} {kind}"
                for u, v in zip(a, b):
                    assert u.get("text") == v.get("text")
                    assert max(abs(u[k] - v[k]) for k in KEYS) < 1e-3, (i + 1, kind, u, v)
        assert kinds == {"char", "line"}
    finally:
        plumber.close()
        fast.close()


def _as_plain(doc):
    return {"lines": doc.lines, "origins": doc.origins, "pages": doc.pages, "text_pages": doc.text_pages,
            "tables": [{"page": t.page, "above": t.above, "rows": json.loads(json.dumps(t.rows))} for t in doc.tables]}


def test_the_2024_extraction_is_the_same_as_pdfplumbers():
    fast = pdfmod._extract(PDF, engine="pdfium")
    ref = pdfmod._extract(PDF, engine="pdfplumber")
    assert fast.fast_pages == 25 and ref.fast_pages == 0
    assert _as_plain(fast) == _as_plain(ref)
    assert len(ref.tables) >= 16 and len(ref.lines) > 400
    assert [t.top for t in fast.tables] == pytest.approx([t.top for t in ref.tables], abs=1e-3)


def test_line_items_findings_and_checks_of_the_2024_report_are_byte_identical(tmp_path, monkeypatch):
    out = {}
    for engine in pdfmod.ENGINES:
        monkeypatch.setenv("JUESUAN_PDF_ENGINE", engine)
        monkeypatch.setattr(config, "CLEAN", tmp_path / engine)       # a cold parse: no cache yet
        rep = parse_report(RAW)
        assert rep.doc.fast_pages == (25 if engine == "pdfium" else 0)
        frames = build_frames(rep)
        out[engine] = {name: frames[name].to_csv(index=False) for name in ("line_items", "findings", "checks")}
    assert out["pdfium"] == out["pdfplumber"]
    assert out["pdfium"]["line_items"].count("\n") > 500


def test_the_blank_templates_extraction_is_the_same_as_pdfplumbers():
    """The template sets its text with a scaled text matrix (Tf 209, Tm 0.05)."""
    import templatekit

    template = templatekit.TEMPLATE_PDF
    if not templatekit.available():
        pytest.skip(templatekit.MISSING)
    fast = pdfmod._extract(template)
    assert fast.fast_pages == fast.pages == 23
    assert _as_plain(fast) == _as_plain(pdfmod._extract(template, engine="pdfplumber"))


def _pdf(path, draw):
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=(400, 300))
    draw(c)
    c.save()
    return path


def test_pages_it_cannot_reproduce_are_read_by_pdfplumber(tmp_path):
    """A font that is not embedded: pypdfium2 measures a substitute and drops a lone character
    (码 below); such a page goes to pdfplumber, and nothing is lost."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    def draw(c):
        c.setFont("STSong-Light", 7.5)
        c.drawCentredString(71, 200, "功能分类科目编")
        c.drawCentredString(71, 191.5, "码")
        c.line(10, 100, 300, 100)
        c.showPage()
        c.line(10, 100, 300, 100)                  # no text: read by pypdfium2
        c.rotate(90)
        c.showPage()
    pdf = _pdf(tmp_path / "cid.pdf", draw)
    fast = pdfmod._extract(pdf)
    assert fast.fast_pages == 1 and fast.pages == 2
    assert fast.lines[:2] == ["功能分类科目编", "码"]
    assert _as_plain(fast) == _as_plain(pdfmod._extract(pdf, engine="pdfplumber"))


def _vera():
    import os

    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    pdfmetrics.registerFont(TTFont("Vera", os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")))


def test_an_embedded_font_is_read_by_pypdfium2(tmp_path):
    _vera()

    def draw(c):
        c.setFont("Vera", 10)
        c.drawString(20, 250, "Income 1,234.56  total")
        c.drawString(20, 230, "upright")
        c.rect(10, 10, 100, 50)
    pdf = _pdf(tmp_path / "vera.pdf", draw)
    fast = pdfmod._extract(pdf)
    assert fast.fast_pages == 1
    assert fast.lines == pdfmod._extract(pdf, engine="pdfplumber").lines == ["Income 1,234.56 total", "upright"]


def test_rotated_text_and_curves_go_to_pdfplumber(tmp_path):
    _vera()

    def draw(c):
        c.saveState()
        c.rotate(90)
        c.setFont("Vera", 10)
        c.drawString(100, -100, "rotated")
        c.restoreState()
        c.showPage()
        c.bezier(10, 10, 20, 50, 30, 50, 40, 10)
        c.showPage()
    pdf = _pdf(tmp_path / "odd.pdf", draw)
    fast = pdfium.PdfDocument(str(pdf))
    try:
        assert [page_objects(fast[i], i + 1, 0) for i in range(2)] == [None, None]
    finally:
        fast.close()


def test_an_unknown_engine_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="unknown PDF engine 'x'"):
        pdfmod._extract(PDF, engine="x")
    monkeypatch.setenv("JUESUAN_PDF_ENGINE", "y")
    with pytest.raises(ValueError, match="unknown PDF engine 'y'"):
        pdfmod._extract(PDF)


@pytest.mark.parametrize("pts, kind", [
    ([(0, 0), (10, 0)], "line"),
    ([(0, 0), (10, 0), (0, 0)], "line"),                                  # m l h
    ([(0, 0), (10, 0), (10, 5), (0, 5), (0, 0)], "rect"),                 # re
    ([(0, 0), (0, 5), (10, 5), (10, 0), (0, 0)], "rect"),
    ([(0, 0), (10, 0), (12, 5), (0, 5), (0, 0)], "curve"),                # not square
    ([(0, 0), (10, 0), (10, 5)], "curve"),
])
def test_paths_are_classified_as_pdfminer_does(pts, kind):
    found = {"line": [], "rect": [], "curve": []}
    _classify(pts, 3, 100, 200, found["line"], found["rect"], found["curve"])
    assert [k for k, v in found.items() if v] == [kind]
    obj = found[kind][0]
    assert obj["object_type"] == kind and obj["page_number"] == 3
    assert obj["top"] == 100 - max(p[1] for p in pts) and obj["doctop"] == 200 + obj["top"]
    assert obj["x1"] - obj["x0"] == obj["width"] == max(p[0] for p in pts) - min(p[0] for p in pts)


def test_threads_reading_pdfs_at_once_get_the_same_extraction():
    """pdfium is not thread-safe: calls into it are serialised, so threads may read PDFs at once."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=3) as pool:
        docs = list(pool.map(lambda _: pdfmod._extract(PDF), range(3)))
    assert all(d.fast_pages == 25 for d in docs)
    assert _as_plain(docs[0]) == _as_plain(docs[1]) == _as_plain(docs[2])
