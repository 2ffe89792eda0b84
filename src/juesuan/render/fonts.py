"""The Chinese font embedded in every HTML page, fast.

The pages embed Noto Sans CJK SC (bundled in the pinned ``mplfonts`` package) subset to the
characters they show, so they read the same on any machine, offline.  Subsetting the 16 MB
CFF font takes ≈ 0.8 s per page, nearly all of it re-encoding CFF charstrings.  So:

1. once per installed font, a **base font** is built: the characters of GB 2312 plus Latin,
   punctuation, symbols and full-width forms (≈ 19,500 code points), outlines converted to
   TrueType (quadratic, ≤ 1 font unit from the original), without the vertical-writing and
   OpenType layout tables a horizontal web page does not use.  ``make env`` builds it (≈ 15 s);
   otherwise the first page does.  It lives in :data:`juesuan.config.CACHE` and is named by a
   key of the font file, fontTools' version and :data:`BASE_VERSION`, so a new font gets a new
   base;
2. a page's subset comes from the base (≈ 0.1 s) — or, when the page has a character the base
   lacks (a rare name), from the full font as before: never a missing glyph;
3. subsets are cached by content (the key of the base and the sorted code points) in memory
   and on disk: the index and comparison pages of a batch, and a report run again, reuse them.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from .. import config
from ..config import FONT_FILE, font_path  # noqa: F401 - font_path re-exported
from ..atomic import atomic_path

BASE_VERSION = 1
SUBSET_CACHE_FILES = 500          # at most this many cached subsets on disk (oldest go first)
_DROP_TABLES = ["GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG", "JSTF", "DSIG"]


def base_chars() -> set[int]:
    """GB 2312 (all 7,445 characters) plus U+0020–U+2FFF, U+3000–U+33FF and U+FF00–U+FFEF."""
    chars = set(range(0x20, 0x3000)) | set(range(0x3000, 0x3400)) | set(range(0xFF00, 0xFFF0))
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def _key(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def base_key() -> str:
    import fontTools

    st = font_path().stat()
    return _key(FONT_FILE, st.st_size, fontTools.version, BASE_VERSION)


def font_cache() -> Path:
    """``<config.CACHE>/fonts``, or a folder in the temporary directory when that cannot be
    written (a read-only home on a build machine): the pages are the same, only slower to make."""
    folder = Path(config.CACHE) / "fonts"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"juesuan-cache-{os.getuid()}" / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def base_path() -> Path:
    return font_cache() / f"{Path(FONT_FILE).stem}-base-{base_key()}.ttf"


@contextmanager
def _lock(path: Path):
    """An exclusive lock on ``path`` (two workers do not build the base font twice)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _to_truetype(font) -> None:
    """Replace the CFF outlines of ``font`` by TrueType ones (cu2qu, max error 1 unit)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxPoints",
                 "maxContours", "maxCompositePoints", "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0


def build_base(force: bool = False) -> Path:
    """The base font (built once; see the module's docstring); returns its path."""
    from fontTools import subset

    target = base_path()
    if target.is_file() and not force:
        return target
    with _lock(target.with_suffix(".lock")):
        if target.is_file() and not force:
            return target
        opts = subset.Options()
        opts.layout_features = []
        opts.drop_tables += _DROP_TABLES
        opts.notdef_outline = True
        opts.glyph_names = False
        font = subset.load_font(str(font_path()), opts)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(base_chars()))
        sub.subset(font)
        _to_truetype(font)
        font.recalcBBoxes = True          # glyph bounds and maxp from the new outlines
        with atomic_path(target) as tmp:
            font.save(str(tmp))
    return target


@lru_cache(maxsize=1)
def _base_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(build_base()), lazy=True).getBestCmap())


def _subset_bytes(source: Path, unicodes: list[int], drop_layout: bool) -> bytes:
    from fontTools import subset

    opts = subset.Options()
    opts.flavor = "woff"
    opts.notdef_outline = True
    if drop_layout:
        opts.layout_features = []
        opts.drop_tables += _DROP_TABLES
    else:
        opts.layout_features = ["*"]
    font = subset.load_font(str(source), opts)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue()


_MEMORY: dict[str, bytes] = {}
MEMORY_SUBSETS = 8                # subsets kept in memory per process (a long-lived worker renders
                                  # thousands of reports; the disk cache keeps the rest)


def subset_woff(chars: Iterable[int]) -> bytes:
    """The WOFF subset of the font for the code points ``chars`` (cached by content)."""
    unicodes = sorted(set(chars))
    key = _key(base_key(), ",".join(map(str, unicodes)))
    if key in _MEMORY:
        return _MEMORY[key]
    cached = font_cache() / "subsets" / f"{key}.woff"
    try:
        data = cached.read_bytes()
    except OSError:
        data = b""
    if not data.startswith(b"wOFF"):
        in_base = set(unicodes) <= _base_cmap()
        data = _subset_bytes(build_base() if in_base else font_path(), unicodes, drop_layout=in_base)
        _store(cached, data)
    _MEMORY[key] = data
    while len(_MEMORY) > MEMORY_SUBSETS:
        del _MEMORY[next(iter(_MEMORY))]   # the oldest first (dicts keep insertion order)
    return data


def _store(path: Path, data: bytes) -> None:
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        files = sorted(path.parent.glob("*.woff"), key=lambda p: p.stat().st_mtime)
        for old in files[:-SUBSET_CACHE_FILES]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only cache folder: the subset is still used, just not kept
        pass


def font_face_css(chars: Iterable[int], family: str) -> str:
    """An ``@font-face`` rule embedding the subset for ``chars`` as a base64 WOFF."""
    data = base64.b64encode(subset_woff(chars)).decode("ascii")
    return (f'@font-face{{font-family:"{family}";src:url(data:font/woff;base64,{data}) '
            f'format("woff");font-display:block;}}\n')


if __name__ == "__main__":  # ``python -m juesuan.render.fonts``: build the base font (``make env`` does)
    import time

    t0 = time.perf_counter()
    path = build_base()
    print(f"base font: {config.rel(path) if path.is_relative_to(config.ROOT) else path} "
          f"({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
