"""The nine public tables from PDF cell grids (tables read by their ruling lines).

A grid has exact columns, so no cell placement is needed; what varies between
reports is the header wording (mapped through ``data/header_map.csv``; a header
cell wrapped onto two lines is joined), function codes in one column headed
功能分类科目编码 (the national template) or split into 类/款/项 columns, economic
codes as ``30101`` or ``301 01``, blank cells meaning zero, a 栏次 row of column
numbers, 合计 first or last, tables continued on the next page with or without
a repeated header, and tables a report omits.  Tables printed without ruling
lines arrive here as the same grids (:mod:`~juesuan.extract.reading.words`).  The result is the same :class:`Table`
structure as the text parser's, so the same checks run on it.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from ...findings import CheckLog
from ...numbers import is_amount, parse_amount
from ..reading.pdf import PdfDocument, PdfTable
from .tables import (TABLE_IDS, UNIT_RE, Row, Table, cn_ordinal, header_ignore, header_map, is_column_index_line,
                     row_labels, sort_columns, squash, strip_ordinal, table_specs, two_sided_key)

CODE_WORDS = {"类", "款", "项"}
FUNC_CODE_RE = re.compile(r"\d{3}(?:\d{2}){0,2}")
# header cells naming the column that holds whole function codes (功能分类科目编码 | 科目名称)
CODE_HEADERS = {"功能分类科目编码", "科目编码", "功能分类科目", "编码", "经济分类科目编码", "科目代码", "功能分类科目代码",
                "功能科目代码", "功能科目编码"}


def code_pieces(cells) -> list[str]:
    """The whitespace-separated pieces of code cells ("301 01" → ["301", "01"])."""
    return [p for c in cells for p in (c or "").split()]


def is_index_row(cells) -> bool:
    """A 栏次 row (column numbers 1 2 3 …, optionally labelled 栏次/类/款/项): not data."""
    toks = [c.strip() for c in cells if c and c.strip()]
    return bool(toks) and is_column_index_line(toks)


def title_of(lines: list[str]) -> str | None:
    """The public table a title line names (by title or alias), or None."""
    for text in reversed(lines):
        s = squash(text)
        for tid, spec in table_specs().items():
            names = [spec["title"]] + [a for a in spec.get("aliases", "").split("|") if a]
            if any(s == squash(n) for n in names):
                return tid
    return None


def unit_of(lines: list[str]) -> str | None:
    for text in lines:
        m = UNIT_RE.search(text)
        if m:
            return m.group(1)
    return None


def header_candidates(texts: list[str]) -> list[str]:
    """Squashed header texts of a column, lowest first (the lowest header cell names the
    column), then joins of consecutive fragments (年初结转和 / 结余 → 年初结转和结余)."""
    sq = [squash(t) for t in texts]
    out = list(reversed(sq))
    for n in range(2, len(sq) + 1):
        for i in range(len(sq) - n, -1, -1):
            out.append("".join(sq[i:i + n]))
    return out


class GridParser:
    def __init__(self, doc: PdfDocument, log: CheckLog, default_unit: str = "万元"):
        self.doc = doc
        self.log = log
        self.default_unit = default_unit

    # ------------------------------------------------------------------ entry
    def table_groups(self, title=lambda pt: title_of(pt.above), what: str = "the nine public tables",
                     other=lambda pt: None) -> list[tuple[str, list[PdfTable]]]:
        """The grids of the document grouped into tables: a grid with a known title starts one, a
        grid on the next page continues it — unless it repeats the previous page cell for cell
        (a page printed twice: read once, with a note); any other grid is noted and not read.
        ``other(pt)`` names a table the report titles that has no role here: it ends the current
        table, and it and its continued pages are noted as not read."""
        groups: list[tuple[str, list[PdfTable]]] = []
        last_page = None                          # the last page the current group reaches
        other_page, other_name = None, ""         # the last page of a titled table with no role
        for pt in self.doc.tables:
            tid = title(pt)
            name = other(pt) if tid is None else None
            if name or (tid is None and other_page is not None and pt.page in (other_page, other_page + 1)
                        and (last_page is None or other_page >= last_page)):
                other_page, other_name = pt.page, name or other_name
                last_page = None
                first = pt.rows[0][0] if pt.rows else None
                self.log.note("table_other", f"a table on page {pt.page} (“{other_name}”) is not one of {what} "
                              "(it has no national role); not read", line=first, found=other_name)
                continue
            if tid is not None:
                groups.append((tid, [pt]))
                last_page = pt.page
                other_page = None
            elif groups and last_page is not None and pt.page == last_page + 1:
                prev = groups[-1][1][-1]
                last_page = pt.page
                if pt.rows and [c for _, c in pt.rows] == [c for _, c in prev.rows]:
                    self.log.note("page_repeated", f"page {pt.page} repeats the table of page {prev.page} "
                                  "cell for cell; read once (its amounts are not counted twice)",
                                  line=pt.rows[0][0], expected=prev.page, found=pt.page)
                    continue
                groups[-1][1].append(pt)          # continued on the next page
            else:
                first = pt.rows[0][0] if pt.rows else None
                self.log.note("table_other", f"a table on page {pt.page} is not one of {what} "
                              "(no known title above it); not read", line=first)
        return groups

    def fill(self, row: Row, cells: list, cols: dict, line: int, table: Table) -> None:
        """The amounts of one grid row into ``row``: ``cols`` maps a cell index to (column, label)."""
        for j, (col, _) in cols.items():
            v, st = self.value(cells[j] if j < len(cells) else None, line, table)
            if st is not None:
                row.values[col], row.status[col] = v, st

    def parse_all(self) -> dict[str, Table]:
        groups = self.table_groups()
        tables: dict[str, Table] = {}
        for tid, parts in groups:
            if tid in tables:
                self.log.add("table_duplicate", "warning", f"{tid} appears twice; the first is used",
                             line=parts[0].rows[0][0] if parts[0].rows else None, table=tid)
                continue
            tables[tid] = self.parse_table(tid, parts)
        out = {}
        for tid in TABLE_IDS:
            spec = table_specs()[tid]
            if tid in tables:
                self.log.record("table_present", True, severity="info", message="")
                out[tid] = tables[tid]
            else:
                self.log.record("table_present", False, severity="error", table=tid,
                                message=f"{tid} {spec['title']} is absent from the report",
                                expected=tid, found="")
                out[tid] = Table(tid, spec["title"], present=False)
        return out

    def parse_table(self, tid: str, parts: list[PdfTable]) -> Table:
        spec = table_specs()[tid]
        first = parts[0]
        title = next((l.strip() for l in reversed(first.above) if title_of([l]) == tid), spec["title"])
        rows = self._joined_rows(tid, parts)
        start = rows[0][0] if rows else 0
        table = Table(tid, title, start=start, end=rows[-1][0] if rows else 0)
        unit = unit_of(first.above)
        if unit is None:
            unit = self.default_unit
            self.log.note("table_unit", f"{tid}: no 单位 line above the table; using {unit}",
                          line=start, table=tid)
        table.unit = unit
        layout = spec["layout"]
        handlers = {"two_sided": self._two_sided, "by_function": self._by_function,
                    "economic": self._economic, "sangong": self._sangong}
        handler = handlers[layout] if layout in handlers else self._handler(layout)
        handler(table, rows)
        # the statement after the table first (the lines above may hold the previous table's)
        below = self._text_after(parts[-1]) + [l for p in parts for l in p.above]
        stmt = next((l for l in below if re.search(r"(无|没有).*(收入|支出|收支|数据|空表)", l)), None)
        has_values = any(v for r in table.rows for v in r.values.values())
        blank_form = not any(st == "reported" for r in table.rows for st in r.status.values())
        if not has_values and (stmt or not table.rows or blank_form):
            table.declared_empty = True
            table.empty_statement = stmt or ""
            table.rows = []
            self.log.note("table_declared_empty", f"{tid} {title} is declared empty"
                          + (f": {stmt}" if stmt else " (no values)"), line=start, table=tid, found=stmt)
        return table

    def _joined_rows(self, tid: str, parts: list[PdfTable]) -> list:
        """The rows of all parts of a table, without 栏次 rows and without the header rows a
        continuation page repeats (each dropped row is a note naming its line)."""
        head: set[str] = set()
        for _, cells in parts[0].rows:
            if any(c and is_amount(c.strip()) for c in cells):
                break
            head |= {squash(c) for c in cells if c}
        out = []
        for k, p in enumerate(parts):
            leading = k > 0
            for line, cells in p.rows:
                if is_index_row(cells):
                    continue
                texts = [squash(c) for c in cells if c and c.strip()]
                if leading and texts and not any(is_amount(t) for t in texts) and all(t in head for t in texts):
                    self.log.note("header_repeated", f"{tid}: header row repeated on page {p.page}; skipped",
                                  line=line, table=tid)
                    continue
                leading = False
                out.append((line, cells))
        return out

    def _text_after(self, pt: PdfTable) -> list[str]:
        """Text lines right after the table on its page (e.g. a 注 saying the table is empty)."""
        if not pt.rows:
            return []
        last = pt.rows[-1][0]
        out = []
        for n in range(last + 1, min(last + 4, len(self.doc.lines) + 1)):
            if self.doc.where(n).split(":")[0] != f"p{pt.page}":
                break
            out.append(self.doc.line(n))
        return out

    def _handler(self, layout: str):
        """The reader of a layout the nine public tables do not have (subclasses add theirs)."""
        raise KeyError(f"unknown table layout {layout!r} (data/tables.csv)")

    # ------------------------------------------------------------------ helpers
    def value(self, cell: str | None, line: int, table: Table):
        """(Decimal, status) for an amount cell; blank = 0 ("blank"); None for merged cells."""
        if cell is None:
            return None, None
        c = cell.strip()
        if c in ("", "-", "—", "－"):
            return Decimal(0), "blank"
        if not is_amount(c):
            self.log.add("unparseable_cell", "error", f"{table.id}: cell {cell!r} is not a number; left missing",
                         line=line, table=table.id, found=cell)
            return None, None
        return parse_amount(c, table.unit, self.doc.path, line), "reported"

    def header_columns(self, table: Table, header_rows, skip: set[int]) -> dict[int, tuple[str, str]]:
        """Column index → (standard column, label) from the header cells of each column."""
        hmap = header_map().get(table.id, {})
        ncols = max((len(c) for _, c in header_rows), default=0)
        cols: dict[int, tuple[str, str]] = {}
        for j in range(ncols):
            if j in skip:
                continue
            texts = [c[j] for _, c in header_rows if j < len(c) and c[j]]
            for s in header_candidates(texts):
                if s in hmap and hmap[s][0] != "-":
                    cols[j] = hmap[s]
                    break
            else:
                unknown = [t for t in texts if squash(t) not in hmap and squash(t) not in header_ignore()
                           and squash(t) not in {"合计", "项目", "收入", "支出", "本年支出"}]
                if unknown:
                    self.log.add("unknown_header", "warning",
                                 f"{table.id}: unknown header {unknown[-1]!r} (add it to data/header_map.csv)",
                                 line=header_rows[0][0], table=table.id, found=unknown[-1])
        return cols

    # ------------------------------------------------------------------ layouts
    def _by_function(self, table: Table, rows) -> None:
        first_data = next((i for i, (_, c) in enumerate(rows)
                           if any(x and is_amount(x) for x in c)
                           or (c and c[0] and FUNC_CODE_RE.fullmatch("".join(c[0].split())))),
                          len(rows))
        header = rows[:first_data]
        words = {}
        for _, c in rows[: first_data + 1]:
            for j, x in enumerate(c):
                if x in CODE_WORDS:
                    words[j] = x
        code_cols = [j for j, w in sorted(words.items())]
        if not code_cols:  # one column headed 功能分类科目编码 (the national template)
            code_cols = sorted({j for _, c in header for j, x in enumerate(c)
                                if x and squash(x) in CODE_HEADERS})[:1]
        if not code_cols:  # no 类/款/项 header row: leading columns that hold only 2–3 digit codes
            data = [c for _, c in rows[first_data:]]
            j = 0
            while data and all(j < len(c) and (not c[j] or re.fullmatch(r"\d{2,3}", c[j].strip()))
                               for c in data) and any(j < len(c) and c[j] for c in data):
                code_cols.append(j)
                j += 1
        name_col = max(code_cols) + 1 if code_cols else 0
        cols = self.header_columns(table, header, set(code_cols) | {name_col})
        table.columns[""] = sort_columns(table.id, list(cols.values()))
        for line, c in rows[first_data:]:
            parts = code_pieces(c[j] for j in code_cols if j < len(c))
            parts = [p for p in parts if p not in CODE_WORDS]
            name = (c[name_col] or "").strip() if name_col < len(c) else ""
            code = "".join(parts) if parts and all(re.fullmatch(r"\d+", p) for p in parts) else None
            if code is not None and not FUNC_CODE_RE.fullmatch(code):
                self.log.add("unparsed_line", "warning", f"{table.id}: {code!r} is not a function code",
                             line=line, table=table.id, found=code)
                continue
            if code is None and (any(squash(p) == "合计" for p in parts) or squash("".join(parts)) == "合计"):
                name = "合计"
            if code is None and squash(name) != "合计":
                if any((c[j] or "").strip() for j in cols if j < len(c)):
                    self.log.add("unparsed_line", "warning", f"{table.id}: row without a code: {c}",
                                 line=line, table=table.id)
                elif any((x or "").strip() for x in c):
                    self.log.note("placeholder_row", f"{table.id}: row without a code or an amount "
                                  f"(a placeholder such as …): {[x for x in c if x]}; nothing to read",
                                  line=line, table=table.id)
                continue
            row = Row(line, "total" if code is None else f"func:{code}", "合计" if code is None else name, code)
            self.fill(row, c, cols, line, table)
            table.rows.append(row)

    def _two_sided(self, table: Table, rows) -> None:
        hmap = header_map().get(table.id, {})
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x) for x in c)
                         or any(x and re.match(r"^[一二三四五六七八九十]+、", x) for x in c)), len(rows))
        header = rows[:head_end]
        # sides: the column where 支出 starts
        split = None
        for _, c in header:
            for j, x in enumerate(c):
                if x and squash(x) == "支出":
                    split = j
        ncols = max(len(c) for _, c in rows)
        # the expense side starts at its own 项目 column (a spanning 支出 read from positioned
        # words may sit over a later column)
        labels = sorted({j for _, c in header for j, x in enumerate(c)
                         if x and squash(x) in ("项目", "项目(按功能分类)")})
        if len(labels) == 2:
            split = labels[1]
        split = split if split is not None else ncols // 2
        label_cols, rowno_cols, amount_cols = {}, {}, {"收入": [], "支出": []}
        for j in range(ncols):
            side = "收入" if j < split else "支出"
            texts = [squash(c[j]) for _, c in header if j < len(c) and c[j]]
            if any(t in ("项目", "项目(按功能分类)") for t in texts):
                label_cols[side] = j
            elif any(t in ("行次",) for t in texts):
                rowno_cols[side] = j
            else:
                for t in reversed(texts):
                    if t in hmap:
                        amount_cols[side].append((j,) + hmap[t])
                        break
        for side in ("收入", "支出"):
            label_cols.setdefault(side, 0 if side == "收入" else split)
        table.columns = {side: [(col, label) for _, col, label in amount_cols[side]] or [("amount", "决算数")]
                         for side in ("收入", "支出")}
        carry_seen = False
        for line, c in rows[head_end:]:
            for side in ("收入", "支出"):
                lc = label_cols[side]
                label_raw = (c[lc] or "").strip() if lc < len(c) else ""
                if not label_raw:
                    if any((c[j] or "").strip() for j, *_ in amount_cols[side] if j < len(c)):
                        self.log.add("unknown_row_label", "warning", f"{table.id}: amounts without a row label",
                                     line=line, table=table.id)
                    continue
                label = strip_ordinal(label_raw)
                key, code, carry_seen = two_sided_key(table.id, side, label_raw, carry_seen, self.log, line)
                row = Row(line, key, label, code, side=side, ordinal=cn_ordinal(label_raw))
                if side in rowno_cols and rowno_cols[side] < len(c) and (c[rowno_cols[side]] or "").isdigit():
                    row.row_no = int(c[rowno_cols[side]])
                for j, col, _ in amount_cols[side]:
                    v, st = self.value(c[j] if j < len(c) else None, line, table)
                    if st is not None:
                        row.values[col], row.status[col] = v, st
                table.rows.append(row)

    def _economic(self, table: Table, rows) -> None:
        table.columns[""] = [("amount", "金额")]
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x) for x in c)
                         or any(x and re.fullmatch(r"\d{3}(?:\s*\d{2})?", x.strip()) for x in c)), len(rows))
        header = rows[:head_end]
        name_cols = sorted({j for _, c in header for j, x in enumerate(c) if x and squash(x) == "科目名称"})
        amount_cols = sorted({j for _, c in header for j, x in enumerate(c)
                              if x and squash(x) in ("决算数", "金额")})
        panels = []
        for n in name_cols:
            amt = next((a for a in amount_cols if a > n), None)
            code_cols = [j for j in range(max([-1] + [p[-1] for p in panels]) + 1, n)]
            panels.append((code_cols, n, amt))
        for line, c in rows[head_end:]:
            for code_cols, n, amt in panels:
                parts = code_pieces(c[j] for j in code_cols if j < len(c))
                name = (c[n] or "").strip() if n < len(c) and c[n] else ""
                first = (c[code_cols[0]] or "").strip() if code_cols and code_cols[0] < len(c) and c[code_cols[0]] else ""
                label = next((x for x in (first, name) if x and row_labels().get((table.id, "", squash(x)))), None)
                if parts and re.fullmatch(r"\d{3}(?:\d{2})?", parts[0]):
                    code = parts[0] + "".join(p for p in parts[1:] if re.fullmatch(r"\d{2}", p))
                    row = Row(line, f"econ:{code}", re.sub(r"\s+", "", name), code,
                              side="人员经费" if code[:3] in ("301", "303") else "公用经费")
                elif label:
                    row = Row(line, row_labels()[(table.id, "", squash(label))], squash(label), None)
                else:
                    if amt is not None and amt < len(c) and (c[amt] or "").strip():
                        self.log.add("unparsed_line", "warning", f"{table.id}: amount without a code or "
                                     f"label: {c}", line=line, table=table.id, found=c[amt])
                    continue
                v, st = self.value(c[amt] if amt is not None and amt < len(c) else None, line, table)
                if st is not None:
                    row.values["amount"], row.status["amount"] = v, st
                table.rows.append(row)

    def _sangong(self, table: Table, rows) -> None:
        hmap = header_map().get(table.id, {})
        kind_idx = next((i for i, (_, c) in enumerate(rows)
                         if sum(1 for x in c if x in ("预算数", "决算数")) >= 2), None)
        if kind_idx is None:
            self.log.add("unknown_header", "error", f"{table.id}: no 预算数/决算数 header row", table=table.id,
                         line=rows[0][0] if rows else None)
            return
        kinds = rows[kind_idx][1]
        # categories by the column where their header text starts; a parent whose child starts
        # in the same column (公务用车购置及运行费 over 小计) gives way to the child
        starts: dict[int, str] = {}
        for _, c in rows[:kind_idx]:
            for j, x in enumerate(c):
                if x and squash(x) in hmap and hmap[squash(x)][0] != "-":
                    starts[j] = hmap[squash(x)][0]
        cols: dict[int, tuple[str, str]] = {}
        positions = sorted(starts)
        for j, kind in enumerate(kinds):
            if kind not in ("预算数", "决算数"):
                continue
            owner = max((p for p in positions if p <= j), default=None)
            if owner is None:
                continue
            part = starts[owner]
            col = f"{'budget' if kind == '预算数' else 'actual'}_{part}"
            cols[j] = (col, f"{kind}·{part}")
        labels = {c: l for c, l in hmap.values()}
        table.columns[""] = [(c, f"{l.split('·')[0]}·{labels.get(c.split('_', 1)[1], '')}") for c, l in cols.values()]
        for line, c in rows[kind_idx + 1:]:
            row = Row(line, "sangong", "三公经费", None)
            self.fill(row, c, cols, line, table)
            if row.values:
                table.rows.append(row)
                break


def parse_pdf_tables(doc: PdfDocument, log: CheckLog, unit: str = "万元") -> dict[str, Table]:
    return GridParser(doc, log, unit).parse_all()


# ---------------------------------------------------------------- grid repair (older forms)
# Tables exported from a spreadsheet draw double rulings: pdfplumber then sees thin columns that
# hold no text, and a cell spanning several of them is its text plus None (merged) cells, so a
# header and the data under it may start in different columns (功能科目代码 in column 1, the
# codes in column 0).  A continued page may have other thin columns than the first.  The
# helpers below bring every part of a table to the same logical columns and join the pieces
# of a row that pdfplumber split (a wrapped label, a label and its amount in rows of their own).

def _has_text(x) -> bool:
    return bool(x and x.strip())


@lru_cache(maxsize=65536)
def _is_amount_text(x: str) -> bool:
    return is_amount(x.strip())


def column_groups(rows: list) -> list[list[int]]:
    """Adjacent physical columns merged greedily into logical columns: a column joins the group
    on its left unless some row has text in both (then the two are different columns)."""
    width = max((len(c) for _, c in rows), default=0)
    texts = [{j for j, x in enumerate(c) if _has_text(x)} for _, c in rows]
    starts = [{j for j, x in enumerate(c) if x is not None} for _, c in rows]
    anytext = set().union(*texts) if texts else set()
    groups: list[list[int]] = []
    for j in range(width):
        # j is another column than the group when a row has text in the group and, at j, text or
        # a cell of its own (an empty cell under a header of its own: 公务用车购置费 left blank)
        # — or text at j beside a merged (None) cell of the group that holds text in another row
        # (a group cell merged over rows, its item cells beside it)
        if groups and not any((any(k in t for k in groups[-1]) and (j in t or (j in st and j in anytext)))
                              or (j in t and any(k in anytext and k not in st for k in groups[-1]
                                                 if k < len(c)))
                              for t, st, (_, c) in zip(texts, starts, rows)):
            groups[-1].append(j)
        else:
            groups.append([j])
    return groups


def compact_rows(rows: list, groups: list[list[int]] | None = None) -> list:
    """``rows`` with one cell per logical column (:func:`column_groups`): the text of the group
    (at most one column of a group holds text), '' for a blank cell, None when every column of
    the group is merged (None) in that row."""
    groups = groups or column_groups(rows)
    if len(groups) == max((len(c) for _, c in rows), default=0):
        return [(n, list(c)) for n, c in rows]          # no thin column: the grid as it is
    out = []
    for n, c in rows:
        cells = []
        for g in groups:
            vals = [c[j] for j in g if j < len(c)]
            text = next((x for x in vals if _has_text(x)), None)
            cells.append(text if text is not None else ("" if any(x is not None for x in vals) else None))
        out.append((n, cells))
    return out


def join_split_rows(rows: list, amount_cols: set[int], log=None, table: str = "") -> list:
    """Join the pieces of a row pdfplumber split across ruled sub-rows:

    - a wrapped label: a row of merged (None) cells but for label text (九、医疗卫生与计划生育支 / 出)
      is appended to the row above, column by column;
    - an amount whose label cell spans it: a row holding only amounts whose label cells are merged
      (None) gives its amounts to the row above when that row has the label and no amount there;
    - an amount printed in the sub-row above its label: a row with amounts and no label whose
      amount cells are merged (None) in the next row, which holds the label, gives them to it."""
    def is_amt(x):
        return _has_text(x) and _is_amount_text(x)

    def labels(c):
        return [j for j, x in enumerate(c) if x and j not in amount_cols and x.strip() and not _is_amount_text(x)]

    def amounts(c):
        return [j for j, x in enumerate(c) if x and x.strip() and _is_amount_text(x)]

    # 1. amounts printed in the sub-row above their label (the label row's amount cells merged)
    fwd: list = []
    i = 0
    while i < len(rows):
        n, c = rows[i]
        if i + 1 < len(rows) and amounts(c) and not labels(c):
            nn, nc = rows[i + 1]
            if labels(nc) and not amounts(nc) and all(j < len(nc) and nc[j] is None for j in amounts(c)):
                merged = list(nc)
                for j, x in enumerate(c):
                    if j < len(merged) and merged[j] is None and x is not None:
                        merged[j] = x
                fwd.append((nn, merged))
                i += 2
                continue
        fwd.append((n, list(c)))
        i += 1
    out: list = []
    for n, c in fwd:
        if out:
            # a wrapped label: nothing but merged cells and label text, joined to the nearest row above
            # (at most two up) that has text in those cells
            if not amounts(c) and labels(c) and all(x is None or j in labels(c) for j, x in enumerate(c)):
                target = next((pc for _, pc in reversed(out[-2:])
                               if all(j < len(pc) and _has_text(pc[j]) for j in labels(c))), None)
                if target is not None:
                    for j in labels(c):
                        target[j] = target[j].strip() + c[j].strip()
                    if log is not None:
                        log.note("label_wrapped", f"{table}: a label wrapped within its cell, joined with the "
                                 f"line above ({''.join(c[j] for j in labels(c))!r})", line=n, table=table)
                    continue
            pn, pc = out[-1]
            # amounts whose label cells are merged into the row above
            if (amounts(c) and not labels(c) and labels(pc) and any(x is None for j, x in enumerate(c)
                                                                    if j not in amount_cols)
                    and all(j < len(pc) and not _has_text(pc[j]) for j in amounts(c))):
                for j in amounts(c):
                    pc[j] = c[j]
                continue
            # one panel's amount whose label cell is merged into the row above (a side-by-side table)
            for j in amounts(c):
                lj = j - 1
                if (lj >= 0 and lj not in amount_cols and lj < len(c) and not _has_text(c[lj]) and lj < len(pc)
                        and _has_text(pc[lj]) and j < len(pc) and pc[j] is None):
                    pc[j], c[j] = c[j], None
        out.append((n, c))
    return out


def amount_columns(rows: list) -> set[int]:
    """Columns whose every text (there is at least one) is an amount."""
    width = max((len(c) for _, c in rows), default=0)
    out = set()
    for j in range(width):
        vals = [c[j] for _, c in rows if j < len(c) and _has_text(c[j])]
        if vals and all(_is_amount_text(v) for v in vals):
            out.add(j)
    return out
