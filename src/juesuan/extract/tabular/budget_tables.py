"""The budget tables (预算01–预算10) of a 部门预算 / 单位预算 report, from PDF cell grids.

A budget report's tables have local names and a local order (Shanghai: 1 财务收支预算总表 …
6 政府性基金 … 8 基本支出 … 9 “三公”经费; the national form of 2015–2020: 收支总表, 收入总表,
支出总表 …).  Each is given the id of its NATIONAL ROLE (``data/tables.csv``, kind ``budget``)
by its title, whatever number the report gives it: a title line ends with the role's name or
an alias, after the year, the department and 部门/单位/预算单位 in front of it.  The grids
are read by :class:`~juesuan.extract.tabular.grid.GridParser`'s layouts (two-sided, by function) and
two of their own: the 基本支出 table by economic class with 合计 / 人员经费 / 公用经费 columns, and
the “三公”经费 (和机关运行经费) table, one row of budget amounts.  Headers map through
``data/header_map.csv``, row labels through ``data/row_labels.csv``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ...numbers import is_amount
from .grid import (GridParser, _is_amount_text, amount_columns, code_pieces, column_groups, compact_rows, is_index_row,
                   join_split_rows)
from ..reading.pdf import PdfTable
from .tables import Row, Table, header_map, row_labels, sort_columns, squash, table_specs

ORDER_PREFIX_RE = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)")
# 表1 / 附表1 / 部门公开表1 / 预算公开表01 in front of a title, (公开表1) after it
TABLE_NO_RE = re.compile(r"^(?:(?:部门|单位|预算)?(?:公开)?附?表\s*[\d一二三四五六七八九十]{1,3}\s*[:：、.．\-—]?\s*)")
TABLE_NO_TAIL_RE = re.compile(r"[（(](?:部门|单位|预算)?(?:公开)?附?表\s*\d{1,2}[)）]$")
LEADER_RE = re.compile(r"[…\.]{3,}|\.{2,}|…")
# a title cell that also holds the department and the unit (部门：… 单位：万元), or a qualifier
TITLE_TAIL_RE = re.compile(r"\s*(?:(?:编制)?部门(?:名称)?|编制单位|单位名称|预算单位|(?:金额)?单位)\s*[:：].*$")
TITLE_QUALIFIER_RE = re.compile(r"[（(](?:功能科目|经济科目|按功能分类|按经济分类|一般公共预算)[)）]$")
# a grid row that is the department / unit line of the page, not a header
DEPT_CELL_RE = re.compile(r"^\s*(?:编制部门|编制单位|预算单位|单位名称|部门名称|部门|(?:金额)?单位)\s*[:：]")


@lru_cache(maxsize=None)
def budget_ids() -> list[str]:
    return [t for t, s in table_specs().items() if s.get("kind") == "budget"]


@lru_cache(maxsize=None)
def _names() -> list[tuple[str, str]]:
    """(squashed name, table id), longest first (财政拨款收支预算总表 before 收支预算总表)."""
    out = []
    for tid in budget_ids():
        spec = table_specs()[tid]
        for n in [spec["title"]] + [a for a in spec.get("aliases", "").split("|") if a]:
            out.append((_key(n), tid))
    for row in _title_aliases():          # data/budget_title_aliases.csv (table "-": no national role)
        out.append((_key(row["alias"]), row["table"]))
    return sorted(out, key=lambda x: -len(x[0]))


@lru_cache(maxsize=None)
def _title_aliases() -> list[dict]:
    import csv

    from ...config import PACKAGE_DATA
    with open(PACKAGE_DATA / "budget_title_aliases.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _key(text: str) -> str:
    return re.sub(r"[“”\"'‘’《》]", "", squash(text))


def budget_title(text: str) -> str | None:
    """The budget table id a title line names, or None (a contents line with leader dots, a
    sentence, a final-accounts title, a table with no national role)."""
    tid = _title_id(text)
    return None if tid == "-" else tid


def other_title(text: str) -> bool:
    """A title of a table the report prints that has no national role (财政拨款支出预算表 …)."""
    return _title_id(text) == "-"


def _title_id(text: str) -> str | None:
    if not text or LEADER_RE.search(text):
        return None
    t = TABLE_NO_RE.sub("", ORDER_PREFIX_RE.sub("", text.strip()))
    t = TITLE_TAIL_RE.sub("", t).strip()
    t = TITLE_QUALIFIER_RE.sub("", t).strip()
    s = _key(TABLE_NO_TAIL_RE.sub("", t.strip()))
    if not s or len(s) > 60 or "决算" in s:
        return None
    for name, tid in _names():
        if s.endswith(name):
            head = s[: -len(name)]
            # what precedes the name: a year, the department, 部门/单位/预算单位 — no sentence
            if re.search(r"[，,。；;：:、]", head) or len(head) > 30:
                continue
            return tid
    return None


def budget_title_of(pt: PdfTable) -> str | None:
    """The title above a grid, or in its first rows (a title ruled into the grid)."""
    for text in reversed(pt.above[-4:]):
        tid = budget_title(text)
        if tid:
            return tid
    for _, cells in pt.rows[:2]:
        texts = [c for c in cells if c]
        if len(texts) == 1 or (texts and not any(is_amount(t) for t in texts)):
            tid = budget_title(texts[0])
            if tid:
                return tid
    return None


def other_title_of(pt: PdfTable) -> str | None:
    """The title of a table with no national role above a grid or ruled into it, or None."""
    for text in reversed(pt.above[-4:]):
        if other_title(text):
            return text.strip()
        if budget_title(text):
            return None
    for _, cells in pt.rows[:2]:
        texts = [c for c in cells if c]
        if texts and other_title(texts[0]):
            return texts[0].strip()
    return None


class BudgetGridParser(GridParser):
    """The budget tables of a PDF (ids 预算01–预算10)."""

    def parse_all(self) -> dict[str, Table]:
        groups = []
        for tid, parts in self.table_groups(budget_title_of, "the budget tables", other=other_title_of):
            # a continued page that repeats its title (ruled into the grid with its header): the same table
            if (groups and groups[-1][0] == tid and parts[0].page == groups[-1][1][-1].page + 1
                    and not _same_rows(parts, groups[-1][1][-1:])):
                self.log.note("title_repeated", f"{tid}: its title is repeated on the continued page {parts[0].page}; "
                              "read as one table", line=parts[0].rows[0][0] if parts[0].rows else None, table=tid)
                groups[-1][1].extend(parts)
                continue
            groups.append((tid, parts))
        tables: dict[str, Table] = {}
        for tid, parts in groups:
            if tid in tables:
                if tid == "预算10":
                    tables[tid].end = parts[-1].rows[-1][0] if parts[-1].rows else tables[tid].end
                    continue
                same = _same_rows(parts, self._parts.get(tid, []))
                self.log.add("table_duplicate", "info" if same else "warning",
                             f"{tid} appears twice" + (" with the same cells (a repeated page); counted once"
                                                       if same else "; the first is used"),
                             line=parts[0].rows[0][0] if parts[0].rows else None, table=tid)
                continue
            self._parts = getattr(self, "_parts", {})
            self._parts[tid] = parts
            tables[tid] = self.parse_table(tid, parts)
        out = {}
        for tid in budget_ids():
            spec = table_specs()[tid]
            if tid in tables:
                if tid != "预算10":
                    self.log.record("budget_table_present", True, severity="info", message="")
                out[tid] = tables[tid]
            elif tid == "预算10":
                out[tid] = Table(tid, spec["title"], present=False)      # optional
            elif tid == "预算09" and _older_form(tables):
                self.log.note("budget_table_present", f"{tid} {spec['title']} is not a table of this form (the "
                              "national form of 2015–2020, with a 单位预留机动经费 / 结转下年资金 use, publishes no "
                              "国有资本经营预算支出表)", table=tid)
                out[tid] = Table(tid, spec["title"], present=False)
            else:
                self.log.record("budget_table_present", False, severity="error", table=tid,
                                message=f"{tid} {spec['title']} is absent from the budget report",
                                expected=tid, found="")
                out[tid] = Table(tid, spec["title"], present=False)
        return out

    _parts: dict = {}

    def parse_table(self, tid: str, parts: list[PdfTable]) -> Table:
        if table_specs()[tid]["layout"] == "projects":
            first = parts[0]
            start = first.rows[0][0] if first.rows else 0
            return Table(tid, table_specs()[tid]["title"], start=start,
                         end=parts[-1].rows[-1][0] if parts[-1].rows else start)
        # a title / 编制单位 line ruled into the grid is not a header row
        for p in parts:
            kept = []
            for n, c in p.rows:
                texts = [x for x in c if x and x.strip()]
                if texts and (budget_title(texts[0]) or any(DEPT_CELL_RE.match(x) for x in texts)):
                    p.above = p.above + [" ".join(texts)]   # its 单位：元 still counts
                else:
                    kept.append((n, c))
            p.rows = kept
        self._repair(tid, parts)
        # a row with fewer cells than the table (合计 over the merged code and name cells, often
        # alone on the last page): its amounts are the right-hand columns
        width = max((len(c) for p in parts for _, c in p.rows), default=0)
        for p in parts:
            p.rows = [(n, [None] * (width - len(c)) + list(c) if len(c) < width and any(
                x and is_amount(x.strip()) for x in c) else c) for n, c in p.rows]
        table = super().parse_table(tid, parts)
        amounts = [v for p in parts for _, c in p.rows for v in c if v and is_amount(v.strip())]
        if amounts and not any("." in v for v in amounts):
            table.places = 0            # amounts printed in whole 元: rounding is to 1 元
        title = next((l.strip() for p in parts[:1] for l in reversed(p.above) if budget_title(l) == tid), None)
        if title:
            table.title = TITLE_TAIL_RE.sub("", title).strip()
        return table

    def _repair(self, tid: str, parts: list[PdfTable]) -> None:
        """Grids of a spreadsheet export (thin columns of double rulings, rows split into sub-rows,
        the first row of a continued page printed without its top ruling) brought to one cell per
        logical column (:func:`~juesuan.extract.tabular.grid.compact_rows`), each row whole."""
        if not any(p.rows for p in parts):
            return
        width = max(len(c) for _, c in parts[0].rows) if parts[0].rows else 0
        # parts of the first page's width share its columns; others are compacted on their own
        same = [p for p in parts if p.rows and max(len(c) for _, c in p.rows) == width]
        shared = column_groups([r for p in same for r in p.rows])
        for k, p in enumerate(parts):
            if not p.rows:
                continue
            rows = compact_rows(p.rows, shared if p in same else None)
            if k > 0:
                rows = self._lost_first_row(tid, p, rows) + rows
            p.rows = rows
        data_from = next((i for i, (_, c) in enumerate(parts[0].rows)
                          if any(x and _is_amount_text(x) for x in c)
                          or any(x and re.fullmatch(r"\d{3}(?:\d{2}){0,2}", x.strip()) for x in c)), None)
        for k, p in enumerate(parts):
            start = data_from if k == 0 else 0
            if start is None:
                continue
            amounts = amount_columns(p.rows[start:])
            p.rows = p.rows[:start] + join_split_rows(p.rows[start:], amounts, self.log, tid)
        width = len(shared)
        if any(p.rows and max(len(c) for _, c in p.rows) != width for p in parts[1:]):
            self.log.note("table_continued", f"{tid}: a continued page has other columns than the first "
                          "page; its cells are read by position", line=parts[0].rows[0][0], table=tid)

    def _lost_first_row(self, tid: str, p: PdfTable, rows: list) -> list:
        """A continued page's first row printed without its top ruling is a text line above the
        grid (``2210201 住房公积金 1,029.15``): placed into the cells of a row of the same shape."""
        out = []
        start = rows[0][0] - len(p.above)
        for k, text in enumerate(p.above):
            n = start + k
            toks = text.split()
            if (n < 1 or self.doc.line(n).strip() != text.strip() or not toks
                    or not any(is_amount(t) for t in toks) or is_index_row(toks)):
                continue
            code = bool(re.fullmatch(r"\d{3}(?:\d{2}){0,2}", toks[0]))
            shape = next((c for _, c in rows if sum(1 for x in c if x and x.strip()) == len(toks)
                          and bool(re.fullmatch(r"\d{3}(?:\d{2}){0,2}", next(x for x in c if x and x.strip()).strip()))
                          == code), None)
            if shape is None:
                self.log.add("row_not_placed", "warning", f"{tid}: the line {text.strip()!r} above the table "
                             f"continued on page {p.page} looks like its first row (printed without its top "
                             "ruling) but matches no row's cells; not read", line=n, table=tid, found=text.strip())
                continue
            cells: list = ["" if x is not None else None for x in shape]
            pos = [j for j, x in enumerate(shape) if x and x.strip()]
            for j, t in zip(pos, toks):
                cells[j] = t
            self.log.note("row_recovered", f"{tid}: the first row of page {p.page} is printed without its top "
                          f"ruling; read from the text line {text.strip()!r}", line=n, table=tid)
            out.append((n, cells))
        return out

    # GridParser.parse_table dispatches on the layout through this map
    def _handler(self, layout: str):
        return {"budget_economic": self._budget_economic, "budget_sangong": self._budget_sangong}[layout]

    # ------------------------------------------------------------------ layouts
    def _two_sided(self, table: Table, rows) -> None:
        # "1. 一般公共预算资金" → "一般公共预算资金" (GridParser strips 一、 only)
        rows = [(n, [re.sub(r"^\s*\d{1,2}\s*[.．、]\s*", "", x) if x and not is_amount(x.strip()) else x
                     for x in c]) for n, c in rows]
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x.strip()) for x in c)), len(rows))
        # a label column's header (项目名称, 功能科目名称: header_map column "label") reads as 项目
        label_heads = {k for k, (col, _) in header_map().get(table.id, {}).items() if col == "label"}
        rows = [(n, ["项目" if x and squash(x) in label_heads else x for x in c]) if i < head_end else (n, c)
                for i, (n, c) in enumerate(rows)]
        labels = sorted({j for _, c in rows[:head_end] for j, x in enumerate(c) if x and squash(x) == "项目"})
        if len(labels) < 3:
            super()._two_sided(table, rows)
            return
        # an older national form: 收入 | 支出 by function class | 支出 by use (基本支出, 项目支出,
        # 单位预留机动经费, 结转下年资金) side by side; the third panel's rows are uses (key use:…)
        third = labels[2]
        hmap = header_map().get(table.id, {})
        func_amt = next((j for j in range(labels[1] + 1, third) if any(
            j < len(c) and c[j] and hmap.get(squash(c[j]), ("-",))[0] != "-" for _, c in rows[:head_end])), None)
        main = []
        for i, (n, c) in enumerate(rows):
            c2 = list(c[:third])
            # a label spanning the function and use panels (当年支出小计, 支出合计): its amount is the
            # use panel's
            if (i >= head_end and func_amt is not None and third < len(c) and not (c[third] or "").strip()
                    and func_amt < len(c2) and third + 1 < len(c)
                    and (c2[func_amt] is None or (not c2[func_amt].strip() and (c[third + 1] or "").strip()))):
                c2[func_amt] = c[third + 1]
            main.append((n, c2))
        super()._two_sided(table, main)
        uses = {squash(r["label"]): r["key"] for r in _use_labels()}
        for line, c in rows[head_end:]:
            label = (c[third] or "").strip() if third < len(c) else ""
            if not label:
                continue
            key = uses.get(squash(ORDER_PREFIX_RE.sub("", label)))
            if key is None:
                self.log.add("unknown_row_label", "warning", f"{table.id}: use {label!r} is not in "
                             "data/row_labels.csv", line=line, table=table.id, found=label)
                continue
            row = Row(line, key, ORDER_PREFIX_RE.sub("", label), None, side="支出")
            v, st = self.value(c[third + 1] if third + 1 < len(c) else None, line, table)
            if st is not None:
                row.values["amount"], row.status["amount"] = v, st
            table.rows.append(row)

    def _by_function(self, table: Table, rows) -> None:
        """The national by-function layout, or two older forms of its tables: 收入预算总表 as a list of
        sources (项目名称 | 金额: 一般公共预算资金 › 小计 …) and 支出预算总表 as one row of totals
        (合计 | 基本支出 | 项目支出 | 单位预留机动经费 | 结转下年资金)."""
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x.strip()) for x in c)
                         or any(x and re.fullmatch(r"\d{3}(?:\d{2}){0,2}", x.strip()) for x in c)), len(rows))
        data = rows[head_end:]
        hmap = header_map().get(table.id, {})
        codes = any(x and re.fullmatch(r"\d{3}(?:\d{2}){0,2}", x.strip()) for _, c in data for x in c)
        header = [squash(x) for _, c in rows[:head_end] for x in c if x and x.strip()]
        if not codes and data and any(hmap.get(h, ("",))[0] == "label" for h in header):
            self._source_list(table, rows[:head_end], data)
            table.form = "sources"
            return
        if (not codes and data and header and all(h in hmap and hmap[h][0] != "-" for h in header)
                and all(all(not (x or "").strip() or is_amount(x.strip()) for x in c) for _, c in data)):
            cols = self.header_columns(table, rows[:head_end], set())
            table.columns[""] = sort_columns(table.id, list(cols.values()))
            for line, c in data:
                row = Row(line, "total", "合计", None)
                self.fill(row, c, cols, line, table)
                table.rows.append(row)
            table.form = "totals"
            return
        super()._by_function(table, rows)

    def _source_list(self, table: Table, header, data) -> None:
        """收入预算总表 printed as a list: a group cell (一般公共预算资金, merged over its rows, its text in
        any of them) and an item cell (小计, 公共财政拨款(补助)资金 …) name each amount; read as the 合计
        row's columns (data/row_labels.csv, table 预算02: side = the group, label = the item).  Each
        group's rows start at its 小计; an amount printed in the sub-row above its item goes to it."""
        labels = row_labels()
        amt_cols = sorted({j for _, c in data for j, x in enumerate(c) if x and is_amount(x.strip())})
        if not amt_cols:
            return
        a = amt_cols[-1]
        items = []                               # [line, group text, item text, amount cell]
        for line, c in data:
            texts = [(j, x.strip()) for j, x in enumerate(c[:a]) if x and x.strip()]
            group = next((x for j, x in texts if j == 0), None) if len(texts) < 2 else texts[0][1]
            item = texts[-1][1] if texts and texts[-1][0] > 0 else None
            items.append([line, group, item, c[a] if a < len(c) else None, c[a] if a < len(c) else None])
        subtotal = lambda it: it[2] is not None and squash(it[2]) == "小计"  # noqa: E731
        # an amount in the sub-row above its item (the item's amount cell merged)
        for k in range(len(items) - 1):
            it, nx = items[k], items[k + 1]
            if it[2] is None and nx[2] is not None and nx[3] is None and it[3] is not None \
                    and (subtotal(nx) or it[1] is None):
                nx[3], nx[0] = it[3], it[0] if it[1] is None else nx[0]
                it[3] = None
        row = Row(data[0][0], "total", "合计", None)
        cols: dict[str, str] = {}
        blocks: list[list] = []                  # [group, [items]]
        for k, it in enumerate(items):
            nxt = items[k + 1] if k + 1 < len(items) else None
            if it[2] is None and it[1] is not None and it[4] is not None and not (nxt and subtotal(nxt) and nxt[4] is None):
                blocks.append([it[1], [it]])     # a group with its own amount (收入总计)
                blocks.append([None, []])
                continue
            starts = subtotal(it) and not (k > 0 and items[k - 1][2] is None and items[k - 1][1] is not None
                                           and blocks and blocks[-1][1] and blocks[-1][1][-1] is items[k - 1]
                                           and len(blocks[-1][1]) == 1)
            if (it[2] is None and it[1] is not None and nxt and subtotal(nxt) and nxt[4] is None) or starts or not blocks:
                blocks.append([None, []])
            if it[1] is not None and blocks[-1][0] is None:
                blocks[-1][0] = it[1]
            blocks[-1][1].append(it)
        for group, its in blocks:
            g = squash(group or "")
            for line, _, item, cell, _ in its:
                if item is None:
                    key = labels.get((table.id, "", g))
                    if key is None or cell is None:
                        if cell is not None and (cell or "").strip():
                            self.log.add("unknown_row_label", "warning", f"{table.id}: source {group!r} is not "
                                         "in data/row_labels.csv", line=line, table=table.id, found=group)
                        continue
                else:
                    key = labels.get((table.id, g, squash(item)))
                    if key is None:
                        self.log.add("unknown_row_label", "warning", f"{table.id}: source {group!r} › {item!r} "
                                     "is not in data/row_labels.csv", line=line, table=table.id, found=item)
                        continue
                if cell is None:
                    continue
                value, st = self.value(cell, line, table)
                if st is not None and key not in row.values:
                    row.values[key], row.status[key] = value, st
                    cols[key] = f"{group or ''}{('·' + item) if item else ''}"
        table.columns[""] = sort_columns(table.id, list(cols.items()))
        table.rows.append(row)

    def _budget_economic(self, table: Table, rows) -> None:
        """预算06: economic codes (301 / 301 01 / 30101) with 合计 / 人员经费 / 公用经费 columns."""
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x) for x in c)
                         or any(x and re.fullmatch(r"\d{3}(?:\s*\d{2})?", x.strip()) for x in c)), len(rows))
        header = rows[:head_end]
        code_cols = sorted({j for _, c in header for j, x in enumerate(c) if x in ("类", "款")})
        if not code_cols:
            code_cols = [0]
        name_col = max(code_cols) + 1
        cols = self.header_columns(table, header, set(code_cols) | {name_col})
        table.columns[""] = sort_columns(table.id, list(cols.values()))
        for line, c in rows[head_end:]:
            parts = code_pieces(c[j] for j in code_cols if j < len(c))
            if len(parts) > 1 and re.fullmatch(r"\d", parts[1]):
                self.log.note("code_padded", f"{table.id}: 款 code {parts[1]!r} of {parts[0]} read as "
                              f"{parts[1].zfill(2)}", line=line, table=table.id, found=parts[1])
                parts[1] = parts[1].zfill(2)
            name = (c[name_col] or "").strip() if name_col < len(c) else ""
            if parts and re.fullmatch(r"\d{3}(?:\d{2})?", parts[0]):
                code = parts[0] + "".join(p for p in parts[1:] if re.fullmatch(r"\d{2}", p))
                row = Row(line, f"econ:{code}", re.sub(r"\s+", "", name), code)
            elif any(squash(x or "") == "合计" for x in c[: name_col + 1]):
                row = Row(line, "total", "合计", None)
            else:
                if any((c[j] or "").strip() for j in cols if j < len(c)):
                    self.log.add("unparsed_line", "warning", f"{table.id}: amounts without a code: {c}",
                                 line=line, table=table.id)
                continue
            self.fill(row, c, cols, line, table)
            table.rows.append(row)

    def _budget_sangong(self, table: Table, rows) -> None:
        """预算07: one row of budget amounts under a two-level header (合计 | 因公出国(境)费 |
        公务接待费 | 公务用车购置及运行费: 小计 购置费 运行费 | 机关运行经费预算数)."""
        hmap = header_map().get(table.id, {})
        data_i = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x.strip()) for x in c)), None)
        if data_i is None:
            return
        header = rows[:data_i]
        ncols = max(len(c) for _, c in rows)
        cols: dict[int, tuple[str, str]] = {}
        by_path: set[int] = set()
        for j in range(ncols):
            texts = [re.sub(r"^(?:19|20)\d{2}年", "", squash(c[j])) for _, c in header if j < len(c) and c[j]]
            # the column's header cells joined from the top (“三公”经费 › 小计; 因公出国 / （境）费 wrapped)
            # name it before its lowest cell alone (小计 under 公务用车购置及运行维护费)
            joined = next(("".join(texts[k:]) for k in range(len(texts) - 1)
                           if "".join(texts[k:]).replace("“", "").replace("”", "") in hmap
                           and hmap["".join(texts[k:]).replace("“", "").replace("”", "")][0] != "-"), None)
            if joined is not None:
                cols[j] = hmap[joined.replace("“", "").replace("”", "")]
                by_path.add(j)
                continue
            for t in reversed(texts):        # the lowest header cell names the column
                key = t.replace("“", "").replace("”", "")
                if key in hmap and hmap[key][0] != "-":
                    cols[j] = hmap[key]
                    break
                if "机关运行经费" in key:
                    cols[j] = hmap["机关运行经费"]
                    break
        # a 合计 beside a “三公”经费 › 小计 column is the total of the “三公”经费, 会议费 and 培训费
        if any(cols[j][0] == "total" for j in by_path):
            for j in [j for j in cols if j not in by_path and cols[j][0] == "total"]:
                cols[j] = hmap.get("三公经费会议费培训费合计", cols[j])
        table.columns[""] = sort_columns(table.id, list(cols.values()))
        line, c = rows[data_i]
        row = Row(line, "sangong", "“三公”经费预算", None)
        self.fill(row, c, cols, line, table)
        table.rows.append(row)


@lru_cache(maxsize=None)
def _use_labels() -> list[dict]:
    """Rows of data/row_labels.csv for the uses panel of an older 收支总表 (table 预算01, side 用途)."""
    import csv

    from ...config import PACKAGE_DATA
    with open(PACKAGE_DATA / "row_labels.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["table"] == "预算01" and r["side"] == "用途"]


def _older_form(tables: dict[str, Table]) -> bool:
    """The national form of 2015–2020 (and 江苏's): uses 单位预留机动经费 / 结转下年资金 in the 收支总表 or
    the 支出总表."""
    t1, t3 = tables.get("预算01"), tables.get("预算03")
    return bool((t1 is not None and any(r.key.startswith("use:") for r in t1.rows))
                or (t3 is not None and any(c in ("reserve", "carryover_next") for c, _ in t3.columns.get("", []))))


def _same_rows(a: list[PdfTable], b: list[PdfTable]) -> bool:
    return [c for p in a for _, c in p.rows] == [c for p in b for _, c in p.rows]


def parse_budget_tables(doc, log, unit: str = "元") -> dict[str, Table]:
    return BudgetGridParser(doc, log, unit).parse_all()
