"""A page's characters and ruling lines read with pypdfium2 (C), in pdfplumber's object form.

pdfplumber interprets every page's content stream in pure Python (pdfminer), which is nearly all
of the time a cold parse takes.  pypdfium2 reads the same page in a fraction of it.  For a page
whose drawing is "simple" — no page rotation, media box at the origin, upright text,
straight path segments, no form XObjects, embedded fonts — :func:`page_objects` builds the objects pdfplumber's
own table finder and word / line grouping work on (``char``, ``line``, ``rect``, ``curve``
dicts with the coordinates pdfminer would give: a char's box is its origin, its advance width and
the font's descent and size), so the text and cells come out the same.  For any other page it
returns None and the caller lets pdfplumber read that page itself.
"""
from __future__ import annotations

import ctypes

EPS = 1e-6


class Unsupported(Exception):
    """The page holds something this reader does not reproduce exactly (pdfplumber reads it)."""


def _is_upright(m) -> bool:
    """Upright text, possibly scaled (the size set by Tf times the text matrix's scale)."""
    return m.a > EPS and m.d > EPS and abs(m.b) < EPS and abs(m.c) < EPS


def page_objects(page, pno: int, initial_doctop: float) -> dict | None:
    """The objects of one pypdfium2 page as pdfplumber dicts, or None when the page is not simple."""
    try:
        return _page_objects(page, pno, initial_doctop)
    except Unsupported:
        return None


def _page_objects(page, pno: int, initial_doctop: float) -> dict:
    import pypdfium2.raw as R

    if page.get_rotation() % 360:
        raise Unsupported("rotated page")
    box = page.get_mediabox()
    if abs(box[0]) > EPS or abs(box[1]) > EPS or page.get_cropbox() != box:
        raise Unsupported("media box not at the origin")
    height = box[3]
    objects: dict = {"char": _chars(page, R, pno, height, initial_doctop)}
    lines, rects, curves = [], [], []
    raw = page.raw
    for i in range(R.FPDFPage_CountObjects(raw)):
        obj = R.FPDFPage_GetObject(raw, i)
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_TEXT:
            continue
        if kind == R.FPDF_PAGEOBJ_PATH:
            _path(obj, R, pno, height, initial_doctop, lines, rects, curves)
        elif kind in (R.FPDF_PAGEOBJ_IMAGE, R.FPDF_PAGEOBJ_SHADING):
            continue  # pdfplumber's tables and text do not use images or shadings
        else:
            raise Unsupported(f"page object of type {kind}")
    if lines:
        objects["line"] = lines
    if rects:
        objects["rect"] = rects
    if curves:
        objects["curve"] = curves
    if not objects["char"]:
        del objects["char"]
    return objects


def _chars(page, R, pno: int, height: float, initial_doctop: float) -> list:
    tp = page.get_textpage()
    try:
        raw = tp.raw
        n = R.FPDFText_CountChars(raw)
        x, y = ctypes.c_double(), ctypes.c_double()
        loose = R.FS_RECTF()
        m = R.FS_MATRIX()
        d = ctypes.c_float()
        descents: dict = {}
        chars = []
        generated, unicode, map_error = R.FPDFText_IsGenerated, R.FPDFText_GetUnicode, R.FPDFText_HasUnicodeMapError
        get_matrix, font_size, get_origin = R.FPDFText_GetMatrix, R.FPDFText_GetFontSize, R.FPDFText_GetCharOrigin
        loose_box, text_object, get_font = R.FPDFText_GetLooseCharBox, R.FPDFText_GetTextObject, R.FPDFTextObj_GetFont
        as_int = ctypes.c_void_p
        for i in range(n):
            if generated(raw, i):
                continue
            code = unicode(raw, i)
            if code in (0xFFFE, 0xFFFF) or map_error(raw, i):
                raise Unsupported("a character without a Unicode mapping")
            if not get_matrix(raw, i, m) or not _is_upright(m):
                raise Unsupported("rotated or skewed text")
            size = font_size(raw, i) * m.d
            get_origin(raw, i, x, y)
            loose_box(raw, i, loose)
            font = get_font(text_object(raw, i))
            key = ctypes.cast(font, as_int).value
            if key not in descents:
                if not R.FPDFFont_GetIsEmbedded(font):
                    raise Unsupported("a font that is not embedded (widths of a substitute)")
                if not R.FPDFFont_GetDescent(font, ctypes.c_float(1000.0), d):
                    raise Unsupported("a font without metrics")
                descents[key] = min(d.value, -d.value) / 1000.0
            x0 = x.value
            adv = loose.right - loose.left
            y0 = y.value + descents[key] * size
            y1 = y0 + size
            top = height - y1
            chars.append({
                "text": chr(code), "fontname": "", "size": size, "adv": adv, "upright": True,
                "matrix": (m.a, 0.0, 0.0, m.d, x0, y.value),
                "x0": x0, "x1": x0 + adv, "y0": y0, "y1": y1, "width": adv, "height": size,
                "top": top, "bottom": top + size, "doctop": initial_doctop + top,
                "object_type": "char", "page_number": pno,
            })
        return chars
    finally:
        tp.close()


def _path(raw, R, pno, height, initial_doctop, lines, rects, curves) -> None:
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    if not R.FPDFPath_GetDrawMode(raw, fill, stroke):
        raise Unsupported("unreadable path")
    if not fill.value and not stroke.value:
        return
    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(raw, m):
        raise Unsupported("unreadable path")
    px, py = ctypes.c_float(), ctypes.c_float()
    subpaths: list = []
    for i in range(R.FPDFPath_CountSegments(raw)):
        seg = R.FPDFPath_GetPathSegment(raw, i)
        kind = R.FPDFPathSegment_GetType(seg)
        R.FPDFPathSegment_GetPoint(seg, px, py)
        pt = (m.a * px.value + m.c * py.value + m.e, m.b * px.value + m.d * py.value + m.f)
        if kind == R.FPDF_SEGMENT_MOVETO:
            subpaths.append([pt])
        elif kind == R.FPDF_SEGMENT_LINETO and subpaths:
            subpaths[-1].append(pt)
        else:
            raise Unsupported("curved path segment")
        if R.FPDFPathSegment_GetClose(seg):
            sub = subpaths[-1]
            if sub[-1] != sub[0]:
                sub.append(sub[0])
    for pts in subpaths:
        _classify(pts, pno, height, initial_doctop, lines, rects, curves)


def _classify(pts, pno, height, initial_doctop, lines, rects, curves) -> None:
    """pdfminer's rule: two points (or there and back) make a line, a closed axis-aligned
    four-sided loop a rect, anything else a curve."""
    if len(pts) == 1:
        return
    if len(pts) == 6 and pts[4] == pts[0] == pts[5]:
        pts = pts[:5]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    obj = {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "width": x1 - x0, "height": y1 - y0,
           "top": height - y1, "bottom": height - y0, "doctop": initial_doctop + height - y1,
           "page_number": pno}
    if len(pts) == 2 or (len(pts) == 3 and pts[2] == pts[0]):
        obj.update(object_type="line", pts=[(p[0], height - p[1]) for p in pts[:2]])
        lines.append(obj)
        return
    if len(pts) == 5 and pts[0] == pts[4]:
        (a0, b0), (a1, b1), (a2, b2), (a3, b3), _ = pts
        if (a0 == a1 and b1 == b2 and a2 == a3 and b3 == b0) or (b0 == b1 and a1 == a2 and b2 == b3 and a3 == a0):
            obj.update(object_type="rect")
            rects.append(obj)
            return
    obj.update(object_type="curve", pts=[(p[0], height - p[1]) for p in pts])
    curves.append(obj)
