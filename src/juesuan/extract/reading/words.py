"""Tables without ruling lines, read from positioned words.

A table printed without a cell grid is text placed in columns.  Its columns are
found from the words' x-positions, never from counting spaces: the words of the
data rows are merged into x-intervals wherever they overlap, and each word of the
header's lowest line names the interval nearest to it (or, a second claimant,
a column of blank cells of its own).
Upper header cells spanning several columns (本年支出 over 合计 / 基本支出 / 项目支出)
go to the leftmost column they cover, as a merged cell of a ruled grid does.
A column's header must end on the header's lowest line (headers bottom-aligned, or a
栏次 row under them), which is how such tables are printed.  The result is the same rows of cells a ruled table gives, so
:class:`~juesuan.extract.tabular.grid.GridParser` reads both.

The input is plain positioned words (:class:`Word`: text, x0, x1, top, bottom,
page) so that any front end can feed it: pdfplumber's ``extract_words`` here,
an OCR engine later.  A table starts below a line naming one of the nine public
tables (and its 单位 line) and ends at a 注/说明 line, a part heading, the next
title or the page end; a table that reaches the page end continues on the next
page, with or without a repeated header (the previous page's columns are kept).
A line holding only text in label columns that cannot start a row (no 一、, no
known label) is part of a wrapped label: it joins the nearest row (above when
labels run on below the amounts, below when the amounts are centred).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ...numbers import is_amount
from ..tabular.tables import (MARKER_RE, UNIT_RE, function_classes, header_ignore, header_map, row_labels, squash,
                     table_specs)

STOP_RE = re.compile(r"^\s*(注\s*[:：]|说明\s*[:：]|第[一二三四五六七八九十]+部分)")
CODE_RE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
PAGE_NO_RE = re.compile(r"^[-—\s]*\d{1,3}[-—\s]*$")


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int = 0

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Line:
    words: list
    top: float
    bottom: float

    @property
    def text(self) -> str:
        return join_words(self.words)


@dataclass
class WordTable:
    """One table (or one page's part of it) read from words: rows of cells like a ruled grid."""

    page: int
    top: float
    bottom: float
    rows: list = field(default_factory=list)       # list of [cells]
    columns: list = field(default_factory=list)    # [(x0, x1)] per column


def join_words(words) -> str:
    out = ""
    for w in sorted(words, key=lambda w: w.x0):
        if out and out[-1].isascii() and out[-1].isalnum() and w.text[:1].isascii() and w.text[:1].isalnum():
            out += " "
        out += w.text
    return out


def group_lines(words: list[Word]) -> list[Line]:
    """Words → lines by vertical position: a word joins a line when its middle is within a third
    of a character height of the middle of the line's first word."""
    lines: list[Line] = []
    mids: list[float] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        mid = (w.top + w.bottom) / 2
        if lines and abs(mid - mids[-1]) <= (w.bottom - w.top) / 3:
            ln = lines[-1]
            ln.words.append(w)
            ln.top, ln.bottom = min(ln.top, w.top), max(ln.bottom, w.bottom)
        else:
            lines.append(Line([w], w.top, w.bottom))
            mids.append(mid)
    for ln in lines:
        ln.words.sort(key=lambda w: w.x0)
    return lines


@lru_cache(maxsize=None)
def _titles() -> dict[str, str]:
    """Squashed title or alias → table id (the first table naming it wins, as before)."""
    out: dict[str, str] = {}
    for tid, spec in table_specs().items():
        for n in [spec["title"]] + [a for a in spec.get("aliases", "").split("|") if a]:
            out.setdefault(squash(n), tid)
    return out


def title_of_text(text: str) -> str | None:
    """The public table a line names by its title or an alias (a 公开NN表 marker aside)."""
    s = squash(MARKER_RE.sub("", text))
    if not s:
        return None
    return _titles().get(s)


def is_data_line(line: Line) -> bool:
    """A line with an amount or a function/economic code, or one starting with a row label
    (一、…, 本年收入合计, 人员经费合计 …; a row of blank cells has only its label)."""
    for w in line.words:
        t = w.text.strip()
        if is_amount(t) and ("." in t or "," in t or CODE_RE.match(t)):
            return True
    first = squash(line.words[0].text) if line.words else ""
    return bool(re.match(r"^[一二三四五六七八九十]+[、.．]", first)) or (
        first != "合计" and any(k[2] == first for k in row_labels()))


def _is_index_line(line: Line) -> bool:
    toks = [w.text for w in line.words]
    nums = [t for t in toks if re.fullmatch(r"\d{1,2}", t)]
    return bool(nums) and len(nums) >= len(toks) - 4 and [int(n) for n in nums] == list(
        range(int(nums[0]), int(nums[0]) + len(nums)))


def _vocabulary() -> frozenset[str]:
    words = set(header_ignore())
    for cols in header_map().values():
        words |= set(cols)
    words |= {squash(k[2]) for k in row_labels()}
    words |= {"功能分类科目编码", "经济分类科目编码", "财政拨款“三公”经费", "财政拨款三公经费", "因公出国(境)费",
              "本年收入合计", "本年支出合计", "预算数", "决算数"}
    return frozenset(squash(w) for w in words)


def _clusters(intervals: list[tuple[float, float]], gap: float = 1.0) -> list[list[float]]:
    out: list[list[float]] = []
    for x0, x1 in sorted(intervals):
        if out and x0 <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return out


def _overlap(a0, a1, b0, b1) -> float:
    return min(a1, b1) - max(a0, b0)


def _wrapped_label(text: str) -> bool:
    """Could this text be the rest of a label wrapped from the line above?  Not when it
    starts a row of its own (an ordinal 一、, a known row label, a class name, 合计)."""
    s = squash(text)
    if re.match(r"^[一二三四五六七八九十]+[、.．]", s) or s in ("合计", "总计", "小计"):
        return False
    return not any(k[2] == s for k in row_labels()) and s not in function_classes()


def columns_of(header: list[Line], data: list[Line]) -> list[tuple[float, float]]:
    """Column x-ranges from the header's lowest line and the data words.

    The data words that overlap merge into intervals (amounts right-aligned, names
    left-aligned: each column's words overlap).  Each word of the header's lowest line (or of
    a 栏次 row) names one column: it joins the data interval nearest to it; a second header
    word nearest to the same interval, farther from it, heads a column of blank cells of its own."""
    cols = [list(c) for c in _clusters([(w.x0, w.x1) for ln in data for w in ln.words])]
    if not header:
        return [tuple(c) for c in cols]
    leaves = sorted(header[-1].words, key=lambda w: w.x0)
    if not cols:
        return [(w.x0, w.x1) for w in leaves]

    def dist(w, c):
        return max(c[0] - w.mid, w.mid - c[1], 0)

    claims: dict[int, list[Word]] = {}
    for w in leaves:
        j = min(range(len(cols)), key=lambda k: dist(w, cols[k]))
        claims.setdefault(j, []).append(w)
    extra = []
    for j, ws in claims.items():
        ws.sort(key=lambda w: dist(w, cols[j]))
        cols[j] = [min(cols[j][0], ws[0].x0), max(cols[j][1], ws[0].x1)]
        extra += [[w.x0, w.x1] for w in ws[1:]]
    return sorted(tuple(c) for c in cols + extra)


def column_index(w: Word, cols: list[tuple[float, float]], leftmost: bool = False) -> int:
    """The column a word belongs to: the one it overlaps most (header words spanning several:
    the leftmost they cover); a word in no column goes to the nearest."""
    over = [(_overlap(w.x0, w.x1, a, b), j) for j, (a, b) in enumerate(cols)]
    hits = [(o, j) for o, j in over if o > 0]
    if hits:
        return min(j for _, j in hits) if leftmost else max(hits)[1]
    return min(range(len(cols)), key=lambda j: max(cols[j][0] - w.mid, w.mid - cols[j][1]))


def _cells(line: Line, cols, leftmost: bool) -> list:
    cells: list = [None] * len(cols)
    parts: dict[int, list] = {}
    for w in line.words:
        parts.setdefault(column_index(w, cols, leftmost), []).append(w)
    for j, ws in parts.items():
        cells[j] = join_words(ws)
    return cells


def _header_rows(header: list[Line], cols) -> list[list]:
    """Header lines as rows of cells; fragments of one wrapped header cell (附属单位 / 上缴收入)
    are joined when the joined text is a known header."""
    rows = [_cells(ln, cols, leftmost=True) for ln in header]
    vocab = _vocabulary()
    for j in range(len(cols)):
        i = 0
        while i < len(rows) - 1:
            a, b = rows[i][j], rows[i + 1][j]
            if a and b and squash(a + b) in vocab and not (squash(a) in vocab and squash(b) in vocab):
                rows[i][j], rows[i + 1][j] = a + b, None
                continue
            i += 1
    return [r for r in rows if any(r)]


class WordTableReader:
    """Reads the unruled tables of consecutive pages (keeps a table open across a page break)."""

    def __init__(self):
        self.open: WordTable | None = None     # the table that reached the end of the last page

    def read_page(self, page: int, words: list[Word], ruled_tops: list[float] = ()) -> list[WordTable]:
        """The unruled tables on one page.  ``words`` are the page's words outside ruled tables;
        ``ruled_tops`` the tops of its ruled tables (a title followed by one is not ours)."""
        lines = [ln for ln in group_lines(words) if ln.text.strip()]
        out: list[WordTable] = []
        carry, self.open = self.open, None
        i = 0
        if carry is not None and lines and not ruled_tops:
            start = 0
            while start < len(lines) and PAGE_NO_RE.match(lines[start].text):
                start += 1
            t, i = self._read(page, lines, start, carry.columns, continuation=True)
            if t is not None:
                out.append(t)
        while i < len(lines):
            tid = title_of_text(lines[i].text)
            if tid is None:
                i += 1
                continue
            j = i + 1
            while j < len(lines) and (UNIT_RE.search(lines[j].text) or MARKER_RE.search(lines[j].text)
                                      or re.match(r"\s*(公开部门|单位名称|编制单位)", lines[j].text)):
                j += 1
            nxt = next((k for k in range(i + 1, len(lines)) if title_of_text(lines[k].text)), None)
            if any(lines[i].bottom <= r <= (lines[nxt].top if nxt is not None else 1e9) for r in ruled_tops):
                i = j                  # the title of a ruled table
                continue
            t, i = self._read(page, lines, j, None, continuation=False)
            if t is not None:
                out.append(t)
        return out

    @staticmethod
    def _data_rows(data: list[Line], columns) -> list[list[str]]:
        """Data lines as rows of cells.  A line with text only in label columns that cannot start
        a row of its own is part of a wrapped label: it joins the row whose line is nearest
        (the row above when the label runs on below its amounts, the row below when the
        amounts are centred between the label's lines; a tie goes to the row above)."""
        cells_of = [_cells(ln, columns, leftmost=False) for ln in data]
        label_cols = {j for ln, cells in zip(data, cells_of) if is_data_line(ln)
                      for j, c in enumerate(cells) if c and not is_amount(c) and not CODE_RE.match(c.replace(" ", ""))}

        def fragment(ln, cells):
            filled = [j for j, c in enumerate(cells) if c]
            return (not is_data_line(ln) and not _is_index_line(ln) and bool(filled)
                    and all(j in label_cols for j in filled) and all(_wrapped_label(c) for c in cells if c))

        frag = [fragment(ln, c) for ln, c in zip(data, cells_of)]
        rows = [k for k in range(len(data)) if not frag[k]]
        before: dict[int, list[int]] = {}
        after: dict[int, list[int]] = {}
        for k in (k for k in range(len(data)) if frag[k]):
            mid = (data[k].top + data[k].bottom) / 2
            prev = max((r for r in rows if r < k), default=None)
            nxt = min((r for r in rows if r > k), default=None)
            if prev is None and nxt is None:
                rows.append(k)
                continue
            dist = {r: abs((data[r].top + data[r].bottom) / 2 - mid) for r in (prev, nxt) if r is not None}
            height = data[k].bottom - data[k].top
            if nxt is not None and (prev is None or dist[nxt] < dist[prev] - height / 4):
                before.setdefault(nxt, []).append(k)
            else:
                after.setdefault(prev, []).append(k)
        out = []
        for r in sorted(rows):
            cells = list(cells_of[r])
            for k in before.get(r, []) + [None] + after.get(r, []):
                if k is None:
                    continue
                for j, c in enumerate(cells_of[k]):
                    if c:
                        cells[j] = (c + (cells[j] or "")) if k < r else ((cells[j] or "") + c)
            out.append(["" if c is None else c for c in cells])    # an empty cell, not a merged one
        return out

    def _read(self, page: int, lines: list[Line], start: int, columns, continuation: bool):
        end = start
        while end < len(lines):
            text = lines[end].text
            if STOP_RE.match(text) or title_of_text(text) is not None:
                break
            end += 1
        body = lines[start:end]
        while body and PAGE_NO_RE.match(body[-1].text) and not is_data_line(body[-1]):
            body = body[:-1]           # a page number under the table
        if not body:
            return None, max(end, start + 1)
        first = next((k for k, ln in enumerate(body) if is_data_line(ln)), len(body))
        header, data = body[:first], body[first:]
        if continuation and not data:
            return None, start         # not a continuation after all: plain text
        vocab = _vocabulary()
        if not continuation and not any(squash(w.text) in vocab for ln in header for w in ln.words):
            return None, end           # no column headers: not a table
        if columns is None:            # a continued table keeps its columns (same table, same widths)
            columns = columns_of(header, data)
        table = WordTable(page, body[0].top, body[-1].bottom, columns=columns)
        table.rows = _header_rows(header, columns)
        table.rows += self._data_rows(data, columns)
        self.open = table if end == len(lines) else None
        return table, end
