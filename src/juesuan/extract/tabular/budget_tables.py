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
from .grid import GridParser, code_pieces
from ..reading.pdf import PdfTable
from .tables import Row, Table, header_map, sort_columns, squash, table_specs

ORDER_PREFIX_RE = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]\s*)")
# 表1 / 附表1 / 部门公开表1 / 预算公开表01 in front of a title, (公开表1) after it
TABLE_NO_RE = re.compile(r"^(?:(?:部门|单位|预算)?(?:公开)?附?表\s*[\d一二三四五六七八九十]{1,3}\s*[:：、.．\-—]?\s*)")
TABLE_NO_TAIL_RE = re.compile(r"[（(](?:部门|单位|预算)?(?:公开)?附?表\s*\d{1,2}[)）]$")
LEADER_RE = re.compile(r"[…\.]{3,}|\.{2,}|…")


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
    return sorted(out, key=lambda x: -len(x[0]))


def _key(text: str) -> str:
    return re.sub(r"[“”\"'‘’《》]", "", squash(text))


def budget_title(text: str) -> str | None:
    """The budget table id a title line names, or None (a contents line with leader dots, a
    sentence, a final-accounts title)."""
    if not text or LEADER_RE.search(text):
        return None
    t = TABLE_NO_RE.sub("", ORDER_PREFIX_RE.sub("", text.strip()))
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


class BudgetGridParser(GridParser):
    """The budget tables of a PDF (ids 预算01–预算10)."""

    def parse_all(self) -> dict[str, Table]:
        groups = self.table_groups(budget_title_of, "the budget tables")
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
                if (budget_title(next((x for x in c if x), "")) or
                        any(x and re.match(r"^\s*(编制部门|编制单位|预算单位|单位名称)", x) for x in c)):
                    p.above = p.above + [" ".join(x for x in c if x)]   # its 单位：元 still counts
                else:
                    kept.append((n, c))
            p.rows = kept
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
            table.title = title
        return table

    # GridParser.parse_table dispatches on the layout through this map
    def _handler(self, layout: str):
        return {"budget_economic": self._budget_economic, "budget_sangong": self._budget_sangong}[layout]

    # ------------------------------------------------------------------ layouts
    def _two_sided(self, table: Table, rows) -> None:
        # "1. 一般公共预算资金" → "一般公共预算资金" (GridParser strips 一、 only)
        rows = [(n, [re.sub(r"^\s*\d{1,2}\s*[.．、]\s*", "", x) if x and not is_amount(x.strip()) else x
                     for x in c]) for n, c in rows]
        head_end = next((i for i, (_, c) in enumerate(rows) if any(x and is_amount(x.strip()) for x in c)), len(rows))
        labels = sorted({j for _, c in rows[:head_end] for j, x in enumerate(c) if x and squash(x) == "项目"})
        if len(labels) < 3:
            super()._two_sided(table, rows)
            return
        # an older national form: 收入 | 支出 by function class | 支出 by use (基本支出, 项目支出,
        # 单位预留机动经费, 结转下年资金) side by side; the third panel's rows are uses (key use:…)
        third = labels[2]
        super()._two_sided(table, [(n, c[:third]) for n, c in rows])
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
        for j in range(ncols):
            texts = [re.sub(r"^(?:19|20)\d{2}年", "", squash(c[j])) for _, c in header if j < len(c) and c[j]]
            for t in reversed(texts):        # the lowest header cell names the column
                key = t.replace("“", "").replace("”", "")
                if key in hmap and hmap[key][0] != "-":
                    cols[j] = hmap[key]
                    break
                if "机关运行经费" in key:
                    cols[j] = hmap["机关运行经费"]
                    break
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


def _same_rows(a: list[PdfTable], b: list[PdfTable]) -> bool:
    return [c for p in a for _, c in p.rows] == [c for p in b for _, c in p.rows]


def parse_budget_tables(doc, log, unit: str = "元") -> dict[str, Table]:
    return BudgetGridParser(doc, log, unit).parse_all()
