"""The embedded page font: a fast base font, subsets cached by content, never a missing glyph."""
from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from juesuan import config, render
from juesuan.render import fonts

PAGE = "宁夏回族自治区工业和信息化厅2022年度部门决算 职业年金缴费 350.55% 一般公共预算财政拨款（公开01）"
RARE = "堃𠀀"          # not in GB 2312: 堃 (GBK), 𠀀 (CJK extension B)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """A fresh subset cache (the base font is shared: it is built once per installed font)."""
    base = fonts.build_base()
    monkeypatch.setattr(config, "CACHE", tmp_path)
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / base.name).symlink_to(base)
    monkeypatch.setattr(fonts, "_MEMORY", {})
    return tmp_path


def _cmap(data: bytes) -> set[int]:
    return set(TTFont(io.BytesIO(data)).getBestCmap())


def test_subset_has_every_character_of_the_page(cache):
    chars = {ord(c) for c in PAGE} | set(range(32, 127))
    data = fonts.subset_woff(chars)
    assert data.startswith(b"wOFF")
    assert chars <= _cmap(data)
    assert len(_cmap(data)) < 200          # a subset, not the whole font


def test_a_character_outside_the_base_comes_from_the_full_font(cache):
    full = set(TTFont(str(fonts.font_path()), lazy=True).getBestCmap())
    rare = {ord(c) for c in RARE if ord(c) in full}
    assert rare, "the bundled font has none of the rare test characters"
    assert not rare & fonts.base_chars()
    chars = {ord(c) for c in PAGE} | rare
    assert chars <= _cmap(fonts.subset_woff(chars))


def test_subsets_are_cached_by_content(cache):
    chars = {ord(c) for c in PAGE}
    first = fonts.subset_woff(chars)
    files = list((cache / "fonts" / "subsets").glob("*.woff"))
    assert len(files) == 1 and files[0].read_bytes() == first
    fonts._MEMORY.clear()
    files[0].write_bytes(b"wOFF" + first[4:])          # the disk copy is what is read back
    assert fonts.subset_woff(chars) == first
    files[0].write_bytes(b"damaged")                   # a damaged cache file is rebuilt
    fonts._MEMORY.clear()
    assert fonts.subset_woff(chars) == first
    assert fonts.subset_woff(chars | {ord("测")}) != first


def test_base_outlines_match_the_original_font():
    base = TTFont(str(fonts.build_base()))
    full = TTFont(str(fonts.font_path()), lazy=True)
    bcmap, fcmap = base.getBestCmap(), full.getBestCmap()
    bglyphs, fglyphs = base.getGlyphSet(), full.getGlyphSet()
    from fontTools.pens.boundsPen import BoundsPen
    for ch in "决算元万年度（）%0123456789ABCxyz，。":
        b, f = BoundsPen(bglyphs), BoundsPen(fglyphs)
        bglyphs[bcmap[ord(ch)]].draw(b)
        fglyphs[fcmap[ord(ch)]].draw(f)
        assert bglyphs[bcmap[ord(ch)]].width == fglyphs[fcmap[ord(ch)]].width, ch
        assert all(abs(x - y) <= 2 for x, y in zip(b.bounds, f.bounds)), (ch, b.bounds, f.bounds)


def test_page_css_embeds_the_subset(cache):
    css = render.font_subset_css(f"<html><body>{PAGE}</body></html>")
    assert css.startswith('@font-face{font-family:"JuesuanCJK";src:url(data:font/woff;base64,')
    assert "font-family:\"JuesuanCJK\"" in css.split("}", 1)[1]


def test_an_unwritable_cache_folder_falls_back_to_the_temporary_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"          # a file where the cache folder would go (even
    blocker.write_text("x")                      # root cannot make a folder inside a file)
    monkeypatch.setattr(config, "CACHE", blocker / "juesuan")
    folder = fonts.font_cache()
    assert folder.is_dir() and blocker not in folder.parents
    assert fonts.subset_woff({ord(c) for c in "决算"}).startswith(b"wOFF")


def test_the_memory_cache_is_bounded(cache):
    for i in range(fonts.MEMORY_SUBSETS + 5):
        fonts.subset_woff({ord("决"), 0x4E00 + i})
    assert len(fonts._MEMORY) == fonts.MEMORY_SUBSETS
    assert len(list((cache / "fonts" / "subsets").glob("*.woff"))) == fonts.MEMORY_SUBSETS + 5
