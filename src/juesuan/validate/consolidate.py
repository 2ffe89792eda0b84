"""One source fault, one finding.

A wrong amount in one row of a table fails every identity it takes part in: its own row
(合计 = 基本支出 + 项目支出), its parent's sum (款 = Σ项, 类 = Σ款, 合计 = Σ类), and the same row
printed again in the next table (公开05 = 公开03, 预算05 = 预算03).  Each is a failed comparison
(``checks`` counts them all), but they are ONE fault of the source: :func:`consolidate` keeps one
finding for it — at the most specific row (the longest code; a row's own identity before a sum
or a cross-table comparison) — and names the others inside it as its consequences.

Two findings belong to one fault when their differences are the same amount (up to sign) and
their rows are related: the same code in two tables, a code and one of its ancestors (款 of a 项,
类 of a 款) or the table's 合计 row in the same table.  Findings of the text, of a missing table
or of a rounding-size difference are never merged.  Also, a page printed twice is reported once,
by ``review_pages`` (the reader's note ``page_repeated`` of the same page is folded into it);
leftover template wording found sentence by sentence (``review_template``) stands for the per-part
summary of the same lines (``doc_template_text``, ``budget_template_text``).
"""
from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..findings import CheckLog, Finding

CONSEQUENCE = "；同一处错误还使以下核对不成立（不另计为错误）："
TEMPLATE_SUMMARIES = ("doc_template_text", "budget_template_text")


def _dec(v) -> Decimal | None:
    """An amount of a finding in 元 (``expected``/``found`` are 元, or “87.36万元” for a text figure)."""
    text = str(v).replace(",", "").strip()
    factor = Decimal(1)
    if text.endswith("万元"):
        text, factor = text[:-2], Decimal(10000)
    try:
        d = Decimal(text) * factor
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _is_total(r) -> bool:
    return not r.code and "total" in (r.key or "")


def _rows_by_location(log: CheckLog, tables: dict) -> dict[str, tuple[str, str]]:
    """finding location → (table id, row identity: its code, ``total`` for a 合计/总计 row, else its key)."""
    out: dict[str, tuple[str, str]] = {}
    for t in (tables or {}).values():
        for r in getattr(t, "rows", []) or []:
            ident = r.code or ("total" if _is_total(r) else f"{r.side}:{r.key}")
            out.setdefault(log.loc(r.line), (t.id, ident))
    return out


def _code(ident: str | None) -> str:
    return ident if ident and re.fullmatch(r"\d+", ident) else ""


def _related(a: tuple, b: tuple) -> bool:
    """a, b: (table the row is in, row identity, table the finding names)."""
    (ta, ca, fa), (tb, cb, fb) = a, b
    if ca is None and cb is None:
        return False                       # two findings of the text: not one table fault
    if ca is None or cb is None:           # the text against a table: that table's row
        return (fa if ca is None else fb) == (tb if ca is None else ta)
    if ca == cb:
        return True                        # the same row, here or printed again in another table
    if (fa and fa != ta and fa == tb) or (fb and fb != tb and fb == ta):
        return True                        # a comparison across two tables and a fault of the other table
    if ta != tb:
        return False
    xa, xb = _code(ca), _code(cb)
    if xa and xb and (xa.startswith(xb) or xb.startswith(xa)):
        return True                        # a code and its 款 / 类
    return "total" in (ca, cb) and bool(xa or xb)


def _rank(f: Finding, row: tuple) -> tuple:
    own = "row_identity" in f.check
    return (row[1] is None, -len(_code(row[1])), 0 if own else 1, f.location)


@lru_cache(maxsize=None)
def _titles() -> dict[str, str]:
    with open(PACKAGE_DATA / "check_titles.csv", encoding="utf-8", newline="") as fh:
        return {r["check"]: r["title"] for r in csv.DictReader(fh)}


def _short(f: Finding, row: tuple) -> str:
    """A consequence as the reader reads it: the table, the check's Chinese title, the line."""
    where = row[0] or f.table or ""
    return f"{where}“{_titles().get(f.check, f.check)}”（第 {f.location.rsplit(':', 1)[-1]} 行）"


def consolidate(log: CheckLog, tables: dict) -> int:
    """Fold every consequence of a source fault into the fault's finding; returns how many
    findings were folded."""
    rows = _rows_by_location(log, tables)
    ids = {t.id for t in (tables or {}).values()}
    cand: list[tuple[int, Finding, tuple, Decimal]] = []
    for i, f in enumerate(log.findings):
        if f.severity != "error":
            continue
        if f.location in rows:
            row = (*rows[f.location], f.table)
        elif f.table in ids:
            row = (None, None, f.table)    # a figure of the text compared with this table
        else:
            continue
        e, g = _dec(f.expected), _dec(f.found)
        if e is None or g is None or e == g:
            continue
        cand.append((i, f, row, abs(g - e)))
    # union-find over related findings of the same difference
    parent = list(range(len(cand)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(len(cand)):
        for b in range(a + 1, len(cand)):
            if cand[a][3] == cand[b][3] and _related(cand[a][2], cand[b][2]):
                parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for k in range(len(cand)):
        groups.setdefault(find(k), []).append(k)
    drop: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda k: _rank(cand[k][1], cand[k][2]))
        if cand[members[0]][2][1] is None:
            continue                       # only text findings: nothing in a table to name as the fault
        root = cand[members[0]][1]
        rest = [cand[k] for k in members[1:]]
        root.message += CONSEQUENCE + "、".join(_short(f, row) for _, f, row, _ in rest)
        drop |= {i for i, *_ in rest}
    drop |= _fold_codes(log, tables, drop)
    drop |= _fold_same_figure(log, drop) | _fold_pages(log) | _fold_templates(log)
    if drop:
        log.findings[:] = [f for i, f in enumerate(log.findings) if i not in drop]
    return len(drop)


def _fold_codes(log: CheckLog, tables: dict, dropped: set[int]) -> set[int]:
    """A misprinted function code (``budget_code``): the same row printed with the same wrong code
    in the next table is the same fault; a comparison across tables that misses that row's
    amount (the row named the same, the difference its amount) is its consequence."""
    rows: dict[str, object] = {}
    for t in (tables or {}).values():
        for r in getattr(t, "rows", []) or []:
            rows.setdefault(log.loc(r.line), (t.id, r))
    out: set[int] = set()
    roots: dict[tuple, Finding] = {}
    for i, f in enumerate(log.findings):
        if f.check != "budget_code" or i in dropped or f.location not in rows:
            continue
        tid, r = rows[f.location]
        key = (f.found, r.item)
        if key in roots:
            root = roots[key]
            root.message += ("、" if CONSEQUENCE in root.message else CONSEQUENCE) + _short(f, (tid, r.code, f.table))
            out.add(i)
            continue
        roots[key] = f
    for (code, item), root in roots.items():
        tid, r = rows[root.location]
        amounts = {abs(v) for v in r.values.values() if isinstance(v, Decimal) and v}
        for i, f in enumerate(log.findings):
            if i in dropped or i in out or f is root or f.severity != "error" or not item or item not in f.message:
                continue
            e, g = _dec(f.expected), _dec(f.found)
            if e is not None and g is not None and abs(g - e) in amounts and f.check.startswith(("budget_x", "x0")):
                root.message += ("、" if CONSEQUENCE in root.message else CONSEQUENCE) + \
                    _short(f, (rows.get(f.location, (f.table,))[0], None, f.table))
                out.add(i)
    return out


def _fold_same_figure(log: CheckLog, dropped: set[int]) -> set[int]:
    """Findings at one place that compare the same stated figure with the same expected one
    (a sentence stating “收入支出总计 0.3万元” fails 收入总计 and 支出总计 alike): one finding."""
    first: dict[tuple, Finding] = {}
    out = set()
    for i, f in enumerate(log.findings):
        if i in dropped or f.severity != "error" or not f.found or not f.expected:
            continue
        key = (f.check, f.location, f.expected, f.found)
        if key in first:
            root = first[key]
            what = re.sub(r"\s*\([^)]*\)|\s+vs\s+\S+", "", f.message.split(":", 1)[0])
            root.message += ("、" if CONSEQUENCE in root.message else CONSEQUENCE) + what
            out.add(i)
        else:
            first[key] = f
    return out


def _fold_pages(log: CheckLog) -> set[int]:
    """``page_repeated`` notes of a page that ``review_pages`` reports as printed twice."""
    twice = {(f.expected, f.found) for f in log.findings if f.check == "review_pages" and f.expected}
    return {i for i, f in enumerate(log.findings)
            if f.check == "page_repeated" and (f.expected, f.found) in twice}


def _fold_templates(log: CheckLog) -> set[int]:
    """A per-part template summary whose every line has its own ``review_template`` finding."""
    mine = {f.location for f in log.findings if f.check == "review_template"}
    out = set()
    for i, f in enumerate(log.findings):
        if f.check in TEMPLATE_SUMMARIES and f.location in mine:
            lines = re.findall(r"p?\d+:\d+|(?<=[ ,])\d+(?=[, ]|$)", f.message)
            if all(any(loc.endswith(":" + ln) or loc.endswith(ln) for loc in mine) for ln in lines):
                out.add(i)
    return out
