"""Checks (勾稽) of a budget report (部门预算 / 单位预算): tables 预算01–09 and the text.

The same families as for final accounts: sums to 合计 and 类 = Σ款 = Σ项 (the shared
:mod:`~juesuan.validate.tables` checks), the budget form's row identities (支出 = 基本 + 项目
(+ 机动 + 结转下年), 合计 = 人员经费 + 公用经费, “三公” = 出国 + 车 + 接待), its cross-table
identities (收支 balance; 收入总表 / 支出总表 = 收支总表; the function table = the 一般公共预算
part; 基本支出 table = the 基本 column; 财政拨款 tables = the 财政拨款 part), the text against the
tables (a figure stated in 万元 with n decimals passes when it is the table's amount rounded to
n decimals), the empty-table statements, and the year, name and template leftovers.  The rule
each check implements is named in ``data/budget_checks.csv`` (column ``peer_rule``).

Final-accounts-only checks are recorded as skipped with the reason (:func:`skip_final_checks`), so
a budget gets no false error from a rule that does not apply to it.
"""
from __future__ import annotations

import csv
import re
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from ..config import PACKAGE_DATA
from ..extract.reading.meta import _clean, is_placeholder, same_department
from ..extract.tabular.tables import Table, squash, table_specs
from ..findings import CheckLog
from ..numbers import UNIT_FACTORS, decimal_str, round_half_up
from ..source import Document
from .tables import check_hierarchy, check_structure, check_sum_to_total

Z = Decimal(0)
WAN = UNIT_FACTORS["万元"]
FUND_WORDS = {"预算08": "政府性基金", "预算09": "国有资本经营"}
SKIP_REASON = "部门预算：此项核对只适用于部门决算"


@lru_cache(maxsize=None)
def fiscal_tables(layout: str | None = None) -> tuple[str, ...]:
    """The budget's tables of fiscal money (data/tables.csv: money ``fiscal``), of ``layout`` when
    given — by_function: 预算05, 08, 09, whose sum is a function class's fiscal figure."""
    return tuple(t for t, spec in table_specs().items()
                 if spec.get("kind") == "budget" and spec.get("money") == "fiscal"
                 and (layout is None or spec.get("layout") == layout))


@lru_cache(maxsize=None)
def budget_checks() -> list[dict]:
    with open(PACKAGE_DATA / "budget_checks.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Z)


def _ok(t: Table | None) -> bool:
    return t is not None and t.present


def _total(t: Table | None, col: str = "total") -> Decimal | None:
    """A function table's 合计 (0 for a table declared empty)."""
    if not _ok(t):
        return None
    if t.declared_empty and not t.rows:
        return Z
    r = t.find("total")
    return None if r is None else r.values.get(col, Z)


def _cols(t: Table, side: str = "") -> list[str]:
    return [c for c, _ in t.columns.get(side, [])]


# ------------------------------------------------------------------ within tables
def check_row_identities(t: Table, log: CheckLog) -> None:
    """合计 = Σ parts, each identity of data/tables.csv over the columns the table has (a part the
    form does not print, e.g. 单位预留机动经费 on a current form, is no term)."""
    have = set(_cols(t))
    for lhs, terms in table_specs()[t.id]["identity_list"]:
        terms = [(s, n) for s, n in terms if n in have
                 and not ("fiscal" in have and n.startswith("fiscal_") and lhs != "fiscal")]
        if lhs not in have or len(terms) < 2:
            continue
        for r in t.rows:
            if r.values.get(lhs) is None or any(r.values.get(n) is None for _, n in terms):
                continue
            log.amounts("budget_row_identity", sum(s * r.values[n] for s, n in terms), r.values[lhs],
                        line=r.line, table=t.id, unit=t.precision, terms=len(terms),
                        what=f"{t.id} {r.item}: {lhs} = " + "+".join(n for _, n in terms))


def check_two_sided(t: Table, log: CheckLog) -> None:
    """预算01 / 预算04: 收入总计 = Σ sources; financial appropriation = Σ its three funds;
    支出总计 = Σ function classes (each column); 收入总计 = 支出总计."""
    inc = {r.key: r for r in t.rows if r.side == "收入"}
    exp = [r for r in t.rows if r.side == "支出"]
    gi, ge = inc.get("grand_total"), next((r for r in exp if r.key == "grand_total"), None)
    funds = [inc[k] for k in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe") if k in inc]
    if "fiscal" in inc and funds:
        log.amounts("budget_income_sources", _sum(r.values.get("amount") for r in funds),
                    inc["fiscal"].values.get("amount"), line=inc["fiscal"].line, table=t.id, unit=t.precision,
                    terms=len(funds), what=f"{t.id} 财政拨款收入 = Σ {len(funds)} funds")
    if "income_total" in inc:          # 本年收入合计 = this year's sources (older forms)
        srcs = [k for k in (("fiscal",) if "fiscal" in inc else ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"))
                + ("special_account", "other_funds", "business", "operating", "other") if k in inc]
        log.amounts("budget_income_sources", _sum(inc[k].values.get("amount") for k in srcs),
                    inc["income_total"].values.get("amount"), line=inc["income_total"].line, table=t.id,
                    unit=t.precision, terms=len(srcs), what=f"{t.id} 本年收入合计 = Σ {len(srcs)} sources")
    top = [k for k in ("fiscal", "business", "operating", "other", "carryover", "nonfiscal_carryover",
                       "income_total") if k in inc]
    if "income_total" in top:          # an older form: 本年收入合计 + 上年结转 = 收入总计
        top = [k for k in top if k in ("income_total", "carryover", "nonfiscal_carryover")]
    elif "fiscal" not in inc:
        top = [k for k in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe") if k in inc]
    if gi is not None and top:
        log.amounts("budget_income_sources", _sum(inc[k].values.get("amount") for k in top),
                    gi.values.get("amount"), line=gi.line, table=t.id, unit=t.precision, terms=len(top),
                    what=f"{t.id} 收入总计 = Σ " + "+".join(inc[k].item for k in top))
    classes = [r for r in exp if r.key.startswith("class:")]
    extra = [r for r in exp if r.key in ("carryover_next",)]
    if ge is not None and classes:
        for col in _cols(t, "支出") or ["amount"]:
            if ge.values.get(col) is None:
                continue
            log.amounts("budget_expense_classes", _sum(r.values.get(col) for r in classes + extra),
                        ge.values[col], line=ge.line, table=t.id, unit=t.precision, terms=len(classes) + len(extra),
                        what=f"{t.id} 支出总计 ({col}) = Σ {len(classes)} function classes")
    uses = [r for r in exp if r.key.startswith("use:") and r.key != "use:total"]
    if uses and ge is not None:        # an older form's uses panel: Σ uses = 支出总计
        use_total = next((r for r in exp if r.key == "use:total"), None)
        for target in [ge] + ([use_total] if use_total is not None else []):
            log.amounts("budget_expense_uses", _sum(r.values.get("amount") for r in uses),
                        target.values.get("amount"), line=target.line, table=t.id, unit=t.precision,
                        terms=len(uses), what=f"{t.id} {target.item} = Σ {len(uses)} uses (基本、项目 …)")
    if gi is not None and ge is not None:
        right = ge.values.get("total", ge.values.get("amount"))
        log.amounts("budget_balance", gi.values.get("amount"), right, line=ge.line, table=t.id, unit=t.precision,
                    what=f"{t.id} 收入总计 = 支出总计")
    elif t.rows:
        log.skip("budget_balance", f"{t.id}: no 收入总计 / 支出总计 row")


def check_economic(t: Table, log: CheckLog) -> None:
    """预算06: each class = Σ its items; 合计 = Σ classes (each column)."""
    rows = [r for r in t.rows if r.code]
    classes = [r for r in rows if len(r.code) == 3]
    for c in classes:
        kids = [r for r in rows if len(r.code) == 5 and r.code.startswith(c.code)]
        for col in _cols(t):
            if kids and c.values.get(col) is not None:
                log.amounts("budget_econ_sum", _sum(k.values.get(col) for k in kids), c.values[col], line=c.line,
                            table=t.id, unit=t.precision, terms=len(kids),
                            what=f"{t.id} {c.code} {c.item} ({col}) = Σ {len(kids)} items")
    tot = t.find("total")
    if tot is None:
        if rows:
            log.add("total_row_missing", "error", f"{t.id}: no 合计 row was read", line=t.end, table=t.id)
        return
    for col in _cols(t):
        if tot.values.get(col) is not None and classes:
            log.amounts("budget_econ_sum", _sum(c.values.get(col) for c in classes), tot.values[col], line=tot.line,
                        table=t.id, unit=t.precision, terms=len(classes),
                        what=f"{t.id} 合计 ({col}) = Σ {len(classes)} classes")


def check_codes(t: Table, log: CheckLog) -> None:
    """Each function code is a 类 (3 digits) with its 款 and 项 (2 digits each) under a 类 the
    classification has; a code cell such as ``7`` for ``210`` is a slip of the source."""
    from ..extract.tabular.tables import class_names
    known = set(class_names())
    for r in t.details():
        ok = len(r.code) in (3, 5, 7) and r.code[:3] in known
        log.record("budget_code", ok, severity="error", line=r.line, table=t.id,
                   message=f"{t.id}: row {r.item} has the function code {r.code}, whose 类 {r.code[:3]!r} is "
                           "not a class of the classification (a code cell misprinted)",
                   expected="a 3-digit 类 code", found=r.code)


# ------------------------------------------------------------------ across tables
def _absent(log: CheckLog, check: str, tables: dict, *ids: str) -> bool:
    missing = [i for i in ids if not _ok(tables.get(i))]
    if missing:
        log.skip(check, "; ".join(_why(tables, i) for i in missing))
    return bool(missing)


def _why(tables: dict, tid: str) -> str:
    """Why a table is not compared: absent, or seen but not read (our reading, validate/ledger.py)."""
    return getattr(tables, "not_read", {}).get(tid) or f"{tid} absent"


def _by_code(t: Table) -> dict[str, object]:
    return {r.code: r for r in t.details()}


def check_across(tables: dict[str, Table], log: CheckLog) -> None:
    b1, b2, b3, b4, b5, b6, b7, b8, b9 = (tables.get(f"预算0{i}") for i in range(1, 10))
    # -- 收支总表 ↔ 收入总表
    if not _absent(log, "budget_x01_02", tables, "预算01", "预算02"):
        inc = {r.key: r for r in b1.rows if r.side == "收入"}
        pairs = [("fiscal", "fiscal"), ("business", "business"), ("operating", "operating"), ("other", "other"),
                 ("carryover", "carryover")]
        for key, col in pairs:
            if key in inc and col in _cols(b2) and _total(b2, col) is not None:
                log.amounts("budget_x01_02", inc[key].values.get("amount"), _total(b2, col), line=inc[key].line,
                            table="预算02", unit=b2.precision, what=f"预算01 {inc[key].item} = 预算02 合计 {col}")
        gi = (inc.get("grand_total") if "carryover" in _cols(b2) else None) or inc.get("income_total") or \
            inc.get("grand_total")
        for key in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"):
            if key in inc and key in _cols(b2) and _total(b2, key) is not None:
                log.amounts("budget_x01_02", inc[key].values.get("amount"), _total(b2, key), line=inc[key].line,
                            table="预算02", unit=b2.precision, what=f"预算01 {inc[key].item} = 预算02 合计 {key}")
        if gi is not None and _total(b2) is not None:
            log.amounts("budget_x01_02", gi.values.get("amount"), _total(b2), line=gi.line, table="预算02",
                        unit=b2.precision, what=f"预算01 {gi.item} = 预算02 合计")
    # -- 收支总表 ↔ 支出总表 (each function class and the total)
    if not _absent(log, "budget_x01_03", tables, "预算01", "预算03"):
        codes = _by_code(b3)
        for r in b1.rows:
            if r.side != "支出":
                continue
            col = "total" if "total" in r.values else "amount"
            if r.key.startswith("class:") and b3.form:
                continue                  # 预算03 of an older form prints no function rows
            if r.key.startswith("class:"):
                other = codes.get(r.code)
                found = other.values.get("total") if other is not None else Z
                log.amounts("budget_x01_03", r.values.get(col), found, line=r.line, table="预算03",
                            unit=b3.precision, what=f"预算01 {r.item} = 预算03 {r.code}")
            elif r.key in ("grand_total", "expenditure_total") and not any(
                    x.key == "expenditure_total" for x in b1.rows if x.side == "支出" and r.key == "grand_total"):
                log.amounts("budget_x01_03", r.values.get(col), _total(b3), line=r.line, table="预算03",
                            unit=b3.precision, what="预算01 支出总计 = 预算03 合计")
                for c in ("basic", "project"):
                    if c in r.values and _total(b3, c) is not None:
                        log.amounts("budget_x01_03", r.values[c], _total(b3, c), line=r.line, table="预算03",
                                    unit=b3.precision, what=f"预算01 支出总计 {c} = 预算03 合计 {c}")
        for r in b1.rows:             # the uses panel (older forms) = 预算03's columns
            if r.side == "支出" and r.key.startswith("use:") and r.key[4:] in _cols(b3):
                log.amounts("budget_x01_03", r.values.get("amount"), _total(b3, r.key[4:]), line=r.line,
                            table="预算03", unit=b3.precision, what=f"预算01 {r.item} = 预算03 合计 {r.key[4:]}")
    # -- 收入总表 ↔ 支出总表 per function code (a current form without 上年结转: income = expenditure)
    if not _absent(log, "budget_x02_03", tables, "预算02", "预算03"):
        if "carryover" in _cols(b2) or "carryover_next" in _cols(b3):
            log.skip("budget_x02_03", "预算02/03 have 上年结转 / 结转下年 columns: income and expenditure "
                     "per item differ by them")
        else:
            c3 = _by_code(b3)
            for r in b2.details():
                o = c3.get(r.code)
                log.amounts("budget_x02_03", r.values.get("total"), o.values.get("total") if o else Z,
                            line=r.line, table="预算03", unit=b3.precision,
                            what=f"预算02 {r.code} {r.item} 合计 = 预算03 合计")
    # -- 财政拨款收支总表 ↔ 收支总表, function table, 基金 / 国资 tables
    if not _absent(log, "budget_x04_01", tables, "预算04", "预算01"):
        i1 = {r.key: r for r in b1.rows if r.side == "收入"}
        i4 = {r.key: r for r in b4.rows if r.side == "收入"}
        for key in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"):
            if key in i1 and key in i4:
                log.amounts("budget_x04_01", i1[key].values.get("amount"), i4[key].values.get("amount"),
                            line=i4[key].line, table="预算04", unit=b4.precision,
                            what=f"预算04 {i4[key].item} = 预算01 {i1[key].item}")
        g4 = i4.get("grand_total")
        fiscal = i1.get("fiscal")
        if g4 is not None and fiscal is not None:
            log.amounts("budget_x04_01", fiscal.values.get("amount"), g4.values.get("amount"), line=g4.line,
                        table="预算04", unit=b4.precision, what="预算04 收入总计 = 预算01 财政拨款收入")
    for check, tid, col in (("budget_x04_05", "预算05", "gpb"), ("budget_x04_08", "预算08", "gov_fund"),
                            ("budget_x04_09", "预算09", "soe")):
        if _absent(log, check, tables, "预算04", tid):
            continue
        t = tables[tid]
        if col not in _cols(b4, "支出"):
            log.skip(check, f"预算04 has no {col} column")
            continue
        codes = _by_code(t)
        for r in b4.rows:
            if r.side != "支出" or r.values.get(col) is None:
                continue
            if r.key.startswith("class:"):
                other = codes.get(r.code)
                log.amounts(check, r.values[col], other.values.get("total") if other is not None else Z,
                            line=r.line, table=tid, unit=t.precision, what=f"预算04 {r.item} ({col}) = {tid} {r.code}")
            elif r.key == "grand_total" and _total(t) is not None:
                log.amounts(check, r.values[col], _total(t), line=r.line, table=tid, unit=t.precision,
                            what=f"预算04 支出总计 ({col}) = {tid} 合计")
    # -- the fiscal function tables are a part of the 支出总表
    if _ok(b3) and b3.form:
        log.skip("budget_x03_05", "预算03 of this form prints no function rows")
    elif not _absent(log, "budget_x03_05", tables, "预算03", "预算05"):
        c3 = _by_code(b3)
        c2 = _by_code(b2) if _ok(b2) else {}
        fiscal_only = {code for code, r in c2.items()
                       if r.values.get("total") is not None and r.values.get("total") == r.values.get("fiscal")}
        for r in b5.details():
            o = c3.get(r.code)
            for col in ("total", "basic", "project"):
                v5 = r.values.get(col)
                v3 = o.values.get(col, Z) if o is not None else Z
                if v5 is None:
                    continue
                if r.code in fiscal_only and not (_ok(b8) and b8.rows) and not (_ok(b9) and b9.rows):
                    log.amounts("budget_x03_05", v3, v5, line=r.line, table="预算05", unit=b5.precision,
                                what=f"预算05 {r.code} {r.item} ({col}) = 预算03 (all of it fiscal money)")
                else:
                    log.record("budget_x03_05", v5 <= v3, severity="error", line=r.line, table="预算05",
                               message=f"预算05 {r.code} {r.item} ({col}) {decimal_str(v5)} 元 exceeds 预算03's "
                                       f"{decimal_str(v3)} 元 (the fiscal part of a budget is at most all of it)",
                               expected=f"≤ {decimal_str(v3)}", found=v5)
    # -- 基本支出 table = the 基本 column
    if not _absent(log, "budget_x05_06", tables, "预算05", "预算06"):
        t6 = b6.find("total")
        if t6 is not None and "basic" in _cols(b5) and _total(b5, "basic") is not None:
            log.amounts("budget_x05_06", _total(b5, "basic"), t6.values.get("total"), line=t6.line, table="预算06",
                        unit=b6.precision, what="预算06 合计 = 预算05 合计 基本支出")
        elif b6.rows:
            log.skip("budget_x05_06", "预算05 or 预算06 has no 合计 row")
    # -- 收支总表 with 人员经费 / 公用经费 columns (a unit's form) = 基本支出 table
    if _ok(b1) and _ok(b6) and "personnel" in _cols(b1, "支出"):
        ge = next((r for r in b1.rows if r.side == "支出" and r.key == "grand_total"), None)
        t6 = b6.find("total")
        if ge is not None and t6 is not None:
            for col in ("personnel", "public"):
                log.amounts("budget_x05_06", ge.values.get(col), t6.values.get(col), line=ge.line, table="预算01",
                            unit=b1.precision, what=f"预算01 支出总计 {col} = 预算06 合计 {col}")


# ------------------------------------------------------------------ text against tables
TEXT_TARGETS = {
    # subject: (table, side, row key, column) — the first that exists is compared
    "income": [("预算01", "收入", "income_total", "amount"), ("预算01", "收入", "grand_total", "amount")],
    "fiscal_income": [("预算01", "收入", "fiscal", "amount"), ("预算04", "收入", "grand_total", "amount")],
    "business_income": [("预算01", "收入", "business", "amount")],
    "operating_income": [("预算01", "收入", "operating", "amount")],
    "other_income": [("预算01", "收入", "other", "amount")],
    "expenditure": [("预算01", "支出", "expenditure_total", "amount"), ("预算01", "支出", "grand_total", "total"),
                    ("预算01", "支出", "grand_total", "amount")],
    "fiscal_expenditure": [("预算04", "支出", "grand_total", "total"), ("预算04", "支出", "grand_total", "amount")],
    "gpb_expenditure": [("预算05", "", "total", "total"), ("预算04", "支出", "grand_total", "gpb")],
    "gov_fund_expenditure": [("预算08", "", "total", "total"), ("预算04", "支出", "grand_total", "gov_fund")],
    "soe_expenditure": [("预算09", "", "total", "total"), ("预算04", "支出", "grand_total", "soe")],
    "sangong_total": [("预算07", "", "sangong", "total")],
    "sangong_abroad": [("预算07", "", "sangong", "abroad")],
    "sangong_vehicle": [("预算07", "", "sangong", "vehicle")],
    "sangong_vehicle_purchase": [("预算07", "", "sangong", "vehicle_purchase")],
    "sangong_vehicle_operation": [("预算07", "", "sangong", "vehicle_operation")],
    "sangong_reception": [("预算07", "", "sangong", "reception")],
    "operating_costs": [("预算07", "", "sangong", "operating_costs")],
}


def _table_values(tables: dict[str, Table], subject: str) -> list[tuple]:
    """The (value, table id, line) of each table cell a text subject can name, first the one it
    names by default; [] when no table has it.  A function class is stated either for fiscal money
    (预算05 + 08 + 09) or for all the department's money (预算03 by code, or the 功能分类 side of
    a 收支预算总表 that prints the classes, as the 2015–2020 forms do): both are candidates."""
    if subject.startswith("func:"):
        code = subject[5:]
        found, where = None, None
        for tid in fiscal_tables("by_function"):
            t = tables.get(tid)
            if not _ok(t):
                continue
            r = _by_code(t).get(code)
            if r is not None and r.values.get("total") is not None:
                found = (found or Z) + r.values["total"]
                where = where or (tid, r.line)
        out = [(found, where[0], where[1])] if found is not None else []
        t3 = tables.get("预算03")
        if _ok(t3):
            r = _by_code(t3).get(code)
            if r is not None and r.values.get("total") is not None:
                out.append((r.values["total"], "预算03", r.line))
        t1 = tables.get("预算01")
        if _ok(t1):
            r = t1.find(f"class:{code}")
            if r is not None:
                v = next((r.values[c] for c in ("amount", "total") if r.values.get(c) is not None), None)
                if v is not None:
                    out.append((v, "预算01", r.line))
        return out
    if subject.startswith("econ:"):
        t6 = tables.get("预算06")
        r = _by_code(t6).get(subject[5:]) if _ok(t6) else None
        return [(r.values["total"], "预算06", r.line)] if r is not None and r.values.get("total") is not None else []
    for tid, side, key, col in TEXT_TARGETS.get(subject, []):
        t = tables.get(tid)
        if not _ok(t):
            continue
        if t.declared_empty and not t.rows and key == "total":
            return [(Z, tid, t.start)]
        r = t.find(key, side or None)
        if r is not None and r.values.get(col) is not None:
            return [(r.values[col], tid, r.line)]
    return []


def _stated_match(stated: Decimal, places: int, table_value: Decimal) -> tuple[bool, bool]:
    """(the same, within one unit of the last place) for a figure stated in 万元 with ``places``
    decimals: the same when it is the table's amount rounded half-up or cut off (truncated) to
    those decimals — reports do both (782,164 元 is stated 78.21万元 as well as 78.22万元)."""
    unit = Decimal(1).scaleb(-places)
    want = round_half_up(table_value / WAN, places)
    cut = (table_value / WAN).quantize(unit, rounding=ROUND_DOWN)
    got = round_half_up(stated / WAN, places)
    return got in (want, cut), abs(want - got) <= unit


def check_text_vs_tables(facts: list[dict], tables: dict[str, Table], log: CheckLog) -> None:
    for f in facts:
        if f["measure"] != "budget":
            continue              # a restated amount is compared with the item's own (text_internal)
        s = f["subject"]
        if not (s in TEXT_TARGETS or s.startswith(("func:", "econ:"))):
            continue
        cands = _table_values(tables, s)
        if not cands:
            nr = getattr(tables, "not_read", {})
            log.skip("budget_text_vs_table", f"{s}: no table cell to compare with"
                     + (f" ({'; '.join(nr.values())})" if nr else ""))
            continue
        places = f.get("places") or 0
        same = next((c for c in cands if _stated_match(f["value"], places, c[0])[0]), None)
        if same is None and cands[0][1] not in fiscal_tables() and s.startswith("func:"):
            # only an all-funds table has the class: it may agree, but a difference with it proves nothing
            # (the text may state the fiscal figure, whose table was not read)
            log.skip("budget_text_vs_table", f"{s}: no fiscal table has it, and the all-funds figure differs")
            continue
        value, tid, _ = same or cands[0]
        exact, near = _stated_match(f["value"], places, value)
        wan = decimal_str(round_half_up(value / WAN, f.get("places") or 0))
        log.record("budget_text_vs_table", exact, severity="warning" if near else "error", line=f["line"], table=tid,
                   message=f"the text states {s} {decimal_str(f['value'] / WAN)} 万元 (“{f['text'][:60]}”), "
                           f"{tid} has {decimal_str(value)} 元 = {wan} 万元",
                   expected=f"{wan}万元", found=f"{decimal_str(f['value'] / WAN)}万元")


def check_text_internal(facts: list[dict], items: list[dict], tables: dict[str, Table], log: CheckLog) -> None:
    """The text against itself: parts sum to the stated whole (采购, “三公”), an item's restated
    amount and its stated change rate against the prior year's execution."""
    first = {}
    for f in facts:
        first.setdefault((f["subject"], f["measure"]), f)

    def val(subject):
        f = first.get((subject, "budget"))
        return None if f is None else f

    for whole, parts in (("procurement", ("procurement_goods", "procurement_works", "procurement_services")),
                         ("sangong_total", ("sangong_abroad", "sangong_vehicle", "sangong_reception")),
                         ("sangong_vehicle", ("sangong_vehicle_purchase", "sangong_vehicle_operation"))):
        w = val(whole)
        ps = [val(p) for p in parts]
        if w is None or any(p is None for p in ps):
            continue
        places = max([w.get("places") or 0] + [p.get("places") or 0 for p in ps])
        log.amounts("budget_text_internal", _sum(p["value"] for p in ps), w["value"], line=w["line"],
                    unit=WAN * Decimal(1).scaleb(-places), terms=len(ps),
                    what=f"text: {whole} = Σ " + "+".join(parts))
    check_item_clauses(facts, log)


PRIOR_MEASURES = ("prior_execution", "prior_budget", "change_vs_prior_execution", "change_vs_prior_budget",
                  "change_rate_vs_prior_execution", "change_rate_vs_prior_budget")
DIRECTION_ZH = {1: "增加", -1: "减少", 0: "持平"}


def _sign(x: Decimal) -> int:
    return (x > 0) - (x < 0)


def check_item_clauses(facts: list[dict], log: CheckLog) -> None:
    """Each item against its own clause: the amount restated (2026年预算安排…) is the item's amount;
    a stated change (amount, or rate and its direction) is the one the item's amount and the prior-year
    figure it names give (比2025年预算执行数增加10.00% with 80.00 → 72.00 is an error: −10.00%)."""
    by_item: dict = {}
    for f in facts:
        if f.get("item") is not None:
            by_item.setdefault(f["item"], {}).setdefault(f["measure"], []).append(f)
    for k, ms in sorted(by_item.items()):
        b = (ms.get("budget") or [None])[0]
        if b is None:
            continue
        quote = lambda f: f"“{f['text'][:90]}”"          # noqa: E731 — the sentence, quoted
        for f in ms.get("budget_restated", []):
            log.equal("budget_text_internal", b["value"], f["value"], severity="error", line=f["line"],
                      what=f"text: {f.get('label', f['subject'])} restated budget = the item's amount ({quote(f)})")
        for base in ("prior_execution", "prior_budget"):
            p = (ms.get(base) or [None])[0]
            for f in ms.get(f"change_vs_{base}", []):
                if p is None:
                    log.skip("budget_text_internal", f"{f.get('label', f['subject'])}: no {base} stated")
                    continue
                places = max(b.get("places") or 0, p.get("places") or 0, f.get("places") or 0)
                log.amounts("budget_text_internal", b["value"] - p["value"], f["value"], line=f["line"],
                            unit=WAN * Decimal(1).scaleb(-places), terms=3,
                            what=f"text: {f.get('label', f['subject'])} change against the {base.replace('_', ' ')} "
                                 f"({quote(f)})")
            if p is None and ms.get(f"change_vs_{base}"):
                # 与上年相比增加 410.44 万元，增长 1.78%: the prior figure is the amount less the change
                ch = ms[f"change_vs_{base}"][0]
                p = {"value": b["value"] - ch["value"], "derived": True}
            for f in ms.get(f"change_rate_vs_{base}", []):
                if p is None or p["value"] == 0:
                    log.skip("budget_change_rate", f"{f.get('label', f['subject'])}: no {base.replace('_', ' ')} to divide by")
                    continue
                rec = (b["value"] - p["value"]) / p["value"]
                pp = max((f.get("places") or 2) - 2, 0)
                want = round_half_up(rec * 100, pp)
                stated_dir, true_dir = _sign(f["value"]), _sign(want)
                if stated_dir != true_dir:
                    log.record("budget_change_rate", False, severity="error", line=f["line"],
                               message=f"text: {f.get('label', f['subject'])} states {DIRECTION_ZH[stated_dir]} "
                                       f"{decimal_str(abs(f['value']) * 100)}% against the "
                                       f"{base.replace('_', ' ')} ({decimal_str(p['value'] / WAN)} → "
                                       f"{decimal_str(b['value'] / WAN)} 万元), the figures give "
                                       f"{decimal_str(want)}% ({quote(f)})",
                               expected=f"{decimal_str(want)}%", found=f"{decimal_str(f['value'] * 100)}%")
                    continue
                log.rate("budget_change_rate", f["value"], rec, pp, line=f["line"],
                         what=f"text: {f.get('label', f['subject'])} change against the {base.replace('_', ' ')} ({quote(f)})")


def check_text_years(facts: list[dict], year: int, log: CheckLog) -> None:
    """A figure of the prior year names the year before the report's (a 2026 budget's “比2026年预算增加” is
    a slip); an item's amount restated names the report's year."""
    for f in facts:
        if f.get("derived"):
            continue
        if f["measure"] in PRIOR_MEASURES:
            want = year - 1
        elif f["measure"] == "budget_restated":
            want = year
        else:
            continue
        log.record("budget_text_internal", f["year"] == want, severity="error", line=f["line"],
                   message=f"text: {f.get('label', f['subject'])} {f['measure'].replace('_', ' ')} names the year {f['year']}, "
                           f"the report is for {year} (expected {want}): “{f['text'][:90]}”",
                   expected=want, found=f["year"])


def check_items_cover(items: list[dict], tables: dict[str, Table], log: CheckLog) -> None:
    """Every 项 of the fiscal function tables with an amount is in the text's item list, itself or
    its 类 / 款 (a text that lists classes covers their 项)."""
    if not items:
        log.skip("budget_items_cover", "the text has no per-item list")
        return
    level = max((len(i["code"]) for i in items if i["code"]), default=7)
    listed = {i["code"] for i in items if i["code"]}
    for tid in fiscal_tables("by_function"):
        t = tables.get(tid)
        if not _ok(t):
            continue
        for r in t.details():
            if len(r.code) != level or not r.values.get("total"):
                continue
            covered = any(r.code[:n] in listed for n in (3, 5, 7))   # or its 类 / 款, when the text lists those
            log.record("budget_items_cover", covered, severity="warning", line=r.line, table=tid,
                       message=f"{tid} {r.code} {r.item} ({decimal_str(r.values['total'])} 元) is not in the "
                               "text's list of items", expected=r.code, found="")


# ------------------------------------------------------------------ document
def check_empty_statements(doc: Document, tables: dict[str, Table], facts: list[dict], year: int,
                           log: CheckLog) -> None:
    """A table declared empty says so for its own fund and year, and the text states 0 for it."""
    subj = {"预算08": "gov_fund_expenditure", "预算09": "soe_expenditure"}
    for tid, word in FUND_WORDS.items():
        t = tables.get(tid)
        if not _ok(t) or not t.declared_empty:
            continue
        stmt = t.empty_statement or ""
        if stmt:
            other = next(w for k, w in FUND_WORDS.items() if k != tid)
            names_other = other in stmt and word not in stmt
            log.record("budget_empty_statement", not names_other, severity="warning", line=t.start, table=tid,
                       message=f"{tid} {t.title} is declared empty by a note that names {other} instead of "
                               f"{word} (a template leftover): “{stmt}”", expected=word, found=other)
            years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", stmt)]
            for y in years:
                log.record("budget_empty_statement", y == year, severity="error", line=t.start, table=tid,
                           message=f"{tid}'s empty-table note states the year {y}, the report is for {year}",
                           expected=year, found=y)
        f = next((f for f in facts if f["subject"] == subj[tid] and f["measure"] == "budget"), None)
        if f is not None:
            log.record("budget_empty_statement", f["value"] == 0, severity="error", line=f["line"], table=tid,
                       message=f"{tid} is empty, the text states {decimal_str(f['value'] / WAN)} 万元 for it",
                       expected="0", found=decimal_str(f["value"] / WAN))


TITLE_YEAR_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*年")


def check_year_name_template(doc: Document, tables: dict[str, Table], year: int, department: str | None,
                             table_lines: set[int], log: CheckLog) -> None:
    """Table titles, headings and 三公 column heads state the report's year; 编制部门 / 编制单位
    lines name the department of the cover; no template placeholder (XX局) is left."""
    from ..extract.tabular.budget_tables import budget_title
    from ..extract.reading.meta import DEPT_LINE_RE, dept_line_name
    left: list[int] = []
    for n, t in doc.numbered(1, len(doc.lines) + 1):
        s = _clean(t)
        if not s:
            continue
        m = TITLE_YEAR_RE.match(s)
        heading = len(s) <= 40 and (budget_title(s) or re.search(r"(预算编制说明|预算情况说明|经费预算数|预算情况)$", s))
        if m and heading:
            y = int(m.group(1))
            log.record("budget_doc_year", y == year, severity="error", line=n, table="document",
                       message=f"“{t.strip()[:50]}” states the year {y}, the report is for {year}",
                       expected=year, found=y)
        d = DEPT_LINE_RE.match(t)
        if d and department:
            name = re.sub(r"[（(](?:本级|汇总|部门汇总)[)）]", "", _clean(dept_line_name(doc, n, d)))
            log.record("budget_doc_name", same_department(name, department), severity="error", line=n,
                       table="document", message=f"line names the department {name}, the cover {department}",
                       expected=department, found=name)
        if n not in table_lines and is_placeholder(s):
            left.append(n)
    log.record("budget_template_text", not left, severity="error", line=left[0] if left else None,
               table="document", found="; ".join(doc.line(n).strip()[:40] for n in left[:3]),
               message=f"template text left in {len(left)} line(s): "
                       + ", ".join(doc.where(n) for n in left[:10]))


def check_doc_kind(given: dict, inferred, log: CheckLog) -> None:
    """metadata.json may state the kind of document (doc_kind 预算/决算, budget/final); it must be
    the kind the document states."""
    want = str(given.get("doc_kind") or given.get("doc_kind_zh") or "").strip()
    if not want:
        log.skip("document_kind", "metadata.json states no doc_kind")
        return
    norm = {"budget": "budget", "预算": "budget", "final": "final", "决算": "final"}.get(want, want)
    line = inferred.sources.get("doc_kind", {}).get("line")
    log.record("document_kind", norm == inferred.doc_kind, severity="error", line=line, table="document",
               message=f"metadata.json says the document is a {want}, the document is a "
                       f"{'budget (预算)' if inferred.doc_kind == 'budget' else 'final account (决算)'}",
               expected=want, found=inferred.doc_kind)


def skip_final_checks(log: CheckLog) -> None:
    """Every final-accounts-only check (data/budget_checks.csv, applies=final) is recorded as
    skipped with the reason, so a budget report shows why it has no result for it."""
    for row in budget_checks():
        if row["applies"] == "final":
            log.skip(row["check"], SKIP_REASON)


def check_budget(tables: dict[str, Table], text, doc: Document, year: int, department: str | None,
                 table_lines: set[int], log: CheckLog) -> None:
    from .ledger import table_reading, tables_as_read
    # a table seen but not (fully) read is no absent table, and nothing is compared against it
    tables = tables_as_read(tables, table_reading(doc, tables, "budget"), doc, log, "budget_table_present")
    for t in tables.values():
        if t.id == "预算10":
            continue
        if not t.present:
            log.skip("budget_row_identity", _why(tables, t.id))
            continue
        layout = table_specs()[t.id]["layout"]
        if layout == "by_function" and t.form:     # an older form prints no function rows
            log.skip("sum_to_total", f"{t.id}: the form prints no function rows (only its 合计)")
        elif layout == "by_function":
            check_codes(t, log)
            check_structure(t, log)
            check_sum_to_total(t, log)
            check_hierarchy(t, log)
        elif layout == "two_sided":
            check_two_sided(t, log)
        elif layout == "budget_economic":
            check_economic(t, log)
        check_row_identities(t, log)
    check_across(tables, log)
    facts = text.facts if text is not None else []
    check_text_vs_tables(facts, tables, log)
    check_text_internal(facts, text.items if text is not None else [], tables, log)
    check_items_cover(text.items if text is not None else [], tables, log)
    check_text_years(facts, year, log)
    check_empty_statements(doc, tables, facts, year, log)
    check_year_name_template(doc, tables, year, department, table_lines, log)
    skip_final_checks(log)
