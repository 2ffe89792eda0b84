"""Read an official final-accounts PDF with pdfplumber.

Tables are read by their ruling lines (``page.find_tables``) into cell grids;
tables printed without ruling lines are read from the words' positions
(:mod:`~juesuan.extract.reading.words`) into the same grids; the text outside the
tables (the explanation section) is read line by line.
Pages are read by pypdfium2 where it reproduces pdfplumber's objects exactly
(:mod:`~juesuan.extract.reading.pdfium`, several times faster); pdfplumber's own table finder and text
grouping then run on them.  Any other page is read by pdfplumber itself, and
``engine="pdfplumber"`` (or ``JUESUAN_PDF_ENGINE=pdfplumber``) reads every page that way — the
reference the tests compare the fast path with.
Both become one :class:`~juesuan.source.Document` whose lines keep their page,
so every value and finding can say where it came from (``file.pdf:p8:123`` =
page 8, line 123 of the extracted text, which is written next to the clean
data as ``extracted_text.txt``).
"""
from __future__ import annotations

import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...config import rel
from ...errors import ParseError
from ...source import Document
from .words import Word, WordTableReader

TEXT_SETTINGS = {"y_tolerance": 6, "x_tolerance": 1.5}
MAX_PAGES = 500          # a final-accounts report has tens of pages; more is refused
PAGE_TIME_LIMIT_S = 60.0  # one page that takes longer to read is refused


def _clock() -> float:  # (monkeypatched by the tests)
    import time
    return time.perf_counter()


class _PageTimeout(BaseException):
    """Raised by the alarm inside a page that takes too long (BaseException: no ``except
    Exception`` in pdfminer swallows it)."""


@contextmanager
def _page_time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM; main thread only, and only when no other
    timer is set — otherwise the time is checked after the page)."""
    import signal
    import threading
    if (seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield
        return

    def on_alarm(signum, frame):
        raise _PageTimeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class PdfTable:
    """One ruled table on one page: rows of cells (None = merged cell), each with its line."""

    page: int
    top: float
    rows: list = field(default_factory=list)      # list of (line number, [cells])
    above: list = field(default_factory=list)     # text lines between the previous table and this one


@dataclass
class PdfDocument(Document):
    tables: list = field(default_factory=list)    # PdfTable in reading order
    pages: int = 0
    text_pages: int = 0
    ocr_findings: list = field(default_factory=list)   # scanned PDFs: ocr_uncertain, one per unsure word
    fast_pages: int = 0                           # pages read by pypdfium2 (not cached: diagnostics)


def _clean_cell(cell):
    if cell is None:
        return None
    return cell.replace("\n", "").strip()


CACHE_VERSION = 3  # 3: pages read by pypdfium2 (float32 coordinates)
ENGINES = ("pdfium", "pdfplumber")


def read_pdf(file: Path, meta: dict | None = None, cache_dir: Path | None = None) -> PdfDocument:
    """Extract text lines and ruled tables; raise ParseError for unreadable or scanned PDFs.

    With ``cache_dir``, the extraction is kept there as JSON keyed by the PDF's sha256
    (derived data, never in data/raw); a later call with the same bytes reads it back
    instead of running pdfplumber again."""
    import hashlib
    import json

    file = Path(file)
    from .ocr import is_scanned, ocr_enabled
    if ocr_enabled() and file.exists() and file.stat().st_size and is_scanned(file):
        return _extract_scanned(file, meta, cache_dir)   # OCR has its own cache (sha256 + dpi + engine)
    cache = None
    if cache_dir is not None and file.exists() and file.stat().st_size:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        cache = Path(cache_dir) / f"pdf-{digest[:16]}-v{CACHE_VERSION}.json"
        if cache.exists():
            try:
                data = json.loads(cache.read_text(encoding="utf-8"))
                tables = [PdfTable(page=t["page"], top=t["top"], above=t["above"],
                                   rows=[(n, cells) for n, cells in t["rows"]]) for t in data["tables"]]
                return PdfDocument(path=rel(file), lines=data["lines"], meta=meta or {}, origins=data["origins"],
                                   tables=tables, pages=data["pages"], text_pages=data["text_pages"])
            except (ValueError, KeyError, TypeError):
                pass  # a damaged cache is ignored and rewritten
    doc = _extract(file, meta)
    if cache is not None:
        from ...atomic import atomic_write_text
        atomic_write_text(cache, json.dumps({
            "lines": doc.lines, "origins": doc.origins, "pages": doc.pages, "text_pages": doc.text_pages,
            "tables": [{"page": t.page, "top": t.top, "above": t.above, "rows": t.rows} for t in doc.tables],
        }, ensure_ascii=False))
    return doc


def _engine(engine: str | None) -> str:
    import os
    engine = engine or os.environ.get("JUESUAN_PDF_ENGINE") or "pdfium"
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r} (one of {', '.join(ENGINES)})")
    return engine


_PDFIUM_LOCK = threading.RLock()  # pdfium is not thread-safe: one call into it at a time


def _open_pdfium(file: Path, pages: int):
    """The PDF opened by pypdfium2, or None (then pdfplumber reads every page)."""
    with _PDFIUM_LOCK:
        try:
            import pypdfium2 as pdfium
            doc = pdfium.PdfDocument(str(file))
        except Exception:  # noqa: BLE001 - pdfplumber reports unreadable files
            return None
        if len(doc) != pages:
            doc.close()
            return None
        return doc


def _close_pdfium(doc) -> None:
    with _PDFIUM_LOCK:
        doc.close()


def _pdfium_page(doc, pno: int, initial_doctop: float):
    from .pdfium import page_objects
    with _PDFIUM_LOCK:
        page = doc[pno - 1]
        try:
            return page_objects(page, pno, initial_doctop)
        finally:
            page.close()


def _extract(file: Path, meta: dict | None = None, engine: str | None = None) -> PdfDocument:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    engine = _engine(engine)
    path = rel(file)
    if file.stat().st_size == 0:
        raise ParseError("file is empty", path)
    try:
        pdf = pdfplumber.open(file)
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises several types for damaged files
        raise ParseError(f"not a readable PDF ({type(exc).__name__}: {exc})", path) from exc
    lines: list[str] = []
    origins: list[str] = []
    tables: list[PdfTable] = []
    text_pages = 0
    reader = WordTableReader()
    with pdf, ExitStack() as stack:
        try:
            pages = list(pdf.pages)
        except Exception as exc:  # noqa: BLE001 - truncated files fail here
            raise ParseError(f"not a readable PDF ({type(exc).__name__}: {exc})", path) from exc
        if len(pages) > MAX_PAGES:  # bounded work
            raise ParseError(f"the PDF has {len(pages)} pages; more than {MAX_PAGES} are refused", path)
        fast = _open_pdfium(file, len(pages)) if engine == "pdfium" else None
        if fast is not None:
            stack.callback(_close_pdfium, fast)
        fast_pages = 0
        for pno, page in enumerate(pages, start=1):
            t_page = _clock()
            try:
                with _page_time_limit(PAGE_TIME_LIMIT_S):
                    if fast is not None:
                        objects = _pdfium_page(fast, pno, page.initial_doctop)
                        if objects is not None:
                            page._objects = objects  # pdfplumber's cache of the parsed page
                            fast_pages += 1
                    found = page.find_tables()
                    words_page = page
                    for t in found:
                        box = _within(t.bbox, page.bbox)
                        if box is not None:
                            words_page = words_page.outside_bbox(box)
                    text_lines = words_page.extract_text_lines(**TEXT_SETTINGS)
                    words = [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], pno)
                             for w in words_page.extract_words(x_tolerance=1.5, y_tolerance=3)]
            except _PageTimeout:
                raise ParseError(f"page {pno} took longer than {PAGE_TIME_LIMIT_S:g} s to read: refused",
                                 path) from None
            except Exception as exc:  # noqa: BLE001
                raise ParseError(f"page {pno} cannot be read ({type(exc).__name__}: {exc})", path) from exc
            if (spent := _clock() - t_page) > PAGE_TIME_LIMIT_S:
                raise ParseError(f"page {pno} took {spent:.1f} s to read (limit {PAGE_TIME_LIMIT_S:g} s): "
                                 f"refused", path)
            if page.chars:
                text_pages += 1
            plain = reader.read_page(pno, words, [t.bbox[1] for t in found])

            def in_plain(ln):
                mid = (ln["top"] + ln["bottom"]) / 2
                return any(wt.top - 0.5 <= mid <= wt.bottom + 0.5 for wt in plain)

            items = [(ln["top"], "text", ln["text"]) for ln in text_lines if ln["text"].strip() and not in_plain(ln)]
            for t in found:
                items.append((t.bbox[1], "table", _extract_cells(t)))
            for wt in plain:
                items.append((wt.top, "table", wt.rows))
            _add_page(pno, items, lines, origins, tables)
    if text_pages == 0:
        raise ParseError("no text layer: the PDF is a scanned image (OCR it first)", path)
    doc = PdfDocument(path=path, lines=lines, meta=meta or {}, origins=origins,
                      tables=tables, pages=len(pages), text_pages=text_pages)
    doc.fast_pages = fast_pages
    return doc


def _extract_cells(table) -> list:
    """``table.extract()`` (pdfplumber's cell texts) with the rows' characters found by bisection on
    their vertical middles instead of a scan of the whole page per row (the same characters, in the
    same order, so the same texts)."""
    from bisect import bisect_left

    from pdfplumber import utils
    chars = table.page.chars
    mids = sorted(((c["top"] + c["bottom"]) / 2, i) for i, c in enumerate(chars))
    keys = [m for m, _ in mids]

    def in_bbox(c, bbox):
        v = (c["top"] + c["bottom"]) / 2
        h = (c["x0"] + c["x1"]) / 2
        return bbox[0] <= h < bbox[2] and bbox[1] <= v < bbox[3]

    out = []
    for row in table.rows:
        x0, top, x1, bottom = row.bbox
        idx = sorted(i for _, i in mids[bisect_left(keys, top):bisect_left(keys, bottom)])
        row_chars = [chars[i] for i in idx if x0 <= (chars[i]["x0"] + chars[i]["x1"]) / 2 < x1]
        arr = []
        for cell in row.cells:
            if cell is None:
                arr.append(None)
                continue
            cell_chars = [c for c in row_chars if in_bbox(c, cell)]
            arr.append(utils.extract_text(cell_chars) if cell_chars else "")
        out.append(arr)
    return out


def _within(bbox, page_bbox):
    """``bbox`` clipped to the page (a table whose ruling runs off the page edge, as on a real
    provincial budget: pdfplumber refuses a box not fully within its page); None if nothing is left."""
    x0, top, x1, bottom = (max(bbox[0], page_bbox[0]), max(bbox[1], page_bbox[1]),
                           min(bbox[2], page_bbox[2]), min(bbox[3], page_bbox[3]))
    return (x0, top, x1, bottom) if x0 < x1 and top < bottom else None


def _add_page(pno: int, items: list, lines: list, origins: list, tables: list) -> None:
    """Append one page's text lines and tables (``(top, "text"|"table", text|rows)``) in reading order."""
    items.sort(key=lambda it: (it[0], it[1] == "table"))
    pending_text: list[int] = []
    for top, kind, obj in items:
        if kind == "text":
            lines.append(obj.strip())
            origins.append(f"p{pno}:{len(lines)}")
            pending_text.append(len(lines))
            continue
        tab = PdfTable(page=pno, top=top, above=[lines[n - 1] for n in pending_text])
        pending_text = []
        for row in obj:
            cells = [_clean_cell(c) for c in row]
            if not any(c for c in cells):
                continue  # an empty ruled row: nothing to read
            lines.append("\t".join("" if c is None else c for c in cells))
            origins.append(f"p{pno}:{len(lines)}")
            tab.rows.append((len(lines), cells))
        tables.append(tab)


def _extract_scanned(file: Path, meta: dict | None, cache_dir: Path | None) -> PdfDocument:
    """A scanned PDF: OCR (extract.ocr) → the same lines and tables as a text PDF.

    Ruled tables come from the ruling lines in the page image (cells filled with OCR words),
    tables without ruling lines from the positioned-words reader, the rest are text lines."""
    import sys

    from .ocr import ocr_pdf, page_layout, uncertain_findings

    path = rel(file)
    pages = ocr_pdf(file, jobs=None, cache_dir=cache_dir, progress=sys.stderr.isatty())
    reader = WordTableReader()
    lines: list[str] = []
    origins: list[str] = []
    tables: list[PdfTable] = []
    flagged: list[dict] = []
    for pg in pages:
        pno = pg["page"]
        lay = page_layout(file, pg)
        plain = reader.read_page(pno, [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], pno)
                                       for w in lay["words"]], [t["top"] for t in lay["tables"]])

        def in_plain(ln):
            mid = (ln["top"] + ln["bottom"]) / 2
            return any(wt.top - 0.5 <= mid <= wt.bottom + 0.5 for wt in plain)

        items = [(ln["top"], "text", ln["text"]) for ln in lay["text_lines"] if not in_plain(ln)]
        items += [(t["top"], "table", t["rows"]) for t in lay["tables"]]
        items += [(wt.top, "table", wt.rows) for wt in plain]
        first = len(lines)
        _add_page(pno, items, lines, origins, tables)
        words = lay["words"] + [w for t in lay["tables"] for ws in t["cell_words"] for w in ws] + lay["unread"]
        for w in words:   # a flagged word names the first line of its page that holds it
            if w["uncertain"]:
                w["line"] = next((n for n in range(first + 1, len(lines) + 1)
                                  if w["text"] and w["text"] in lines[n - 1]), None)
                flagged.append(w)
    if not any(line.strip() for line in lines):
        raise ParseError(f"a scanned PDF ({len(pages)} page(s) of images) in which OCR found no text", path)
    return PdfDocument(path=path, lines=lines, meta=meta or {}, origins=origins, tables=tables,
                       pages=len(pages), text_pages=0, ocr_findings=uncertain_findings(flagged, path))
