"""Test bed for OCR: image-only copies of the 2024 财政局 PDF, and a comparison with its text layer.

``make_scanned`` renders every page of a text PDF with pypdfium2 and wraps the images as an
image-only PDF (PIL, ``resolution=dpi`` so the page size in points stays the same), optionally
rotated by a small angle and with noise, like a crooked, grainy scan. ``compare_page`` matches
the text layer's amount tokens (pdfplumber words) with the OCR words of the same page by
position and sorts each into exact / exact but flagged / wrong but flagged / wrong unflagged /
missing. ``evaluate`` does that for a whole document. Files go to a temporary folder, never
into data/raw.
"""
from __future__ import annotations

import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from juesuan.extract.reading import ocr  # noqa: E402

SOURCE_DIR = ROOT / "data" / "raw" / "2024" / "ptczj"


def source_pdf() -> Path:
    found = sorted(SOURCE_DIR.glob("*.pdf"))
    if not found:
        raise FileNotFoundError(f"no PDF in {SOURCE_DIR}")
    return found[0]


# name → how the scan is made (dpi, rotation in degrees counter-clockwise, noise σ in grey levels)
VARIANTS = {
    "300dpi": {"dpi": 300},
    "200dpi": {"dpi": 200},
    "150dpi": {"dpi": 150},
    "rotated": {"dpi": 200, "rotate": 0.7, "noise": 12.0},
}


def make_scanned(src: Path, out: Path, dpi: int = 200, rotate: float = 0.0, noise: float = 0.0,
                 pages: list[int] | None = None, seed: int = 0) -> Path:
    """Write an image-only PDF of ``src`` (all pages or ``pages``, 1-based) to ``out``."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    out = Path(out)
    if SOURCE_DIR.resolve() in out.resolve().parents:
        raise ValueError("the test bed never writes into data/raw")
    rng = np.random.default_rng(seed)
    pdf = pdfium.PdfDocument(str(src))
    images = []
    try:
        for i in pages or range(1, len(pdf) + 1):
            page = pdf[i - 1]
            img = page.render(scale=dpi / 72).to_pil().convert("L")
            page.close()
            if rotate:
                img = img.rotate(rotate, resample=Image.BICUBIC, fillcolor=255)
            if noise:
                arr = np.asarray(img, dtype=np.float64) + rng.normal(0.0, noise, (img.height, img.width))
                img = Image.fromarray(np.clip(arr, 0, 255).astype("uint8"))
            images.append(img)
    finally:
        pdf.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return out


def make_variant(name: str, folder: Path, src: Path | None = None, pages: list[int] | None = None) -> Path:
    spec = VARIANTS[name]
    return make_scanned(src or source_pdf(), Path(folder) / f"scan-{name}.pdf", spec["dpi"],
                        spec.get("rotate", 0.0), spec.get("noise", 0.0), pages)


def text_layer_amounts(src: Path, page: int) -> tuple[list[dict], tuple[float, float]]:
    """The amount tokens (decimals or thousands separators) of the text layer of one page;
    ``in_table`` says whether the token lies in a ruled table (a line_items cell) or in prose."""
    import pdfplumber

    with pdfplumber.open(src) as pdf:
        pg = pdf.pages[page - 1]
        words = pg.extract_words()
        boxes = [t.bbox for t in pg.find_tables()]
        size = (float(pg.width), float(pg.height))

    def inside(w):
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    return [{"text": w["text"], "x0": w["x0"], "x1": w["x1"], "top": w["top"], "bottom": w["bottom"],
             "in_table": inside(w)} for w in words if ocr.AMOUNT_RE.match(w["text"])], size


def amount_pages(src: Path) -> list[int]:
    """Pages whose text layer holds at least one amount token."""
    import pdfplumber

    with pdfplumber.open(src) as pdf:
        return [i for i, pg in enumerate(pdf.pages, start=1)
                if any(ocr.AMOUNT_RE.match(w["text"]) for w in pg.extract_words())]


def rotate_box(w: dict, angle: float, size: tuple[float, float]) -> dict:
    """A text-layer box moved like the page content when the page is rotated by ``angle``
    degrees counter-clockwise about its centre (PIL's ``Image.rotate``), in a y-down frame."""
    if not angle:
        return w
    cx, cy = size[0] / 2, size[1] / 2
    t = math.radians(angle)
    pts = []
    for x in (w["x0"], w["x1"]):
        for y in (w["top"], w["bottom"]):
            dx, dy = x - cx, y - cy
            pts.append((cx + dx * math.cos(t) + dy * math.sin(t), cy - dx * math.sin(t) + dy * math.cos(t)))
    return {**w, "x0": min(p[0] for p in pts), "x1": max(p[0] for p in pts),
            "top": min(p[1] for p in pts), "bottom": max(p[1] for p in pts)}


def _overlap(a: dict, b: dict, pad: float = 1.5) -> float:
    w = min(a["x1"] + pad, b["x1"]) - max(a["x0"] - pad, b["x0"])
    h = min(a["bottom"] + pad, b["bottom"]) - max(a["top"] - pad, b["top"])
    return w * h if w > 0 and h > 0 else 0.0


KINDS = ("exact", "exact_flagged", "wrong_flagged", "wrong_unflagged", "missing")


def _contains(text: str, number: str) -> bool:
    """``number`` appears in ``text`` as a whole number (not part of a longer one)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


def compare_page(expected: list[dict], words: list[dict], angle: float = 0.0,
                 size: tuple[float, float] = (0.0, 0.0)) -> dict:
    """Match each expected amount token with the OCR word overlapping it most (by position).

    Table tokens (``in_table``, the default) must be the whole OCR word; prose tokens need only
    appear as a whole number inside the OCR box (a box is a line of text there). Counts go to
    ``exact`` … ``missing`` for table tokens and ``text_exact`` … ``text_missing`` for prose, with
    the detail of every token that was not read exactly."""
    counts = {"tokens": 0, **{k: 0 for k in KINDS}, "text_tokens": 0, **{f"text_{k}": 0 for k in KINDS}}
    detail = []
    for e in expected:
        table = e.get("in_table", True)
        pre = "" if table else "text_"
        counts[pre + "tokens"] += 1
        box = rotate_box(e, angle, size)
        best = max(words, key=lambda w: _overlap(box, w), default=None)
        if best is None or _overlap(box, best) == 0:
            counts[pre + "missing"] += 1
            detail.append({"kind": pre + "missing", "expected": e["text"], "box": box})
            continue
        right = best["text"] == e["text"] if table else _contains(best["text"], e["text"])
        kind = ("exact_flagged" if best.get("uncertain") else "exact") if right else \
               ("wrong_flagged" if best.get("uncertain") else "wrong_unflagged")
        counts[pre + kind] += 1
        if kind != "exact":
            detail.append({"kind": pre + kind, "expected": e["text"], "found": best["text"], "conf": best["conf"],
                           "reason": best.get("reason", ""), "box": box})
    return {**counts, "detail": detail}


def evaluate(scan: Path, src: Path, angle: float = 0.0, jobs: int = 1, dpi: int | None = None,
             deskew_pages: bool = True, min_conf: float = ocr.DEFAULT_MIN_CONF,
             pages: list[int] | None = None, cache_dir: Path | None = None, progress: bool = False) -> dict:
    """OCR ``scan`` and compare every amount page with the text layer of ``src``.

    ``angle`` is the rotation the scan was made with; OCR coordinates are compared with the
    text layer rotated the same way unless the page was deskewed (then with the text layer as is)."""
    pages = pages or amount_pages(src)
    dpi = dpi or 200
    t0 = time.perf_counter()
    results = ocr.ocr_pdf(scan, dpi=dpi, jobs=jobs, cache_dir=cache_dir, pages=pages,
                          deskew_pages=deskew_pages, progress=progress)
    wall = time.perf_counter() - t0
    total = {"tokens": 0, **{k: 0 for k in KINDS}, "text_tokens": 0, **{f"text_{k}": 0 for k in KINDS}}
    detail = []
    angles = {}
    for res in results:
        expected, size = text_layer_amounts(src, res["page"])
        applied = res.get("deskew_angle", 0.0)
        # after deskewing, what is left of the scan's rotation is angle + applied (PIL signs)
        cmp = compare_page(expected, ocr.page_words(res, min_conf), angle + applied if angle else applied, size)
        angles[res["page"]] = applied
        for k in total:
            total[k] += cmp[k]
        detail += [{**d, "page": res["page"]} for d in cmp["detail"]]
    secs = [r["seconds"] for r in results]
    cpu = [r.get("cpu_seconds", 0.0) for r in results]
    return {**total, "pages": len(results), "seconds_per_page": round(sum(secs) / len(secs), 2) if secs else 0.0,
            "cpu_seconds_per_page": round(sum(cpu) / len(cpu), 2) if cpu else 0.0,
            "wall_seconds": round(wall, 1), "deskew_angles": angles, "detail": detail}
