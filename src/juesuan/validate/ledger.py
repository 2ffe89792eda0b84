"""Every amount printed in a report, accounted for: read, or in the ledger of what was not read.

A report prints figures in its tables (cells) and in its text (amounts with a money unit, rates
with ``%``).  :func:`printed_figures` enumerates them, line by line of the :class:`Document`
(the numbered lines of the PDF's extracted text, or of the text file), by rules that are data
(``data/ledger_rules.csv``):

- **text**: a number followed by a money unit (亿元 / 万元 / 千元 / 元) is an amount; followed by
  ``%`` / ``％`` / 个百分点 a rate; followed by another unit (年, 人, 辆, 平方米 …) a count or a date,
  not an amount; a bare number with thousands separators or exactly two decimals is an amount,
  and so is a bare number whose list ends in a money unit (``12、34万元``).  Numbers inside an
  ``exclude`` pattern (dates, a span of years, document numbers, telephone numbers, page
  numbers, item numbering, codes in brackets) are not figures.
- **tables**: a cell that is a number (or a number with ``%``) is a figure, except the integer
  cells left of the row's first label (function and economic codes, row numbers), the cells of a
  栏次 row (column numbers) and the ``cell`` exclude patterns (a year alone heading a column).

:func:`account` then places each printed figure on a value the suite read — a cell of the clean
data or a stated fact at the same line (a sentence that wraps may carry its figure a few lines
on: text figures may match within the same page, nearest line first), each read value used once
— and gives every figure that was not placed a reason (``data/ledger_reasons.csv``).  So, per
report, ``read + unread == printed`` by construction, and ``unread`` is the ledger
(``unread.csv``).  :func:`table_reading` says, per table, whether it was read, seen but not read
(its title recognised, none of its printed cells read), partly read, empty or absent: the checks
use it so that a reading failure is never reported as the source's.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..numbers import normalize

MONEY = {"亿元": Decimal(100000000), "万元": Decimal(10000), "千元": Decimal(1000), "元": Decimal(1)}
TABLE_FACTORS = (Decimal(1), Decimal(10000))        # a cell's table is in 元 or in 万元
NUM_RE = re.compile(r"(?<![\d.,，０-９])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
CELL_NUM_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
INT_RE = re.compile(r"-?\d+")
DECIMAL_CELL_RE = re.compile(r"-?[\d,]+\.\d+%?")
LABEL_RE = re.compile(r"[^\d\s.,%\-—–－/]")
SPACE_RE = re.compile(r"\s+")
WINDOW = 3                                          # lines a text figure may be from its fact


@dataclass
class Figure:
    """One figure printed in the report."""

    line: int                   # the Document's line number (1-based)
    where: str                  # "table" | "text"
    kind: str                   # "amount" | "rate"
    printed: str                # as printed, with its unit ("1,202.95万元", "12.5%", "28,849.38")
    values: tuple               # the values it may be read as (元 or a fraction), absolute
    table: str = ""             # the table it belongs to (when known)
    reason: str = ""            # why it was not read ("" = read)
    read_line: int | None = None


@dataclass
class Ledger:
    figures: list = field(default_factory=list)

    @property
    def unread(self) -> list[Figure]:
        return [f for f in self.figures if f.reason]

    def counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(where, kind) → (printed, read)."""
        out: dict[tuple[str, str], list[int]] = {}
        for f in self.figures:
            c = out.setdefault((f.where, f.kind), [0, 0])
            c[0] += 1
            c[1] += 0 if f.reason else 1
        return {k: (v[0], v[1]) for k, v in out.items()}


# ------------------------------------------------------------------ rules (data)
@lru_cache(maxsize=None)
def rules() -> dict[str, list]:
    with open(PACKAGE_DATA / "ledger_rules.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(f"{r['scope']}:{r['rule']}", []).append(r["pattern"])
    return out


@lru_cache(maxsize=None)
def reasons() -> dict[str, str]:
    """reason code → Chinese label (data/ledger_reasons.csv)."""
    with open(PACKAGE_DATA / "ledger_reasons.csv", encoding="utf-8", newline="") as fh:
        return {r["reason"]: r["label_zh"] for r in csv.DictReader(fh)}


@lru_cache(maxsize=None)
def _units(key: str) -> tuple[str, ...]:
    return tuple(sorted((u for p in rules().get(key, []) for u in p.split("|") if u), key=len, reverse=True))


@lru_cache(maxsize=None)
def _exclude(scope: str) -> re.Pattern | None:
    pats = rules().get(f"{scope}:exclude", [])
    return re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None


def _dec(num: str) -> Decimal | None:
    try:
        return Decimal(num.replace(",", ""))
    except InvalidOperation:
        return None


def _bare_amount(num: str) -> bool:
    return "," in num or bool(re.fullmatch(r"\d+\.\d{2}", num))


# ------------------------------------------------------------------ text figures
def text_figures(text: str) -> list[tuple[str, str, Decimal, tuple]]:
    """The figures of one line of text: (kind, printed, value as printed, values it may be read as).

    >>> [(k, p) for k, p, _, _ in text_figures("收入预算3,121.42万元，比2024年预算增加107.62万元，增长3.6%。")]
    [('amount', '3,121.42万元'), ('amount', '107.62万元'), ('rate', '3.6%')]
    """
    s = normalize(text).replace("\u3000", " ")
    blocked = [m.span() for m in _exclude("text").finditer(s)] if _exclude("text") else []
    money, rate, other = _units("text:unit_amount"), _units("text:unit_rate"), _units("text:unit_other")
    found = []
    for m in NUM_RE.finditer(s):
        a, b = m.span("num")
        if any(x <= a < y for x, y in blocked):
            continue
        num = m.group("num")
        value = _dec(num)
        if value is None:
            continue
        rest = s[b:b + 8].lstrip(" ")
        unit = next((u for u in rate if rest.startswith(u)), None)
        if unit:
            found.append(("rate", num + unit, value, (abs(value) / 100,)))
            continue
        unit = next((u for u in money if rest.startswith(u)), None)
        if unit:
            found.append(("amount", num + unit, value, (abs(value) * MONEY[unit],)))
            continue
        if rest.startswith("万") or next((u for u in other if rest.startswith(u)), None):
            continue                                    # a count, a score, a date
        shared = re.match(r"\s*(?:、|和|及|与|至|～|~|-|—|或)\s*\d[\d,]*(?:\.\d+)?\s*(亿元|万元|千元|元)", rest + s[b + 8:b + 40])
        if shared:
            found.append(("amount", num, value, (abs(value) * MONEY[shared.group(1)],)))
        elif _bare_amount(num):
            found.append(("amount", num, value, tuple(abs(value) * f for f in TABLE_FACTORS)))
    return found


# ------------------------------------------------------------------ table figures
def _is_label(cell: str) -> bool:
    return bool(LABEL_RE.search(cell))


def _integer(t: str) -> bool:
    return INT_RE.fullmatch(t) is not None


def _cell_text(c) -> str:
    return SPACE_RE.sub("", normalize(c)) if c else ""


def cell_figures(cells: list, index_cols: frozenset = frozenset()) -> list[tuple[int, str, str, Decimal, tuple]]:
    """The figures of one table row: (cell index, kind, printed, value, values it may be read as).

    Not figures: a 栏次 row; an integer cell whose next non-integer cell is a label (a code or a
    row number before its name: ``301 | 01 | 基本工资``), or left of the row's first label; an
    integer cell in ``index_cols`` (a 行次 / 序号 column); a cell matching a ``cell`` exclude rule.

    >>> [p for _, _, p, _, _ in cell_figures(["301", "01", "基本工资", "262.33", "302", "01", "办公费", "21.21"])]
    ['262.33', '21.21']
    """
    from ..extract.tabular.grid import is_index_row
    texts = [_cell_text(c) for c in cells]
    if not any(DECIMAL_CELL_RE.fullmatch(t) for t in texts) and is_index_row(cells):
        return []
    labels = [j for j, t in enumerate(texts) if t and _is_label(t)]
    excl = _exclude("cell")
    out = []
    for j, t in enumerate(texts):
        if not t or not CELL_NUM_RE.match(t) or (excl and excl.search(t)):
            continue
        if _integer(t):
            nxt = next((u for u in texts[j + 1:] if u and not _integer(u)), None)
            if j in index_cols or (labels and j < labels[0]) or (nxt is not None and _is_label(nxt)):
                continue                                # a code or a row number
        value = _dec(t.rstrip("%"))
        if value is None:
            continue
        if t.endswith("%"):
            out.append((j, "rate", t, value, (abs(value) / 100,)))
        else:
            out.append((j, "amount", t, value, tuple(abs(value) * f for f in TABLE_FACTORS)))
    return out


def _index_columns(rows: list) -> frozenset | None:
    """Columns headed 行次 / 序号 (``cell,index_header`` rule) in the header rows of a grid (the rows
    before its first figure with decimals); None when the grid has no header row."""
    words = [w for p in rules().get("cell:index_header", []) for w in p.split("|") if w]
    cols = set()
    header = False
    for _, cells in rows:
        texts = [_cell_text(c) for c in cells]
        if any(DECIMAL_CELL_RE.fullmatch(t) for t in texts):
            break
        header = True
        cols |= {j for j, t in enumerate(texts) if t in words}
    return frozenset(cols) if header else None


def table_blocks(doc) -> list[list]:
    """The table rows of the document as grids, each a list of (line, cells): a PDF's grids, or a
    text report's runs of consecutive tab-separated lines."""
    grids = getattr(doc, "tables", None)
    if grids:
        return [list(t.rows) for t in grids]
    blocks, cur, last = [], [], None
    for n, t in enumerate(doc.lines, start=1):
        if "\t" not in t:
            continue
        if last is not None and n != last + 1 and any(doc.lines[k - 1].strip() for k in range(last + 1, n)):
            blocks.append(cur)
            cur = []
        cur.append((n, t.split("\t")))
        last = n
    if cur:
        blocks.append(cur)
    return blocks


def table_line_cells(doc) -> dict[int, list]:
    """line → cells of every table row of the document."""
    return {n: cells for b in table_blocks(doc) for n, cells in b}


def printed_figures(doc, tables_only: bool = False) -> list[Figure]:
    """Every figure printed in ``doc``, in line order (``tables_only``: the table cells only)."""
    found: dict[int, list[Figure]] = {}
    index = frozenset()
    width = None
    for block in table_blocks(doc):
        cols = _index_columns(block)
        w = max((len(c) for _, c in block), default=0)
        if cols is not None or w != width:        # a continuation page without header keeps the columns
            index = cols or frozenset()
        width = w
        for n, cells in block:
            found[n] = [Figure(n, "table", kind, printed, values)
                        for _, kind, printed, _, values in cell_figures(cells, index)]
    claimed = _wrapped_cells(doc, found)
    out: list[Figure] = []
    for n, text in enumerate(doc.lines, start=1):
        if n in found:
            out += found[n]
        elif not tables_only:
            taken = list(claimed.get(n, ()))
            for kind, printed, _, values in text_figures(text):
                if printed in taken:            # a table cell's figure, printed on this line: counted once
                    taken.remove(printed)
                    continue
                out.append(Figure(n, "text", kind, printed, values))
    return out


def printing_line(doc, n: int, printed: str, skip=()) -> int:
    """The line that prints ``printed``: ``n`` itself, else the nearest of the lines one or two off
    on the same page (not in ``skip``) — a grid cell drawn across a wrapped row's sub-lines sits at
    its row's line; ``n`` when none prints it."""
    if printed in doc.line(n):
        return n
    return next((m for m in (n - 1, n + 1, n - 2, n + 2) if 1 <= m <= len(doc.lines) and m not in skip
                 and printed in doc.line(m) and _page(doc, m) == _page(doc, n)), n)


def _wrapped_cells(doc, found: dict[int, list[Figure]]) -> dict[int, list[str]]:
    """line → the figures of table cells printed on it, though their grid row sits on another line:
    a cell drawn across a wrapped row's sub-lines is placed at the row's line, and the line that
    prints it (one or two lines off, on the same page, in no grid row) is not text of its own."""
    out: dict[int, list[str]] = {}
    for n, figs in found.items():
        for f in figs:
            m = printing_line(doc, n, f.printed, skip=found)
            if m != n:
                out.setdefault(m, []).append(f.printed)
    return out


# ------------------------------------------------------------------ tables seen and read
@lru_cache(maxsize=None)
def seen_cues() -> list[tuple[str, list[str], list[str]]]:
    """(table id, words all present, words none present) of data/table_seen_cues.csv: a title line the
    table readers do not recognise may still name a table, which is then seen (not absent)."""
    with open(PACKAGE_DATA / "table_seen_cues.csv", encoding="utf-8", newline="") as fh:
        return [(r["table"], [w for w in r["all_of"].split("|") if w], [w for w in r["none_of"].split("|") if w])
                for r in csv.DictReader(fh)]


def seen_title(lines, kind: str) -> str | None:
    """The table a title-like line names by the loose cues (a short line, no leader dots, no sentence)."""
    prefix = "预算" if kind == "budget" else "公开"
    for text in reversed([t for t in lines if t]):
        s = re.sub(r"[\s“”\"]", "", normalize(text))
        if not s or len(s) > 60 or re.search(r"[…]|\.{3,}|[，。；]", s):
            continue
        for tid, all_of, none_of in seen_cues():
            if tid.startswith(prefix) and all(w in s for w in all_of) and not any(w in s for w in none_of):
                return tid
    return None


def grid_tables(doc, kind: str) -> dict[int, tuple[str | None, str]]:
    """line → (table id or None, how its grid was taken: "read" | "repeated" | "duplicate" |
    "other") for every grid row of a PDF, by the same grouping the table readers use."""
    from ..extract.tabular.budget_tables import budget_title_of, other_title_of
    from ..extract.tabular.grid import GridParser, title_of
    from ..findings import CheckLog
    grids = getattr(doc, "tables", None) or []
    if not grids:
        return {}
    parser = GridParser(doc, CheckLog("<ledger>"))
    if kind == "budget":     # the budget readers' grouping: a titled table with no role ends the one before
        groups = parser.table_groups(budget_title_of, "the budget tables", other=other_title_of)
    else:
        groups = parser.table_groups(lambda pt: title_of(pt.above))
    out: dict[int, tuple[str | None, str]] = {}
    seen: set[str] = set()
    grouped = set()
    for tid, parts in groups:
        how = "duplicate" if tid in seen else "read"
        seen.add(tid)
        for k, p in enumerate(parts):
            grouped.add(id(p))
            # a grid taken as a continuation although a title above it names another table
            other = seen_title(list(p.above[-4:]), kind) if k else None
            for n, _ in p.rows:
                out[n] = (other, "seen") if other and other != tid else (tid, how)
    for i, pt in enumerate(grids):
        if id(pt) in grouped:
            continue
        prev = grids[i - 1] if i else None
        repeated = bool(prev is not None and pt.rows and [c for _, c in pt.rows] == [c for _, c in prev.rows])
        seen = None if repeated else seen_title(list(pt.above[-4:]) + [
            " ".join(c for c in cells if c) for _, cells in pt.rows[:2]], kind)
        for n, _ in pt.rows:
            out[n] = (seen, "repeated" if repeated else ("seen" if seen else "other"))
    return out


def text_tables(tables: dict) -> dict[int, tuple[str | None, str]]:
    """line → (table id, "read") for a text report's tables (their start … end lines)."""
    out = {}
    for tid, t in tables.items():
        if getattr(t, "present", False) and t.start and t.end:
            for n in range(t.start, t.end + 1):
                out[n] = (tid, "read")
    return out


def table_pool(tables: dict) -> list[tuple[int, Decimal]]:
    """(line, amount in 元) of every cell the table readers read (what line_items holds)."""
    return [(r.line, v) for t in tables.values() for r in getattr(t, "rows", [])
            for v in r.values.values() if v is not None and r.line]


def table_reading(doc, tables: dict, kind: str) -> dict[str, dict]:
    """Per table id: ``status`` (read / partial / seen_not_read / empty / absent), printed and
    read figure counts, and the first line of its grid — what the checks consult before they
    compare against a table."""
    where = grid_tables(doc, kind) if getattr(doc, "tables", None) else text_tables(tables)
    figs = printed_figures(doc, tables_only=True)
    for f in figs:
        f.table = (where.get(f.line) or (None, ""))[0] or ""
    pool = list(table_pool(tables))
    # a value read anywhere in the table's own grid (a form that folds a list of sources into one row
    # stores them at one line) shows that the table was read
    for tid, t in tables.items():
        grid = [n for n, (tt, _) in where.items() if tt == tid]
        if grid:
            span = (min(grid), max(grid) + 1)
            pool += [(span, v) for r in getattr(t, "rows", []) for v in r.values.values() if v is not None]
    _match(figs, pool, window=0)
    _empty_zeros(figs, tables)
    out: dict[str, dict] = {}
    for tid in tables:
        mine = [f for f in figs if f.table == tid and (where.get(f.line) or ("", ""))[1] in ("read", "seen")]
        lines = sorted(n for n, (t, how) in where.items() if t == tid)
        printed, read = len(mine), sum(1 for f in mine if f.read_line is not None)
        t = tables[tid]
        if not lines and not getattr(t, "present", False):
            status = "absent"
        elif printed == 0:
            status = "empty"
        elif read == 0:
            status = "seen_not_read"
        elif read < printed:
            status = "partial"
        else:
            status = "read"
        out[tid] = {"status": status, "printed": printed, "read": read, "line": lines[0] if lines else None}
    return out


# ------------------------------------------------------------------ accounting
def _match(figs: list[Figure], pool: list, window: int, same_page=None) -> None:
    """Place each figure on one value of ``pool`` ((line, value), or ((first, end), value) for a
    value read for a block of lines); each value is used once: the same line first, then a block
    that holds the line, then (``window`` > 0) the nearest line within the window."""
    by_line: dict[int, list[list]] = {}
    spans: list[tuple[int, int, list]] = []       # a value read for a block of lines (a project's table)
    for n, v in pool:
        if n is None or v is None:
            continue
        try:
            entry = [abs(Decimal(v)), False]
        except (InvalidOperation, TypeError, ValueError):
            continue
        if isinstance(n, tuple):
            spans.append((n[0], n[1], entry))
        else:
            by_line.setdefault(int(n), []).append(entry)

    def take(f: Figure, n: int) -> bool:
        for entry in by_line.get(n, []):
            if not entry[1] and entry[0] in f.values:
                entry[1] = True
                f.read_line = n
                return True
        return False

    for f in figs:
        if f.read_line is None:
            take(f, f.line)
    for f in figs:
        if f.read_line is None:
            for a, b, entry in spans:
                if a <= f.line < b and not entry[1] and entry[0] in f.values:
                    entry[1] = True
                    f.read_line = f.line
                    break
    if window:
        for f in figs:
            if f.read_line is not None:
                continue
            for d in range(1, window + 1):
                cands = [n for n in (f.line - d, f.line + d) if same_page is None or same_page(f.line, n)]
                if any(take(f, n) for n in cands):
                    break


def _empty_zeros(figs: list[Figure], tables: dict) -> None:
    """A table read as declared empty holds no rows: its printed zeros are what was read (0)."""
    for f in figs:
        t = tables.get(f.table)
        if f.read_line is None and t is not None and getattr(t, "declared_empty", False) and \
                all(v == 0 for v in f.values):
            f.read_line = f.line


def _page(doc, n: int) -> str:
    return doc.where(n).rsplit(":", 1)[0] if doc.origins else ""


def account(doc, kind: str, tables: dict, table_values: list, text_values: list,
            text_lines: tuple[int, int] | None = None, repeated_pages=(), unparsed_lines=()) -> Ledger:
    """The ledger of ``doc``: every printed figure, read (placed on ``table_values`` /
    ``text_values``, lists of (line, value)) or with the reason it was not.

    ``text_lines``: [start, end) of the part whose text the prose reader reads (None: all);
    ``repeated_pages``: pages read once as repeats; ``unparsed_lines``: lines the prose reader
    noted as holding an amount it could not place."""
    figs = printed_figures(doc)
    where = grid_tables(doc, kind) if getattr(doc, "tables", None) else text_tables(tables)
    tfigs = [f for f in figs if f.where == "table"]
    xfigs = [f for f in figs if f.where == "text"]
    for f in tfigs:
        f.table = (where.get(f.line) or (None, ""))[0] or ""
    _match(tfigs, table_values, window=0)
    _empty_zeros(tfigs, tables)
    # a text figure printed in a table's region (a row the grid reader left as text) may be read too
    same_page = (lambda a, b: _page(doc, a) == _page(doc, b)) if doc.origins else None
    _match(xfigs, text_values, window=WINDOW, same_page=same_page)
    _match([f for f in xfigs if f.read_line is None], table_values, window=0)
    read_tables = {f.table for f in tfigs if f.read_line is not None}
    repeated = set(repeated_pages)
    for f in tfigs:
        if f.read_line is not None:
            continue
        tid, how = where.get(f.line) or (None, "other")
        if how in ("repeated", "duplicate") or _page(doc, f.line) in repeated:
            f.reason = "page_repeated"
        elif how == "seen":
            f.reason = "table_seen_not_read"
        elif tid is None:
            f.reason = "no_table_recognised"
        elif tid not in read_tables:
            f.reason = "table_seen_not_read"
        else:
            f.reason = "cell_not_placed"
    read_lines = {f.line for f in xfigs if f.read_line is not None}
    unparsed = set(unparsed_lines)
    for f in xfigs:
        if f.read_line is not None:
            continue
        if _page(doc, f.line) in repeated:
            f.reason = "page_repeated"
        elif text_lines is not None and not (text_lines[0] <= f.line < text_lines[1]):
            f.reason = "part_not_read"
        elif f.line in unparsed or f.line in read_lines:
            f.reason = "form_seen_not_placed"
        else:
            f.reason = "no_sentence_form"
    return Ledger(figs)


# ------------------------------------------------------------------ the checks consult what was read
class ReadTables(dict):
    """The tables as the checks see them: a table seen but not (fully) read is absent to them, and
    ``not_read`` says why (the skip reason of every check that would have compared against it)."""

    not_read: dict


NOT_READ = ("seen_not_read", "partial")


def tables_as_read(tables: dict, reading: dict, doc, log, presence_check: str) -> ReadTables:
    """``tables`` without those whose printed figures were not (all) read, so no check compares
    against a value that was not read; for each such table ONE note about our reading, and the
    table is not reported as absent (its ``presence_check`` failure, if any, becomes a skip) nor as
    declared empty."""
    from ..extract.tabular.tables import Table
    out = ReadTables(tables)
    out.not_read = {}
    for tid, r in reading.items():
        t = tables.get(tid)
        seen_only = r["status"] == "empty" and r["line"] and (t is None or not t.present)
        if r["status"] not in NOT_READ and not seen_only:
            continue
        where = doc.where(r["line"]) if r["line"] else ""
        title = getattr(t, "title", tid)
        reason = (f"{tid} not read (our reading: its grid at {where}, {r['printed'] - r['read']} of its "
                  f"{r['printed']} figures not read)" if not seen_only else
                  f"{tid} not recognised (our reading: its title is printed at {where}, no figure in it)")
        out.not_read[tid] = reason
        out[tid] = Table(tid, title, present=False)
        dropped = [f for f in log.findings if f.table == tid and (
            (f.check == presence_check and f.severity == "error") or f.check == "table_declared_empty")]
        for f in dropped:
            log.findings.remove(f)
            if f.check == presence_check:
                c = log.counts.get(presence_check)
                if c is not None and c.failed:
                    c.failed -= 1
                    c.run -= 1
                log.skip(presence_check, reason)
        log.note("table_not_read", f"{tid} {title}: " + (
            f"its grid starts at {where} and prints {r['printed']} figures, {r['read']} of them read by this "
            f"suite; the others are in unread.csv. This is our reading, not a fault of the source: no check "
            f"compares against this table" if not seen_only else
            f"its title is printed at {where}; the table readers did not recognise it (it prints no figure)"),
            line=r["line"], table=tid, expected=r["printed"], found=r["read"])
    return out
