"""Extract the nine public tables (公开01–09) from report text.

The text is what a PDF extraction gives: cells separated by tabs, but columns
shift, header lines merge with data, a row may lose or gain a cell.  The
parser therefore reads every line as a sequence of tokens (codes, names,
amounts) rather than trusting positions, maps raw headers to standard columns
through ``data/header_map.csv`` and resolves rows whose value count does not
match the columns with the table's own identities (``data/tables.csv``).
Nothing is dropped silently: every oddity becomes a finding.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import combinations

from ...config import PACKAGE_DATA
from ...errors import ParseError
from ...findings import CheckLog
from ...numbers import UNIT_FACTORS, is_amount, normalize, parse_amount
from ...source import Document

TABLE_IDS = [f"公开0{i}" for i in range(1, 10)]
MARKER_RE = re.compile(r"公开\s*0?([1-9])\s*表")
UNIT_RE = re.compile(r"(?:金额)?单位[:：]\s*(万元|元)")
CODE_RE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
ROWNO_RE = re.compile(r"^\d{1,3}$")
ORDINAL_RE = re.compile(r"^[一二三四五六七八九十]+[、.．]")
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


# ---------------------------------------------------------------- data maps
def _read_csv(name: str) -> list[dict]:
    with open(PACKAGE_DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def squash(text: str) -> str:
    """Label key: NFKC, no whitespace, no quotes."""
    t = normalize(text)
    return re.sub(r"[\s\"“”'‘’]", "", t)


@lru_cache(maxsize=None)
def table_specs() -> dict[str, dict]:
    specs = {}
    for row in _read_csv("tables.csv"):
        row["identity_list"] = parse_identities(row["identities"])
        specs[row["table"]] = row
    return specs


@lru_cache(maxsize=None)
def header_map() -> dict[str, dict[str, tuple[str, str]]]:
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for row in _read_csv("header_map.csv"):
        out.setdefault(row["table"], {})[squash(row["raw_header"])] = (row["column"], row["label"])
    return out


@lru_cache(maxsize=None)
def column_order() -> dict[str, list[str]]:
    """Canonical column order per table: the order of first appearance in header_map.csv."""
    out: dict[str, list[str]] = {}
    for row in _read_csv("header_map.csv"):
        cols = out.setdefault(row["table"], [])
        if row["column"] != "-" and row["column"] not in cols:
            cols.append(row["column"])
    return out


def sort_columns(table_id: str, cols: list) -> list:
    order = column_order().get(table_id, [])
    return sorted(cols, key=lambda c: order.index(c[0]) if c[0] in order else len(order))


@lru_cache(maxsize=None)
def header_ignore() -> frozenset[str]:
    return frozenset(squash(r["token"]) for r in _read_csv("header_ignore.csv"))


@lru_cache(maxsize=None)
def function_classes() -> dict[str, str]:
    """Map of class name variants (squashed) → 3-digit code."""
    out = {}
    for row in _read_csv("function_classes.csv"):
        names = [row["name"]] + [a for a in row["aliases"].split("|") if a]
        for n in names:
            out[squash(n)] = row["code"]
            out[squash(n) + "支出"] = row["code"]
    return out


@lru_cache(maxsize=None)
def class_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _read_csv("function_classes.csv")}


@lru_cache(maxsize=None)
def row_labels() -> dict[tuple[str, str, str], str]:
    return {(r["table"], r["side"], squash(r["label"])): r["key"] for r in _read_csv("row_labels.csv")}


def parse_identities(spec: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """``"total=a+b-c;x=y+z"`` → [("total", [(1,"a"),(1,"b"),(-1,"c")]), ...]."""
    out = []
    for part in filter(None, (p.strip() for p in (spec or "").split(";"))):
        lhs, rhs = part.split("=")
        terms = []
        for sign, name in re.findall(r"([+-]?)\s*([A-Za-z_]+)", rhs):
            terms.append((-1 if sign == "-" else 1, name))
        out.append((lhs.strip(), terms))
    return out


# ---------------------------------------------------------------- structures
@dataclass
class Row:
    line: int
    key: str
    item: str
    code: str | None = None
    side: str = ""
    row_no: int | None = None
    values: dict = field(default_factory=dict)      # column → Decimal | None
    status: dict = field(default_factory=dict)      # column → "reported" | "reconstructed"
    raw: list = field(default_factory=list)         # raw amount tokens as read
    ordinal: int | None = None                      # Chinese ordinal prefix (一、二、…)

    @property
    def level(self) -> str:
        return {3: "类", 5: "款", 7: "项"}.get(len(self.code or ""), "")


@dataclass
class Table:
    id: str
    title: str
    present: bool = True
    unit: str = "元"
    start: int = 0
    end: int = 0
    columns: dict = field(default_factory=dict)     # side → list of (column, label)
    rows: list = field(default_factory=list)
    declared_empty: bool = False
    empty_statement: str = ""
    places: int = 2                                 # decimals the amounts are printed with (0: whole 元)
    form: str = ""                                  # an older form without function rows: "sources" (收入
                                                    # 预算总表 as a list) or "totals" (支出预算总表 as one row)

    def find(self, key: str, side: str | None = None) -> Row | None:
        for r in self.rows:
            if r.key == key and (side is None or r.side == side):
                return r
        return None

    def value(self, key: str, column: str = "amount", side: str | None = None) -> Decimal | None:
        r = self.find(key, side)
        return None if r is None else r.values.get(column)

    def details(self) -> list[Row]:
        return [r for r in self.rows if r.code]

    @property
    def precision(self) -> Decimal:
        """The precision amounts are printed with, in 元 (0.01 元, or 100 元 for 万元; 1 元 for a
        table printed in whole 元)."""
        return Decimal(1).scaleb(-self.places) * UNIT_FACTORS.get(self.unit, Decimal(1))


# ---------------------------------------------------------------- helpers
def tokens(text: str) -> list[str]:
    return [t.strip() for t in text.split("\t") if t.strip()]


def is_column_index_line(toks: list[str]) -> bool:
    """A 栏次 line: optional labels (类/款/项/栏次) then consecutive integers 1..n."""
    nums = [t for t in toks if re.fullmatch(r"\d{1,2}", normalize(t))]
    words = [squash(t) for t in toks if t not in nums]
    if not nums:
        return False
    ints = [int(normalize(t)) for t in nums]
    consecutive = all(b == a + 1 for a, b in zip(ints, ints[1:]))
    allowed = all(w in header_ignore() or w.startswith("栏次") or w == "合计" for w in words)
    return consecutive and allowed and (any("栏次" in w for w in words) or ints[0] == 1)


def strip_ordinal(label: str) -> str:
    return ORDINAL_RE.sub("", label.strip())


def cn_ordinal(label: str) -> int | None:
    m = ORDINAL_RE.match(label.strip())
    if not m:
        return None
    s = m.group(0)[:-1]
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN_DIGITS.get(s[1:], 0)
    if "十" in s:
        a, _, b = s.partition("十")
        return CN_DIGITS.get(a, 0) * 10 + (CN_DIGITS.get(b, 0) if b else 0)
    return CN_DIGITS.get(s)


def solve(row: dict, identities) -> dict | None:
    """Fill unknowns determined by identities; None if the known values contradict."""
    row = dict(row)
    progress = True
    while progress:
        progress = False
        for lhs, terms in identities:
            names = [lhs] + [n for _, n in terms]
            unknown = [n for n in names if row.get(n) is None]
            if not unknown:
                if row[lhs] != sum(s * row[n] for s, n in terms):
                    return None
            elif len(unknown) == 1:
                u = unknown[0]
                if u == lhs:
                    row[u] = sum(s * row[n] for s, n in terms)
                else:
                    sign = dict((n, s) for s, n in terms)[u]
                    rest = sum(s * row[n] for s, n in terms if n != u)
                    row[u] = (row[lhs] - rest) * sign
                progress = True
    return row


def place(values: list[Decimal], columns: list[str], identities, col_sums: dict | None = None):
    """Assign ``values`` (in reading order) to ``columns``.

    Returns (row, status, dropped) where row maps every column to a Decimal or
    None, status marks reconstructed columns, dropped lists values judged
    spurious.  Returns None when the placement is not unique.
    """
    n, k = len(columns), len(values)
    if k == n:
        return dict(zip(columns, values)), {c: "reported" for c in columns}, []
    cands = []
    if k < n:
        for pos in combinations(range(n), k):
            known = {columns[p]: v for p, v in zip(pos, values)}
            full = solve(known, identities)
            if full is not None:
                cands.append((known, full, []))
    else:
        for keep in combinations(range(k), n):
            known = dict(zip(columns, [values[i] for i in keep]))
            full = solve(known, identities)
            if full is not None:
                dropped = [values[i] for i in range(k) if i not in keep]
                cands.append((known, full, dropped))
    if col_sums and len({tuple(sorted((c, v) for c, v in f.items() if v is not None))
                         for _, f, _ in cands}) > 1:
        cands = [c for c in cands
                 if all(col_sums.get(col) in (None, v) for col, v in c[0].items())]
    distinct = {tuple(full.get(c) for c in columns) for _, full, _ in cands}
    if len(distinct) != 1:
        return None
    known, full, dropped = cands[0]
    row = {c: full.get(c) for c in columns}
    status = {c: ("reported" if c in known else "reconstructed") for c in columns if row[c] is not None}
    return row, status, dropped


# ---------------------------------------------------------------- locate
def locate_tables(doc: Document, start: int, end: int) -> dict[str, tuple[int, int, int]]:
    """table id → (region start, marker line, region end) by the 公开NN表 markers."""
    marks = []
    for n, text in doc.numbered(start, end):
        m = MARKER_RE.search(text)
        if m and len(squash(text)) <= 12:
            marks.append((f"公开0{m.group(1)}", n))
    out = {}
    prev_end = start
    for i, (tid, n) in enumerate(marks):
        nxt = marks[i + 1][1] if i + 1 < len(marks) else end
        note = doc.find(r"^\s*注[:：]", n, nxt)
        stop = nxt if note is None else note
        # a region starts after the previous table's note; the title precedes the marker
        region_start = prev_end
        out.setdefault(tid, (region_start, n, stop))
        # the text after the note (e.g. "……无政府性基金预算…") belongs to this table
        prev_end = stop + 1
        if note is not None:
            after = doc.find(r"\S", note + 1, nxt)
            while after is not None and after < nxt and not _is_title(doc.line(after)):
                prev_end = after + 1
                after = doc.find(r"\S", after + 1, nxt)
    return out


def _is_title(text: str) -> bool:
    s = squash(text)
    if s.startswith("第") or MARKER_RE.search(text):
        return False
    return any(s == squash(spec["title"]) for spec in table_specs().values()) or (
        len(s) <= 30 and re.search(r"决算(明细)?表$", s) is not None)


# ---------------------------------------------------------------- parse
class TableParser:
    def __init__(self, doc: Document, log: CheckLog, default_unit: str = "元"):
        self.doc = doc
        self.log = log
        self.default_unit = default_unit

    # -- entry point -------------------------------------------------------
    def parse_all(self, start: int, end: int) -> dict[str, Table]:
        regions = locate_tables(self.doc, start, end)
        tables = {}
        for tid in TABLE_IDS:
            spec = table_specs()[tid]
            if tid not in regions:
                self.log.record("table_present", False, severity="error", table=tid,
                                message=f"{tid} {spec['title']} is absent from the report",
                                expected=tid, found="")
                tables[tid] = Table(tid, spec["title"], present=False)
                continue
            self.log.record("table_present", True, severity="info", message="")
            rs, marker, re_ = regions[tid]
            tables[tid] = self.parse_table(tid, rs, marker, re_)
        return tables

    def parse_table(self, tid: str, start: int, marker: int, end: int) -> Table:
        spec = table_specs()[tid]
        title = spec["title"]
        for n, text in self.doc.numbered(start, end):
            if _is_title(text):
                title = text.strip()
                break
        table = Table(tid, title, start=start, end=end)
        unit_line = self.doc.find(UNIT_RE, start, end)
        if unit_line:
            table.unit = UNIT_RE.search(self.doc.line(unit_line)).group(1)
        else:
            table.unit = self.default_unit
            self.log.note("table_unit", f"{tid}: no 金额单位 line; using {self.default_unit}",
                          line=marker, table=tid)
        body = [(n, t) for n, t in self.doc.numbered(start, end)
                if n != unit_line and n != marker and t.strip() and not _is_title(t)
                and not re.match(r"\s*第.部分", t)
                and not re.match(r"\s*(公开部门|单位名称|编制单位)", t)
                and squash(t) != squash(title)]
        layout = spec["layout"]
        if layout == "two_sided":
            self._two_sided(table, body)
        elif layout == "by_function":
            self._by_function(table, body)
        elif layout == "economic":
            self._economic(table, body)
        elif layout == "sangong":
            self._sangong(table, body)
        # declared empty: a "无" row or a statement after the table
        for n, t in self.doc.numbered(start, min(end + 3, len(self.doc.lines) + 1)):
            if squash(t) == "无" or (re.search(r"无.*(收入|支出|收支)", t) and n > marker
                                    and "表" not in t and not table.rows):
                table.declared_empty = True
                table.empty_statement = table.empty_statement or t.strip()
        nxt_stmt = self.doc.find(r"(无|没有).*(收入|支出|收支)", end, end + 3)
        if nxt_stmt and not table.rows:
            table.declared_empty = True
            table.empty_statement = self.doc.line(nxt_stmt).strip()
        if table.declared_empty and not any(v for r in table.rows for v in r.values.values()):
            self.log.note("table_declared_empty", f"{tid} {title} is declared empty (无)",
                          line=marker, table=tid, found=table.empty_statement)
        elif not table.rows:
            self.log.add("table_no_rows", "error", f"{tid} {title}: no data rows could be read",
                         line=marker, table=tid)
        return table

    # -- shared --------------------------------------------------------------
    def amount(self, tok: str, n: int, table: Table) -> Decimal | None:
        return parse_amount(tok, table.unit, self.doc.path, n)

    def header_tokens(self, table: Table, toks: list[str], n: int, cols: list) -> None:
        hmap = header_map().get(table.id, {})
        for t in toks:
            s = squash(t)
            if not s or re.fullmatch(r"\d{1,2}", s) or s in header_ignore() or s == "合计" and table.id != "公开04":
                continue
            if s in hmap:
                col, label = hmap[s]
                if col != "-" and col not in [c for c, _ in cols]:
                    cols.append((col, label))
                continue
            if s.startswith("栏次") or "年度预算数" in s or "年度决算数" in s:
                continue
            self.log.add("unknown_header", "warning",
                         f"{table.id}: unknown header {t!r} (add it to data/header_map.csv "
                         "or header_ignore.csv)", line=n, table=table.id, found=t)

    def resolve(self, table: Table, row: Row, values: list, columns: list[str],
                col_sums: dict | None = None) -> None:
        spec = table_specs()[table.id]
        ids = [(l, t) for l, t in spec["identity_list"] if l in columns]
        res = place(values, columns, ids, col_sums)
        if res is None:
            row.values = {c: None for c in columns}
            self.log.add("cell_placement", "error",
                         f"{table.id} {row.item}: {len(values)} values for {len(columns)} columns "
                         f"and no unique placement; values left unassigned: "
                         f"{', '.join(str(v) for v in values)}",
                         line=row.line, table=table.id, expected=len(columns), found=len(values))
            return
        vals, status, dropped = res
        row.values, row.status = vals, status
        if len(values) != len(columns):
            rec = [c for c, s in status.items() if s == "reconstructed"]
            if dropped:
                self.log.add("cell_placement", "warning",
                             f"{table.id} {row.item}: {len(values)} values for {len(columns)} "
                             f"columns; the only consistent reading drops the extra value(s) "
                             f"{', '.join(str(v) for v in dropped)}",
                             line=row.line, table=table.id, expected=len(columns), found=len(values))
            # in the single-row 三公 table no column sum verifies a reconstruction (a
            # source row that breaks its identity would be silently "repaired"): warning
            unverified = table_specs()[table.id]["layout"] == "sangong"
            for c in rec:
                self.log.add("reconstructed", "warning" if unverified else "info",
                             f"{table.id} {row.item}: column {c} lost in extraction, "
                             f"reconstructed from the table's identities as {vals[c]}"
                             + (" (no other sum in the table verifies it)" if unverified else ""),
                             line=row.line, table=table.id, found=vals[c])
            missing = [c for c in columns if vals[c] is None]
            if missing:
                self.log.add("cell_missing", "warning",
                             f"{table.id} {row.item}: {', '.join(missing)} missing and not "
                             "determined by the table's identities", line=row.line, table=table.id)

    # -- layouts -------------------------------------------------------------
    def _by_function(self, table: Table, body) -> None:
        cols: list = []
        in_data = False
        pending = []
        for n, text in body:
            toks = tokens(text)
            if not toks or is_column_index_line(toks):
                continue
            # split a merged header/data line at the first row label (合计 or a code)
            cut = next((i for i, t in enumerate(toks)
                        if squash(t) == "合计" or (CODE_RE.match(normalize(t)) and i + 1 < len(toks)
                                                   and not is_amount(toks[i + 1]))), None)
            head = toks if cut is None else toks[:cut]
            data = [] if cut is None else toks[cut:]
            if not in_data and head:
                if any(squash(t) == "无" for t in head):
                    table.declared_empty = True
                    table.empty_statement = "无"
                    continue
                self.header_tokens(table, head, n, cols)
            elif head and in_data:
                if all(squash(t) in header_ignore() for t in head):
                    continue
                if squash(" ".join(head)) in {"无"}:
                    table.declared_empty = True
                    continue
                # a name continued on its own line, or stray text: keep as finding
                self.log.add("unparsed_line", "warning",
                             f"{table.id}: line not understood: {text.strip()!r}",
                             line=n, table=table.id, found=text.strip())
            if not data:
                continue
            in_data = True
            code = None
            if squash(data[0]) == "合计":
                name, rest = "合计", data[1:]
            else:
                code = normalize(data[0])
                i = 1
                name_parts = []
                while i < len(data) and not is_amount(data[i]):
                    name_parts.append(data[i])
                    i += 1
                name, rest = "".join(name_parts), data[i:]
            vals = []
            for t in rest:
                if is_amount(t):
                    vals.append(self.amount(t, n, table))
                else:
                    self.log.add("unparseable_cell", "error",
                                 f"{table.id}: cell {t!r} is not a number; left missing",
                                 line=n, table=table.id, found=t)
            key = "total" if code is None else f"func:{code}"
            row = Row(n, key, name, code, values={}, raw=rest)
            pending.append((row, vals))
        cols = sort_columns(table.id, cols)
        table.columns[""] = cols
        if table.declared_empty:
            pending = [(r, v) for r, v in pending if v]
        if not cols and pending:
            self.log.add("unknown_header", "error", f"{table.id}: no column headers recognised",
                         line=table.start, table=table.id)
            return
        colnames = [c for c, _ in cols]
        details = [(r, v) for r, v in pending if r.code]
        totals = [(r, v) for r, v in pending if not r.code]
        for r, v in details:
            self.resolve(table, r, v, colnames)
        top = _top_level([r for r, _ in details])
        sums = {c: sum((r.values.get(c) or Decimal(0)) for r in top) for c in colnames} if top else None
        for r, v in totals:
            self.resolve(table, r, v, colnames, sums)
        # duplicate 合计 rows (e.g. a header line merged with the total row)
        keep_total = None
        for r, _ in totals:
            if keep_total is None:
                keep_total = r
                continue
            same = all(r.values.get(c) == keep_total.values.get(c) for c in colnames)
            self.log.record("duplicate_total_row", same, severity="error", table=table.id,
                            line=r.line, message=f"{table.id}: 合计 appears again at line {r.line} "
                            f"with different values than line {keep_total.line}",
                            expected=keep_total.line, found=r.line)
            if same:
                self.log.note("duplicate_total_row", f"{table.id}: 合计 row read twice (lines "
                              f"{keep_total.line} and {r.line}, one merged with the header); "
                              "values agree, kept once", line=r.line, table=table.id)
            # prefer the reading with no dropped/reconstructed cells
            if (any(s != "reported" for s in keep_total.status.values()) or
                    len(keep_total.raw) - 1 > len(colnames)) and all(
                    s == "reported" for s in r.status.values()):
                keep_total = r
        if keep_total is not None:
            table.rows.append(keep_total)
        table.rows.extend(r for r, _ in details)

    def _two_sided(self, table: Table, body) -> None:
        hmap = header_map().get(table.id, {})
        exp_cols: list = []
        inc_cols = [("amount", "决算数")]
        groups_by_line = []
        first_right_no = None
        for n, text in body:
            raw = [t.strip() for t in text.split("\t")]
            toks = [t for t in raw if t]
            if not toks:
                continue
            s0 = [squash(t) for t in toks]
            if any(s.startswith("栏次") for s in s0):
                continue
            has_rowno = any(ROWNO_RE.match(normalize(t)) for t in toks)
            if not has_rowno:
                for t in toks:
                    s = squash(t)
                    if s in hmap and hmap[s][0] not in ("amount", "-") and hmap[s][0] not in [c for c, _ in exp_cols]:
                        exp_cols.append(hmap[s])
                    elif s not in hmap and s not in header_ignore() and s not in {"收入", "支出", "项目", "行次", "决算数"}:
                        self.log.add("unknown_header", "warning", f"{table.id}: unknown header {t!r}",
                                     line=n, table=table.id, found=t)
                continue
            groups = []
            cur = None
            for t in toks:
                nt = normalize(t)
                if ROWNO_RE.match(nt):
                    if cur is None or cur["row_no"] is not None:
                        cur = {"label": "", "row_no": None, "amounts": []}
                        groups.append(cur)
                    cur["row_no"] = int(nt)
                elif is_amount(nt):
                    if cur is None:
                        cur = {"label": "", "row_no": None, "amounts": []}
                        groups.append(cur)
                    cur["amounts"].append(t)
                else:
                    if cur is None or cur["row_no"] is not None or cur["amounts"]:
                        cur = {"label": "", "row_no": None, "amounts": []}
                        groups.append(cur)
                    cur["label"] += t
            if len(groups) >= 2 and first_right_no is None and groups[1]["row_no"]:
                first_right_no = groups[1]["row_no"]
            groups_by_line.append((n, groups))
        exp_cols = sort_columns(table.id, exp_cols) or [("amount", "决算数")]
        table.columns = {"收入": inc_cols, "支出": exp_cols}
        carry_seen = False
        for n, groups in groups_by_line:
            for gi, g in enumerate(groups):
                if len(groups) >= 2:
                    side = "收入" if gi == 0 else "支出"
                elif first_right_no is not None and g["row_no"] is not None:
                    side = "收入" if g["row_no"] < first_right_no else "支出"
                else:
                    side = "收入"
                if not g["label"] and not g["amounts"]:
                    continue  # an empty numbered row: no cell to read
                label = strip_ordinal(g["label"])
                key, code, carry_seen = two_sided_key(table.id, side, g["label"], carry_seen, self.log, n)
                cols = [c for c, _ in (inc_cols if side == "收入" else exp_cols)]
                vals = [self.amount(t, n, table) for t in g["amounts"]]
                row = Row(n, key, label, code, side=side, row_no=g["row_no"], raw=g["amounts"])
                if vals:
                    self.resolve(table, row, vals, cols)
                else:
                    row.values = {c: None for c in cols}
                    if key not in ("label:",):
                        self.log.add("cell_missing", "warning",
                                     f"{table.id} {label}: row has no amount", line=n, table=table.id)
                row.ordinal = cn_ordinal(g["label"])
                table.rows.append(row)

    def _economic(self, table: Table, body) -> None:
        table.columns[""] = [("amount", "金额")]
        for n, text in body:
            toks = tokens(text)
            if not toks:
                continue
            i = 0
            found_any = False
            while i < len(toks):
                t = normalize(toks[i])
                if CODE_RE.match(t) and len(t) in (3, 5) and i + 1 < len(toks) and not is_amount(toks[i + 1]):
                    code, name = t, toks[i + 1].strip()
                    j = i + 2
                    value = None
                    if j < len(toks) and is_amount(toks[j]):
                        value = self.amount(toks[j], n, table)
                        j += 1
                    else:
                        self.log.add("cell_missing", "warning",
                                     f"{table.id} {code} {name}: no amount", line=n, table=table.id)
                    side = "人员经费" if code[:3] in ("301", "303") else "公用经费"
                    table.rows.append(Row(n, f"econ:{code}", name, code, side=side,
                                          values={"amount": value},
                                          status={"amount": "reported"} if value is not None else {},
                                          raw=[toks[j - 1]] if value is not None else []))
                    i = j
                    found_any = True
                    continue
                key = row_labels().get((table.id, "", squash(t)))
                if key and i + 1 < len(toks) and is_amount(toks[i + 1]):
                    value = self.amount(toks[i + 1], n, table)
                    table.rows.append(Row(n, key, squash(t), None, values={"amount": value},
                                          status={"amount": "reported"}, raw=[toks[i + 1]]))
                    i += 2
                    found_any = True
                    continue
                if key and not (i + 1 < len(toks) and is_amount(toks[i + 1])):
                    self.log.add("cell_missing", "warning", f"{table.id} {squash(t)}: no amount",
                                 line=n, table=table.id)
                # an amount that belongs to no row: after a row on the line, or anywhere
                # when it is a money amount (a bare integer before the first row may be a
                # column number or a code whose name was lost)
                if is_amount(t) and (found_any or not re.fullmatch(r"-?\d+", t)):
                    self.log.add("unparsed_cell", "error",
                                 f"{table.id}: amount {toks[i]!r} without a code or label",
                                 line=n, table=table.id, found=toks[i])
                i += 1

    SANGONG_PARTS = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]

    def _sangong(self, table: Table, body) -> None:
        hmap = header_map().get(table.id, {})
        labels = {c: l for c, l in hmap.values()}
        cols = [(f"{g}_{p}", f"{'预算数' if g == 'budget' else '决算数'}·{labels[p]}")
                for g in ("budget", "actual") for p in self.SANGONG_PARTS]
        table.columns[""] = cols
        for n, text in body:
            toks = tokens(text)
            if not toks or is_column_index_line(toks):
                continue
            if all(is_amount(t) for t in toks):
                vals = [self.amount(t, n, table) for t in toks]
                row = Row(n, "sangong", "三公经费", None, raw=toks)
                self.resolve(table, row, vals, [c for c, _ in cols])
                table.rows.append(row)
            else:
                self.header_tokens(table, toks, n, [])


def two_sided_key(table_id: str, side: str, raw_label: str, carry_seen: bool, log: CheckLog,
                  line: int) -> tuple[str, str | None, bool]:
    """Standard key (and class code) of a row of 公开01/04 from its label.

    Rows after 年初…结转和结余 on the income side are its parts (carryover_begin_gpb …);
    expense rows are function classes (class:201 …).  Returns (key, code, carry_seen)."""
    s = squash(strip_ordinal(raw_label))
    key = row_labels().get((table_id, side, s))
    code = None
    if side == "收入" and key == "carryover_begin":
        carry_seen = True
    elif side == "收入" and carry_seen and key in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"):
        key = "carryover_begin_" + key.removeprefix("fiscal_")
    if key is None and side == "支出":
        code = function_classes().get(s)
        key = f"class:{code}" if code else None
    if key is None:
        key = f"label:{s}"
        log.add("unknown_row_label", "warning", f"{table_id}: row label {raw_label!r} is not in "
                "data/row_labels.csv", line=line, table=table_id, found=raw_label)
    return key, code, carry_seen


def _top_level(rows: list[Row]) -> list[Row]:
    """Rows at the highest code level present (类 if any, else 款, else 项)."""
    if not rows:
        return []
    shortest = min(len(r.code) for r in rows)
    return [r for r in rows if len(r.code) == shortest]


def parse_tables(doc: Document, start: int, end: int, log: CheckLog, unit: str = "元") -> dict[str, Table]:
    if start is None or end is None:
        raise ParseError("the tables part (第二部分) was not found", doc.path)
    return TableParser(doc, log, unit).parse_all(start, end)
