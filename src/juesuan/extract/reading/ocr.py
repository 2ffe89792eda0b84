"""OCR for scanned reports: page images → positioned words and text lines.

A scanned PDF (no text layer, page images) is rendered page by page with pypdfium2 and read
with RapidOCR (``rapidocr-onnxruntime``, pinned; its ONNX models ship inside the wheel, so
nothing is downloaded at run time). What comes out has the shape the rest of the suite reads:

* **words**: one dict per OCR box, in PDF points with the origin top-left like pdfplumber
  (``text, x0, x1, top, bottom, page, conf`` plus ``uncertain`` and ``reason``). A box is
  usually a whole cell or phrase and stays one word; a box that holds two or more amounts
  separated by spaces is split. Look-alike characters are normalised only where that is
  unambiguous (full-width digits, comma, point, minus); a numeric token with a confidence
  below ``min_conf`` or with any other character is flagged ``uncertain=True`` and never
  corrected: the caller records an ``ocr_uncertain`` finding (:func:`uncertain_findings`).
* **lines** and **origins**: the boxes grouped into text lines by vertical overlap and
  ordered by x, numbered like :mod:`juesuan.extract.reading.pdf` numbers a text layer (``"p8:123"`` =
  page 8, line 123 of the whole document), so the explanation parser reads a scan unchanged.

Pages are OCR'd in a process pool (``jobs``) with a tqdm progress bar; the raw boxes are
cached as JSON keyed by the PDF's sha256, the dpi, deskewing and the engine version.

This module does not import :mod:`juesuan.extract.reading.pdf` (which calls it).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...config import rel
from ...errors import ParseError

ENGINE = "rapidocr-onnxruntime"
CACHE_VERSION = 2  # 2: no angle classifier
DEFAULT_DPI = 200
DEFAULT_MIN_CONF = 0.9
NO_OCR_ENV = "JUESUAN_NO_OCR"      # set (to 1) by ``--no-ocr``: scanned PDFs are refused as before
OCR_JOBS_ENV = "JUESUAN_OCR_JOBS"  # processes for OCR (default: up to 2)

# Unambiguous look-alikes in numbers: full-width digits and punctuation, Unicode minus signs.
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_NUMBER_MAP = str.maketrans({**_FULLWIDTH, "，": ",", "．": ".", "－": "-", "−": "-", "‐": "-", "‒": "-",
                             "–": "-"})
_NUMERIC_CHARS = set("0123456789,.-")
# a well-formed number: optional minus, digits with correct thousands groups or none, decimals
WELL_FORMED = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# an amount as the tables print it: decimals or thousands separators (codes like 201 are not)
AMOUNT_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)$")


_TAIL = re.compile(r"(?:%[;；。、:：,，]*|[;；。、:：]+)$")


def engine_version() -> str:
    """``rapidocr-onnxruntime`` and ``onnxruntime`` versions as installed (part of the cache key)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rapidocr{version('rapidocr-onnxruntime')}-ort{version('onnxruntime')}"
    except PackageNotFoundError as exc:  # pragma: no cover - the pinned environment has it
        raise ParseError("OCR needs the pinned package rapidocr-onnxruntime (pip install -r requirements.txt)",
                         "") from exc


def ocr_enabled() -> bool:
    """False when the run was started with ``--no-ocr`` (environment ``JUESUAN_NO_OCR=1``)."""
    return os.environ.get(NO_OCR_ENV, "").strip() not in ("1", "true", "yes")


def default_jobs() -> int:
    """OCR processes: ``JUESUAN_OCR_JOBS`` or up to 2 (the machine's cores are shared)."""
    try:
        return max(1, int(os.environ.get(OCR_JOBS_ENV, "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


# ---------------------------------------------------------------------------------------------
# Scanned-PDF detection
# ---------------------------------------------------------------------------------------------

def _iter_page_kinds(file: Path):
    """Per page, as read: number of text characters and of image objects (pypdfium2)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    path = rel(Path(file))
    try:
        pdf = pdfium.PdfDocument(str(file))
    except Exception as exc:  # noqa: BLE001 - pdfium raises PdfiumError for damaged files
        raise ParseError(f"not a readable PDF ({type(exc).__name__}: {exc})", path) from exc
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                tp = page.get_textpage()
                chars = tp.count_chars()
                text = tp.get_text_range() if chars else ""
                tp.close()
                images = sum(1 for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))
            finally:
                page.close()
            yield {"page": i + 1, "chars": len(text.strip()), "images": images}
    finally:
        pdf.close()


def page_kinds(file: Path) -> list[dict]:
    """Per page: number of text characters and of image objects (pypdfium2)."""
    return list(_iter_page_kinds(file))


def scanned_pages(file: Path) -> list[int]:
    """Pages (1-based) that have page images but no text layer."""
    return [k["page"] for k in page_kinds(file) if k["chars"] == 0 and k["images"] > 0]


def is_scanned(file: Path) -> bool:
    """True when no page of the PDF has a text layer and at least one page holds an image.
    Stops at the first page with text (a text PDF is known from its first page, not its last)."""
    pages = images = 0
    for k in _iter_page_kinds(file):
        if k["chars"]:
            return False
        pages += 1
        images += k["images"]
    return bool(pages) and images > 0


# ---------------------------------------------------------------------------------------------
# Rendering, deskewing and OCR of one page
# ---------------------------------------------------------------------------------------------

def render_page(file: Path, page: int, dpi: int = DEFAULT_DPI):
    """Page ``page`` (1-based) as a PIL image at ``dpi``; also returns the page size in points."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(file))
    try:
        pg = pdf[page - 1]
        width, height = pg.get_size()
        bitmap = pg.render(scale=dpi / 72)
        img = bitmap.to_pil().convert("RGB")
        pg.close()
    finally:
        pdf.close()
    return img, (width, height)


def estimate_skew(img, max_angle: float = 3.0, step: float = 0.05) -> float:
    """Angle (degrees, PIL's counter-clockwise convention) that straightens the page's text lines.

    Projection profile: the page is binarised and shrunk, rotated by candidate angles, and the
    angle whose row sums vary most (sharp text lines and ruling lines) wins. Coarse then fine."""
    import numpy as np
    from PIL import Image

    g = img.convert("L")
    scale = 1000 / max(g.size)
    if scale < 1:
        g = g.resize((max(1, int(g.width * scale)), max(1, int(g.height * scale))), Image.BILINEAR)
    ink = Image.fromarray(((np.asarray(g) < 160) * 255).astype("uint8"))

    def score(angle):
        rows = np.asarray(ink.rotate(angle, resample=Image.NEAREST, fillcolor=0), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    coarse = [i * 0.25 for i in range(int(-max_angle / 0.25), int(max_angle / 0.25) + 1)]
    best = max(coarse, key=score)
    fine = [best + i * step for i in range(int(-0.25 / step), int(0.25 / step) + 1)]
    best = max(fine, key=score)
    return round(best, 2)


def deskew(img, min_angle: float = 0.1):
    """The page rotated straight (about its centre, white fill) and the angle applied."""
    from PIL import Image

    angle = estimate_skew(img)
    if abs(angle) < min_angle:
        return img, 0.0
    return img.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255)), angle


_ENGINE = None


def _engine(threads: int = 0):
    """One RapidOCR engine per process (models load once)."""
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        kw = {"max_side_len": 5000}  # keep 300-dpi renders at full size (default shrinks to 2000 px)
        if threads:
            kw["intra_op_num_threads"] = threads
            kw["inter_op_num_threads"] = 1
        _ENGINE = RapidOCR(**kw)
    return _ENGINE


def ocr_image(img, threads: int = 0) -> list[dict]:
    """OCR boxes of an image in pixels: ``{text, conf, quad}`` with the quad's four corners."""
    import numpy as np

    # no angle classifier: pages are upright (deskewed), and on small crops it turns 09 into 60
    # and 99 into 66 (it judges them upside down), with high confidence
    result, _ = _engine(threads)(np.asarray(img.convert("RGB")), use_cls=False)
    boxes = []
    for quad, text, conf in result or []:
        boxes.append({"text": str(text), "conf": round(float(conf), 4),
                      "quad": [[round(float(x), 1), round(float(y), 1)] for x, y in quad]})
    return boxes


def ocr_page(file: Path, page: int, dpi: int = DEFAULT_DPI, deskew_pages: bool = True,
             threads: int = 0) -> dict:
    """Render, optionally deskew, and OCR one page; box coordinates in PDF points (top-left origin)."""
    t0, c0 = time.perf_counter(), time.process_time()
    img, (width, height) = render_page(file, page, dpi)
    angle = 0.0
    if deskew_pages:
        img, angle = deskew(img)
    boxes = ocr_image(img, threads)
    sx, sy = width / img.width, height / img.height
    for b in boxes:
        xs = [p[0] * sx for p in b["quad"]]
        ys = [p[1] * sy for p in b["quad"]]
        b.update(x0=round(min(xs), 2), x1=round(max(xs), 2), top=round(min(ys), 2), bottom=round(max(ys), 2))
        del b["quad"]
    return {"page": page, "width": width, "height": height, "dpi": dpi, "deskew_angle": angle,
            "seconds": round(time.perf_counter() - t0, 3), "cpu_seconds": round(time.process_time() - c0, 3),
            "boxes": boxes}


def _ocr_page_job(args):
    """One page in a worker; an error comes back as data (naming the page), not as an exception."""
    file, page, dpi, deskew_pages, threads = args
    try:
        return ocr_page(Path(file), page, dpi, deskew_pages, threads)
    except Exception as exc:  # noqa: BLE001 - pdfium/onnx errors vary; the caller names file and page
        return {"page": page, "error": f"{type(exc).__name__}: {exc}"}


def _cache_file(cache_dir: Path, file: Path, dpi: int, deskew_pages: bool) -> Path:
    digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
    tag = f"{dpi}dpi{'-deskew' if deskew_pages else ''}-{engine_version()}"
    return Path(cache_dir) / f"ocr-{digest[:16]}-{tag}-v{CACHE_VERSION}.json"


def _take(res: dict, done: dict, path: str) -> None:
    if "error" in res:
        raise ParseError(f"page {res['page']} cannot be OCR'd ({res['error']})", path)
    done[res["page"]] = res


def ocr_pdf(file: Path, dpi: int = DEFAULT_DPI, jobs: int | None = 1, cache_dir: Path | None = None,
            pages: list[int] | None = None, deskew_pages: bool = True, progress: bool = False) -> list[dict]:
    """OCR every page (or ``pages``) of a PDF: a list of :func:`ocr_page` results in page order.

    ``jobs`` > 1 OCRs pages in a process pool (each worker one engine, the cores shared out);
    with ``cache_dir`` the result is kept as JSON keyed by sha256 + dpi + deskew + engine
    version, and read back when the same bytes are OCR'd again with the same settings."""
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    file = Path(file)
    path = rel(file)
    if not file.exists() or file.stat().st_size == 0:
        raise ParseError("file is missing or empty", path)
    cache = _cache_file(cache_dir, file, dpi, deskew_pages) if cache_dir is not None else None
    done: dict[int, dict] = {}
    if cache is not None and cache.exists():
        try:
            done = {p["page"]: p for p in json.loads(cache.read_text(encoding="utf-8"))["pages"]}
        except (ValueError, KeyError, TypeError):
            done = {}  # a damaged cache is ignored and rewritten
    wanted = pages or [k["page"] for k in page_kinds(file)]
    todo = [p for p in wanted if p not in done]
    if todo:
        import multiprocessing

        jobs = max(1, min(default_jobs() if jobs is None else jobs, len(todo)))
        if multiprocessing.current_process().daemon:
            jobs = 1  # a daemonic worker may not start a pool of its own
        threads = max(1, (os.cpu_count() or 1) // jobs)
        args = [(str(file), p, dpi, deskew_pages, threads) for p in todo]
        bar = tqdm(total=len(todo), desc=f"OCR {file.name}", unit="page", disable=not progress)
        try:
            if jobs == 1:
                results = map(_ocr_page_job, args)
                for res in results:
                    _take(res, done, path)
                    bar.update()
            else:
                with ProcessPoolExecutor(max_workers=jobs) as pool:
                    for res in pool.map(_ocr_page_job, args):
                        _take(res, done, path)
                        bar.update()
        finally:
            bar.close()
        if cache is not None:
            from ...atomic import atomic_write_text

            atomic_write_text(cache, json.dumps({"engine": engine_version(), "dpi": dpi, "deskew": deskew_pages,
                                                 "pages": [done[p] for p in sorted(done)]}, ensure_ascii=False))
    return [done[p] for p in wanted]


# ---------------------------------------------------------------------------------------------
# Boxes → words (amount tokens split, normalised only when unambiguous, flagged when uncertain)
# ---------------------------------------------------------------------------------------------

def normalise_number(text: str) -> str:
    """Full-width digits/punctuation and Unicode minus signs to ASCII; nothing else is changed."""
    return text.translate(_NUMBER_MAP).strip()


def looks_numeric(text: str) -> bool:
    """A token meant as a number (amount or code): mostly digits/commas/points, at least one digit.

    Tokens with a few misread characters (``1,5l1.90``) count as numeric so they are flagged,
    not passed on as text."""
    t = _TAIL.sub("", normalise_number(text).replace(" ", ""))
    if not t or not any(c.isdigit() for c in t):
        return False
    numeric = sum(c in _NUMERIC_CHARS for c in t)
    return numeric / len(t) >= 0.6 and not re.search(r"[\u4e00-\u9fff]{2,}", t)


def check_number(text: str, conf: float, min_conf: float = DEFAULT_MIN_CONF) -> tuple[str, bool, str]:
    """(normalised text, uncertain, reason) for a numeric token; never guesses a character."""
    t = normalise_number(text)
    # a percentage or a number at the end of a clause keeps its sign and punctuation (15.16%;)
    m = _TAIL.search(t)
    core = t[:m.start()] if m and m.start() > 0 and t[m.start() - 1].isdigit() else t
    odd = sorted({c for c in core if c not in _NUMERIC_CHARS})
    if odd:
        return t, True, "characters that are not digits/commas/point/minus: " + "".join(odd)
    if not WELL_FORMED.match(core):
        return t, True, "malformed number (separators or signs out of place)"
    if conf < min_conf:
        return t, True, f"OCR confidence {conf:.3f} below {min_conf}"
    return t, False, ""


def _split_box(box: dict) -> list[dict]:
    """Split a box whose space-separated parts are all numeric into one box per part.

    Positions are shared out in proportion to the characters (digits are about equally wide)."""
    parts = box["text"].split()
    if len(parts) < 2 or not all(looks_numeric(p) for p in parts):
        return [box]
    total = len(box["text"].strip())
    width = box["x1"] - box["x0"]
    out, pos = [], box["text"].strip()
    offset = 0
    for p in parts:
        start = pos.index(p, offset)
        offset = start + len(p)
        out.append({**box, "text": p,
                    "x0": round(box["x0"] + width * start / total, 2),
                    "x1": round(box["x0"] + width * offset / total, 2)})
    return out


def page_words(page: dict, min_conf: float = DEFAULT_MIN_CONF) -> list[dict]:
    """Positioned words of one OCR'd page (see module docstring)."""
    words = []
    for box in page["boxes"]:
        for b in _split_box(box):
            w = {"text": b["text"].strip(), "x0": b["x0"], "x1": b["x1"], "top": b["top"], "bottom": b["bottom"],
                 "page": page["page"], "conf": b["conf"], "uncertain": False, "reason": ""}
            if not w["text"]:
                continue
            if looks_numeric(w["text"]):
                w["text"], w["uncertain"], w["reason"] = check_number(w["text"], b["conf"], min_conf)
            elif b["conf"] < min_conf and any(c.isdigit() for c in normalise_number(w["text"])):
                # a line of prose with figures: the box is one reading, so its confidence covers them
                w["uncertain"] = True
                w["reason"] = f"text with figures, OCR confidence {b['conf']:.3f} below {min_conf}"
            words.append(w)
    return words


def words_from_pages(pages: list[dict], min_conf: float = DEFAULT_MIN_CONF) -> list[dict]:
    return [w for p in pages for w in page_words(p, min_conf)]


def uncertain_findings(words: list[dict], path: str = "") -> list[dict]:
    """One ``ocr_uncertain`` finding per flagged word: page, line (when the word went through
    :func:`lines_and_words`), box, text read, confidence, reason.

    Severity ``warning``: the reading is in doubt, not the source; an identity that then fails
    is the caller's error finding, which should name the uncertain cell it involves."""
    return [{"check": "ocr_uncertain", "severity": "warning", "path": path, "page": w["page"], "line": w.get("line"),
             "location": f"p{w['page']}", "box": [w["x0"], w["top"], w["x1"], w["bottom"]],
             "found": w["text"], "conf": w["conf"],
             "message": f"OCR 读数不确定（第 {w['page']} 页，框 {w['x0']:.0f},{w['top']:.0f}–"
                        f"{w['x1']:.0f},{w['bottom']:.0f}，"
                        + (f"读作“{w['text']}”" if w["text"] else "未能识读")
                        + f"）：{w['reason']}"}
            for w in words if w.get("uncertain")]


# ---------------------------------------------------------------------------------------------
# Boxes → text lines (like a text layer)
# ---------------------------------------------------------------------------------------------

def group_lines(words: list[dict]) -> list[list[dict]]:
    """Words of one page grouped into lines, each ordered by x.

    A word joins a line when its vertical centre lies within the band of the line's first word
    and that word's centre within its own band (mutual overlap), so a tall box next to a row does
    not pull in the row above; of several such lines the nearest in centre wins."""
    def centre(w):
        return (w["top"] + w["bottom"]) / 2

    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (centre(w), w["x0"])):
        fits = [ln for ln in lines[-8:]  # lines are built top-down; only recent ones can match
                if ln[0]["top"] <= centre(w) <= ln[0]["bottom"] and w["top"] <= centre(ln[0]) <= w["bottom"]]
        if fits:
            min(fits, key=lambda ln: abs(centre(ln[0]) - centre(w))).append(w)
        else:
            lines.append([w])
    return [sorted(ln, key=lambda w: w["x0"]) for ln in sorted(lines, key=lambda ln: centre(ln[0]))]


def join_line(words: list[dict]) -> str:
    """Text of one line: boxes next to each other are joined directly, separated ones by a space,
    far-apart ones (table cells) by a tab like the table rows of a text-layer PDF."""
    out = ""
    prev = None
    for w in words:
        if prev is not None:
            gap = w["x0"] - prev["x1"]
            h = max(1.0, min(w["bottom"] - w["top"], prev["bottom"] - prev["top"]))
            out += "\t" if gap > 2.5 * h else (" " if gap > 0.35 * h else "")
        out += w["text"]
        prev = w
    return out


def page_text_lines(page: dict, min_conf: float = DEFAULT_MIN_CONF) -> list[dict]:
    """One OCR'd page as pdfplumber's ``extract_text_lines`` gives a text page: per line
    ``text, x0, x1, top, bottom`` and its ``words`` (so a reader that takes positioned words
    and a page's text lines, like the text-layer loop of :mod:`juesuan.extract.reading.pdf`, can take
    these unchanged)."""
    out = []
    for ln in group_lines(page_words(page, min_conf)):
        text = join_line(ln).strip()
        if text:
            out.append({"text": text, "x0": min(w["x0"] for w in ln), "x1": max(w["x1"] for w in ln),
                        "top": min(w["top"] for w in ln), "bottom": max(w["bottom"] for w in ln), "words": ln})
    return out


def lines_and_words(pages: list[dict], min_conf: float = DEFAULT_MIN_CONF,
                    start: int = 1) -> tuple[list[str], list[str], list[dict]]:
    """(lines, origins, words) of OCR'd pages: lines numbered like a text-layer PDF (origins
    ``"p8:123"`` = page 8, line 123 of the whole document, ``start`` being the first number),
    and every word with the ``line`` it was put in, so a finding on a word names page and line."""
    lines: list[str] = []
    origins: list[str] = []
    words: list[dict] = []
    for page in pages:
        for ln in page_text_lines(page, min_conf):
            lines.append(ln["text"])
            n = start + len(lines) - 1
            origins.append(f"p{page['page']}:{n}")
            for w in ln["words"]:
                w["line"] = n
            words += ln["words"]
    return lines, origins, words


def text_lines(pages: list[dict], min_conf: float = DEFAULT_MIN_CONF, start: int = 1) -> tuple[list[str], list[str]]:
    """(lines, origins) for OCR'd pages, numbered like a text-layer PDF (origins ``"p8:123"``)."""
    lines, origins, _ = lines_and_words(pages, min_conf, start)
    return lines, origins


@dataclass
class OcrResult:
    """What a scanned PDF gives the rest of the suite."""

    path: str
    lines: list[str]
    origins: list[str]
    words: list[dict]                      # positioned words, all pages
    pages: int
    findings: list[dict] = field(default_factory=list)   # ocr_uncertain, one per flagged word
    seconds_per_page: float = 0.0
    dpi: int = DEFAULT_DPI


def read_scanned(file: Path, dpi: int = DEFAULT_DPI, jobs: int | None = None, cache_dir: Path | None = None,
                 min_conf: float = DEFAULT_MIN_CONF, deskew_pages: bool = True,
                 progress: bool = False) -> OcrResult:
    """OCR a scanned PDF into lines/origins (for a Document), positioned words and findings."""
    file = Path(file)
    pages = ocr_pdf(file, dpi=dpi, jobs=jobs, cache_dir=cache_dir, deskew_pages=deskew_pages, progress=progress)
    lines, origins, words = lines_and_words(pages, min_conf)
    path = rel(file)
    secs = sum(p["seconds"] for p in pages) / len(pages) if pages else 0.0
    return OcrResult(path=path, lines=lines, origins=origins, words=words, pages=len(pages),
                     findings=uncertain_findings(words, path), seconds_per_page=round(secs, 3), dpi=dpi)


# ---------------------------------------------------------------------------------------------
# Ruled tables of a scanned page: the ruling lines are in the image
# ---------------------------------------------------------------------------------------------

def detect_rules(img, size: tuple[float, float], min_h: float = 0.4, min_v: float = 0.18) -> dict:
    """Ruling lines of a page image, in PDF points: ``{"h": [[x0, x1, y]], "v": [[x, top, bottom]]}``.

    Dark pixels are opened with a long thin kernel (``min_h`` / ``min_v`` inches, longer than
    any character stroke), so only straight runs remain; each connected run is one segment."""
    import cv2
    import numpy as np

    gray = np.asarray(img.convert("L"))
    h_px, w_px = gray.shape
    dpi = w_px / size[0] * 72
    ink = (gray < 160).astype("uint8")
    out = {"h": [], "v": []}
    for key, kernel in (("h", (1, max(8, int(min_h * dpi)))), ("v", (max(8, int(min_v * dpi)), 1))):
        mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones(kernel, "uint8"))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        sx, sy = size[0] / w_px, size[1] / h_px
        for x, y, w, h, _area in stats[1:n]:
            if key == "h":
                seg = [x * sx, (x + w) * sx, (y + h / 2) * sy]
            else:
                seg = [(x + w / 2) * sx, y * sy, (y + h) * sy]
            out[key].append([round(float(v), 2) for v in seg])
    return out


def page_image(file: Path, page: dict):
    """The page rendered and deskewed as it was for OCR (``page`` is an :func:`ocr_page`
    result), so what is found in it shares one frame with the OCR boxes; and its size in points."""
    from PIL import Image

    img, size = render_page(file, page["page"], page["dpi"])
    if page.get("deskew_angle"):
        img = img.rotate(page["deskew_angle"], resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    return img, size


def page_rules(file: Path, page: dict) -> dict:
    """:func:`detect_rules` on the page as it was OCR'd."""
    img, size = page_image(file, page)
    return detect_rules(img, size)


def unread_ink(img, size: tuple[float, float], boxes: list[dict], rules: dict, min_height: float = 4.0,
               min_width: float = 4.0) -> list[dict]:
    """Regions of print that no OCR box covers (a line or a cell the detector missed), in points.

    The dark pixels, less the ruling lines and every OCR box (with a small margin), are merged
    into blobs the size of characters; a blob at least ``min_height`` × ``min_width`` points
    is print that was not read. Returned as boxes ``{x0, x1, top, bottom}``."""
    import cv2
    import numpy as np

    gray = np.asarray(img.convert("L"))
    h_px, w_px = gray.shape
    sx, sy = w_px / size[0], h_px / size[1]
    ink = (gray < 160).astype("uint8")
    pad = max(2, int(1.5 * sx))
    for x0, x1, y in rules["h"]:
        ink[max(0, int(y * sy) - pad):int(y * sy) + pad + 1, max(0, int(x0 * sx) - pad):int(x1 * sx) + pad + 1] = 0
    for x, top, bottom in rules["v"]:
        ink[max(0, int(top * sy) - pad):int(bottom * sy) + pad + 1, max(0, int(x * sx) - pad):int(x * sx) + pad + 1] = 0
    for b in boxes:
        ink[max(0, int(b["top"] * sy) - pad):int(b["bottom"] * sy) + pad + 1,
            max(0, int(b["x0"] * sx) - pad):int(b["x1"] * sx) + pad + 1] = 0
    # characters → blobs: close the gaps between strokes and between neighbouring characters
    blobs = cv2.dilate(ink, np.ones((max(1, int(1.0 * sy)), max(1, int(3.0 * sx))), "uint8"))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    found = []
    for x, y, w, h, _area in stats[1:n]:
        dark = int(ink[y:y + h, x:x + w].sum())
        tall = h / sy >= min_height and w / sx >= min_width          # characters
        stroke = w / sx >= 1.5 * min_width and h / sy >= 0.5          # a lone 一 or a dash
        if (tall or stroke) and dark >= 0.02 * w * h:
            found.append([float(x / sx), float((x + w) / sx), float(y / sy), float((y + h) / sy)])
    # blobs of one line (vertical overlap, gap under two character heights) become one region
    merged = found
    while True:
        before = len(merged)
        out: list[list[float]] = []
        for b in sorted(merged, key=lambda b: (b[2], b[0])):
            for m in out:
                if min(m[3], b[3]) - max(m[2], b[2]) > 0.3 * min(b[3] - b[2], m[3] - m[2]) and \
                        b[0] - m[1] < 2 * (b[3] - b[2]) and m[0] - b[1] < 2 * (b[3] - b[2]):
                    m[:] = [min(m[0], b[0]), max(m[1], b[1]), min(m[2], b[2]), max(m[3], b[3])]
                    break
            else:
                out.append(list(b))
        merged = out
        if len(merged) == before:
            break
    return [{"x0": round(m[0], 2), "x1": round(m[1], 2), "top": round(m[2], 2), "bottom": round(m[3], 2)}
            for m in merged]


def _cell_text(words: list[dict]) -> str:
    """A cell's words as a text-layer cell reads: its lines joined without a break."""
    return "".join(join_line(ln).replace("\t", " ") for ln in group_lines(words)).strip()


def split_at_rules(words: list[dict], vrules: list[list[float]], reread=None,
                   min_conf: float = DEFAULT_MIN_CONF) -> list[dict]:
    """Split text boxes that run across a vertical ruling line (two header cells read as one box,
    ``小计基本支出`` over 小计 | 基本支出) at the line.

    With ``reread`` (box → (text, conf), recognition on that part of the page image), each part
    is read again on its own, so nothing is guessed; without it the characters are shared out by
    position. Numbers are never split (a number across a cell border stays whole; when it is two
    numbers run together it is malformed and already flagged)."""
    out = []
    for w in words:
        text = w["text"]
        n = len(text)
        if n < 2 or looks_numeric(text):
            out.append(w)
            continue
        cw = (w["x1"] - w["x0"]) / n
        mid = (w["top"] + w["bottom"]) / 2
        xs = sorted({x for x, top, bottom in vrules
                     if top <= mid <= bottom and w["x0"] + 0.5 * cw < x < w["x1"] - 0.5 * cw})
        if not xs:
            out.append(w)
            continue
        if reread is not None:
            for a, b in zip([w["x0"], *xs], [*xs, w["x1"]]):
                part = {**w, "x0": round(a + (1.0 if a != w["x0"] else 0.0), 2),
                        "x1": round(b - (1.0 if b != w["x1"] else 0.0), 2)}
                got, conf = reread(part)
                if got.strip():
                    part.update(text=got.strip(), conf=round(float(conf), 4))
                    if looks_numeric(part["text"]):
                        part["text"], part["uncertain"], part["reason"] = check_number(part["text"], conf, min_conf)
                    out.append(part)
            continue
        cuts = sorted({round((x - w["x0"]) / cw) for x in xs})
        cuts = [c for c in cuts if 0 < c < n]
        for a, b in zip([0, *cuts], [*cuts, n]):
            part = text[a:b].strip()
            if part:
                out.append({**w, "text": part, "x0": round(w["x0"] + a * cw, 2), "x1": round(w["x0"] + b * cw, 2)})
    return out


def _reader(img, size: tuple[float, float]):
    """box → (text, conf): recognition alone on that part of the page image."""
    import numpy as np

    sx, sy = img.width / size[0], img.height / size[1]

    def read(box):
        crop = img.crop((int(box["x0"] * sx), int(box["top"] * sy), int(box["x1"] * sx) + 1,
                         int(box["bottom"] * sy) + 1))
        if crop.width < 2 or crop.height < 2:
            return "", 0.0
        res, _ = _engine()(np.asarray(crop.convert("RGB")), use_det=False, use_cls=False)
        text, conf = (res or [["", 0.0]])[0]
        return str(text), float(conf)
    return read


def page_layout(file: Path, page: dict, min_conf: float = DEFAULT_MIN_CONF) -> dict:
    """One OCR'd page split like a text page: ruled tables (cells found from the ruling lines in
    the image with pdfplumber's table finder, filled with the OCR words whose centre lies in
    them), and the words and text lines outside those tables.

    ``tables``: ``[{"bbox", "top", "rows"}]`` with rows of cells like ``Table.extract()``
    (None = a merged cell); ``text_lines`` and ``words``: what lies outside the tables, shaped
    like :func:`page_text_lines` / :func:`page_words` (for the unruled-table reader and the
    explanation). Every word keeps its ``uncertain`` flag; ``cell_words`` lists each table
    cell's words in the order of ``rows`` so a flagged word can be traced to its row.
    ``unread``: print no OCR box covers, as flagged empty words (for ``ocr_uncertain`` findings:
    a missed line or cell is never silently blank)."""
    import pdfplumber

    img, size = page_image(file, page)
    rules = detect_rules(img, size)
    unread = [{"text": "", "x0": r["x0"], "x1": r["x1"], "top": r["top"], "bottom": r["bottom"],
               "page": page["page"], "conf": 0.0, "uncertain": True,
               "reason": "print that OCR did not read (a missed line or cell)"}
              for r in unread_ink(img, size, page["boxes"], rules)]
    grids = []
    if len(rules["h"]) >= 2 and len(rules["v"]) >= 2:
        h = [{"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}
             for x0, x1, y in rules["h"]]
        v = [{"object_type": "line", "x0": x, "x1": x, "top": t, "bottom": b, "width": 0, "height": b - t}
             for x, t, b in rules["v"]]
        settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                    "explicit_vertical_lines": v, "explicit_horizontal_lines": h}
        with pdfplumber.open(file) as pdf:
            found = pdf.pages[page["page"] - 1].find_tables(settings)
            grids = [(t.bbox, [list(r.cells) for r in t.rows]) for t in found]

    def inside(w, bbox, pad=0.0):
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return bbox[0] - pad <= cx <= bbox[2] + pad and bbox[1] - pad <= cy <= bbox[3] + pad

    # only the vertical lines of a table split boxes (big title characters have long strokes too)
    words = []
    reread = _reader(img, size)
    for w in page_words(page, min_conf):
        bbox = next((b for b, _ in grids if inside(w, b)), None)
        if bbox is None:
            words.append(w)
            continue
        vr = [r for r in rules["v"] if bbox[0] - 1 <= r[0] <= bbox[2] + 1 and r[1] >= bbox[1] - 1
              and r[2] <= bbox[3] + 1]
        words += split_at_rules([w], vr, reread, min_conf)
    tables = []
    for bbox, rows in grids:
        out_rows, cell_words = [], []
        for cells in rows:
            row, row_words = [], []
            for c in cells:
                if c is None:
                    row.append(None)
                    continue
                here = [w for w in words if c[0] <= (w["x0"] + w["x1"]) / 2 <= c[2]
                        and c[1] <= (w["top"] + w["bottom"]) / 2 <= c[3]]
                row.append(_cell_text(here))
                row_words += here
            out_rows.append(row)
            cell_words.append(row_words)
        tables.append({"bbox": list(bbox), "top": bbox[1], "rows": out_rows, "cell_words": cell_words})

    def in_table(w):
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(t["bbox"][0] <= cx <= t["bbox"][2] and t["bbox"][1] <= cy <= t["bbox"][3] for t in tables)

    outside = [w for w in words if not in_table(w)]
    lines = []
    for ln in group_lines(outside):
        text = join_line(ln).strip()
        if text:
            lines.append({"text": text, "x0": min(w["x0"] for w in ln), "x1": max(w["x1"] for w in ln),
                          "top": min(w["top"] for w in ln), "bottom": max(w["bottom"] for w in ln), "words": ln})
    return {"page": page["page"], "tables": tables, "text_lines": lines, "words": outside, "rules": rules,
            "unread": unread}
