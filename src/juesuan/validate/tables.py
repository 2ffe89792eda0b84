"""Checks (勾稽) within and across the nine public tables.

Each function takes the parsed tables and a :class:`CheckLog` and records one
run per comparison.  Amount comparisons are exact (Decimal); a difference of
rounding size is a warning, anything larger an error.
"""
from __future__ import annotations

from decimal import Decimal

from ..extract.tabular.tables import Table, table_specs
from ..findings import CheckLog

Z = Decimal(0)


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Z)


def _val(table: Table | None, key: str, column: str = "amount", side: str | None = None):
    if table is None or not table.present:
        return None
    return table.value(key, column, side)


def _class_sums(table: Table, column: str) -> dict[str, Decimal]:
    """Σ of the most detailed rows per 类 code (first three digits)."""
    rows = table.details()
    if not rows:
        return {}
    longest = max(len(r.code) for r in rows)
    out: dict[str, Decimal] = {}
    for r in rows:
        if len(r.code) == longest and r.values.get(column) is not None:
            out[r.code[:3]] = out.get(r.code[:3], Z) + r.values[column]
    return out


# ------------------------------------------------------------------ structure
# rows every table of a layout has: a table cut off (a lost page) loses them
REQUIRED_ROWS = {
    "two_sided": (("收入", "income_total", "本年收入合计"), ("收入", "grand_total", "收入总计"),
                  ("支出", "expenditure_total", "本年支出合计"), ("支出", "grand_total", "支出总计")),
    "by_function": (("", "total", "合计"),),
    "economic": (("", "personnel_total", "人员经费合计"), ("", "public_total", "公用经费合计")),
}


def check_structure(t: Table, log: CheckLog) -> None:
    """The layout's total rows are present, and no row appears twice.

    Without them the sums that would catch a wrong or lost value are not run, so
    a table cut off after any row, or a row read twice (a repeated line at a page
    break), would otherwise pass silently.  Structural findings, like the
    parser's, are recorded without run counts."""
    if not t.rows:
        return                      # table_no_rows / table_declared_empty says why
    for side, key, label in REQUIRED_ROWS.get(table_specs()[t.id]["layout"], ()):
        if t.find(key, side) is None:
            log.add("total_row_missing", "error",
                    f"{t.id}: no {label} row was read (the table may be cut off); "
                    "the checks that need it were not run", line=t.end or t.start,
                    table=t.id, expected=label, found="")
    seen: dict[tuple[str, str], object] = {}
    for r in t.rows:
        if r.key.startswith("label:"):
            continue                # unknown labels are findings of their own
        first = seen.setdefault((r.side, r.key), r)
        if first is not r:
            same = first.values == r.values
            log.add("duplicate_row", "warning" if same else "error",
                    f"{t.id}: row {r.item or r.key} appears again at line {r.line} (first at line "
                    f"{first.line}){' with the same values' if same else ' with other values'}; "
                    "both are counted in the sums", line=r.line, table=t.id,
                    expected=first.line, found=r.line)


# ------------------------------------------------------------------ within tables
def check_row_identities(t: Table, log: CheckLog) -> None:
    """Each row: total = Σ parts (基本 + 项目 = 合计, income total = Σ sources, …)."""
    ids = table_specs()[t.id]["identity_list"]
    for r in t.rows:
        for lhs, terms in ids:
            names = [lhs] + [n for _, n in terms]
            if not all(n in r.values for n in names):
                continue
            if any(r.values[n] is None for n in names):
                continue
            if all(r.status.get(n) == "reconstructed" for n in [lhs]) and len(terms) == 1:
                continue
            expected = sum(s * r.values[n] for s, n in terms)
            log.amounts("row_identity", expected, r.values[lhs], line=r.line, table=t.id, unit=t.precision,
                        terms=len(terms),
                        what=f"{t.id} {r.item}: {lhs} = " + " ".join(
                            ("+" if s > 0 else "-") + n for s, n in terms).lstrip("+"))


def check_sum_to_total(t: Table, log: CheckLog) -> None:
    """Detail rows (top level) sum to the 合计 row, column by column."""
    total = t.find("total")
    rows = t.details()
    if total is None:
        if t.rows:                  # the missing row is a total_row_missing error of its own
            log.skip("sum_to_total", f"{t.id} has no 合计 row")
        return
    # no detail rows at all (cut off after the 合计 row): Σ of nothing is 0
    top_len = min((len(r.code) for r in rows), default=0)
    top = [r for r in rows if len(r.code) == top_len]
    for col, label in t.columns.get("", []):
        if total.values.get(col) is None:
            continue
        if total.status.get(col) == "reconstructed":
            # the reconstructed value came from the row identity; still verify the column
            pass
        log.amounts("sum_to_total", _sum(r.values.get(col) for r in top), total.values[col],
                    line=total.line, table=t.id, unit=t.precision, terms=len(top),
                    what=f"{t.id} 合计 {label}: Σ {len(top)} rows")


def check_hierarchy(t: Table, log: CheckLog) -> None:
    """类 = Σ款 = Σ项 where the table lists several levels."""
    rows = t.details()
    by_len: dict[int, list] = {}
    for r in rows:
        by_len.setdefault(len(r.code), []).append(r)
    for parent_len, child_len in ((3, 5), (5, 7), (3, 7)):
        if parent_len not in by_len or child_len not in by_len:
            continue
        if parent_len == 3 and child_len == 7 and 5 in by_len:
            continue
        for p in by_len[parent_len]:
            kids = [c for c in by_len[child_len] if c.code.startswith(p.code)]
            if not kids:
                continue
            for col, label in t.columns.get("", []):
                if p.values.get(col) is None:
                    continue
                log.amounts("hierarchy_sum", _sum(k.values.get(col) for k in kids), p.values[col],
                            line=p.line, table=t.id, unit=t.precision, terms=len(kids),
                            what=f"{t.id} {p.code} {p.item} {label}: Σ of {len(kids)} sub-items")


def check_two_sided(t: Table, log: CheckLog) -> None:
    """公开01 / 公开04: sources sum to totals, both sides of 总计 agree."""
    inc = [r for r in t.rows if r.side == "收入"]
    exp = [r for r in t.rows if r.side == "支出"]
    cols = [c for c, _ in t.columns.get("支出", [("amount", "")])]
    sources = [r for r in inc if r.key in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe", "superior",
                                           "business", "operating", "affiliated", "other")]
    itotal = t.find("income_total", "收入")
    if itotal is not None and sources:
        log.amounts("income_sources_sum", _sum(r.values.get("amount") for r in sources),
                    itotal.values.get("amount"), line=itotal.line, table=t.id, unit=t.precision, terms=len(sources),
                    what=f"{t.id} 本年收入合计 = Σ {len(sources)} income sources")
    cb = t.find("carryover_begin", "收入")
    parts = [r for r in inc if r.key.startswith("carryover_begin_")]
    if cb is not None and parts:
        log.amounts("carryover_parts_sum", _sum(r.values.get("amount") for r in parts),
                    cb.values.get("amount"), line=cb.line, table=t.id, unit=t.precision, terms=len(parts),
                    what=f"{t.id} 年初结转和结余 = Σ its {len(parts)} parts")
    gi = t.find("grand_total", "收入")
    if gi is not None and itotal is not None:
        terms = [itotal] + [r for r in inc if r.key in ("use_nonfiscal_balance", "carryover_begin")]
        log.amounts("grand_total_income", _sum(r.values.get("amount") for r in terms),
                    gi.values.get("amount"), line=gi.line, table=t.id, unit=t.precision, terms=len(terms),
                    what=f"{t.id} 收入总计 = " + " + ".join(r.item for r in terms))
    classes = [r for r in exp if r.key.startswith("class:")]
    etotal = t.find("expenditure_total", "支出")
    ge = t.find("grand_total", "支出")
    for col in cols:
        if etotal is not None and classes and etotal.values.get(col) is not None:
            log.amounts("expense_classes_sum", _sum(r.values.get(col) for r in classes),
                        etotal.values[col], line=etotal.line, table=t.id, unit=t.precision, terms=len(classes),
                        what=f"{t.id} 本年支出合计 ({col}) = Σ {len(classes)} function classes")
        if ge is not None and etotal is not None and ge.values.get(col) is not None:
            terms = [etotal] + [r for r in exp if r.key in ("balance_distribution", "carryover_end")]
            log.amounts("grand_total_expense", _sum(r.values.get(col) for r in terms), ge.values[col],
                        line=ge.line, table=t.id, unit=t.precision, terms=len(terms),
                        what=f"{t.id} 支出总计 ({col}) = " + " + ".join(r.item for r in terms))
    if gi is not None and ge is not None:
        right = ge.values.get("total", ge.values.get("amount"))
        log.amounts("both_sides_equal", gi.values.get("amount"), right, line=ge.line, table=t.id, unit=t.precision,
                    what=f"{t.id} 收入总计 = 支出总计")


def check_ordinals(t: Table, log: CheckLog) -> None:
    """The 一、二、… prefixes of the function-class rows run in sequence."""
    rows = [r for r in t.rows if r.side == "支出" and r.ordinal is not None]
    for i, r in enumerate(rows, start=1):
        log.record("row_ordinals", r.ordinal == i, severity="warning", line=r.line, table=t.id,
                   message=f"{t.id}: row '{r.item}' is numbered {r.ordinal}, expected {i}",
                   expected=i, found=r.ordinal)


def check_economic(t: Table, log: CheckLog) -> None:
    """公开06: class = Σ items; 人员经费 = 301 + 303; 公用经费 = other classes; 合计 = both."""
    rows = [r for r in t.rows if r.code]
    classes = [r for r in rows if len(r.code) == 3]
    for c in classes:
        kids = [r for r in rows if len(r.code) == 5 and r.code.startswith(c.code)]
        if kids and c.values.get("amount") is not None:
            log.amounts("econ_class_sum", _sum(k.values.get("amount") for k in kids),
                        c.values["amount"], line=c.line, table=t.id, unit=t.precision, terms=len(kids),
                        what=f"{t.id} {c.code} {c.item} = Σ {len(kids)} items")
    pers = t.find("personnel_total")
    pub = t.find("public_total")
    tot = t.find("total")
    pc = [c for c in classes if c.side == "人员经费"]
    uc = [c for c in classes if c.side == "公用经费"]
    if pers is not None:
        log.amounts("personnel_public_sum", _sum(c.values.get("amount") for c in pc),
                    pers.values.get("amount"), line=pers.line, table=t.id, unit=t.precision, terms=len(pc),
                    what=f"{t.id} 人员经费合计 = Σ " + "+".join(c.code for c in pc))
    if pub is not None:
        log.amounts("personnel_public_sum", _sum(c.values.get("amount") for c in uc),
                    pub.values.get("amount"), line=pub.line, table=t.id, unit=t.precision, terms=len(uc),
                    what=f"{t.id} 公用经费合计 = Σ " + "+".join(c.code for c in uc))
    if tot is not None and pers is not None and pub is not None:
        log.amounts("personnel_plus_public", _sum([pers.values.get("amount"), pub.values.get("amount")]),
                    tot.values.get("amount"), line=tot.line, table=t.id, unit=t.precision, terms=2,
                    what=f"{t.id} 合计 = 人员经费 + 公用经费")


# ------------------------------------------------------------------ across tables
def _absent(log: CheckLog, check: str, tables: dict[str, Table], *ids: str) -> bool:
    """Whether a table ``check`` needs is absent; if so the comparison is recorded as
    skipped (the absence is one ``table_present`` error, not one per check)."""
    missing = [i for i in ids if tables.get(i) is None or not tables[i].present]
    if missing:
        log.skip(check, "、".join(missing) + " absent")
    return bool(missing)


def _has_total(log: CheckLog, check: str, t: Table) -> bool:
    """Whether ``t`` has its 合计 row (else the comparison is skipped; an empty table declared
    empty has nothing to compare, a table cut off before it is a total_row_missing error)."""
    if t.find("total") is not None:
        return True
    log.skip(check, f"{t.id} has no 合计 row" + (" (declared empty)" if t.declared_empty else ""))
    return False


def check_across(tables: dict[str, Table], log: CheckLog) -> None:
    t1, t2, t3, t4, t5, t6 = (tables.get(f"公开0{i}") for i in range(1, 7))
    t8, t9 = tables.get("公开08"), tables.get("公开09")

    precision = max((t.precision for t in tables.values() if t is not None and t.present),
                    default=Decimal("0.01"))

    def cmp(check, expected, found, what, table, line=None):
        if expected is None and found is None:
            return
        log.amounts(check, expected if expected is not None else Z,
                    found if found is not None else Z, what=what, table=table, line=line,
                    unit=precision, terms=2)

    # 01 vs 02: income total and each source
    if not _absent(log, "x01_02", tables, "公开01", "公开02") and _has_total(log, "x01_02", t2):
        tot2 = t2.find("total")
        pairs = [("income_total", "total", "本年收入合计"), ("superior", "superior", "上级补助收入"),
                 ("business", "business", "事业收入"), ("operating", "operating", "经营收入"),
                 ("affiliated", "affiliated", "附属单位上缴收入"), ("other", "other", "其他收入")]
        for key, col, label in pairs:
            cmp("x01_02", _val(t1, key, side="收入"), tot2.values.get(col),
                f"公开02 合计 {label} vs 公开01", "公开02", tot2.line)
        fiscal = _sum(_val(t1, k, side="收入") for k in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"))
        cmp("x01_02", fiscal, tot2.values.get("fiscal"), "公开02 合计 财政拨款收入 vs 公开01 三项财政拨款收入之和",
            "公开02", tot2.line)
    # 01 vs 03 and 04 vs 05: the expenditure total and each function class
    def total_and_classes(check, src_id, col, dst_id, label):
        src, dst = tables.get(src_id), tables.get(dst_id)
        if _absent(log, check, tables, src_id, dst_id) or not _has_total(log, check, dst):
            return
        tot = dst.find("total")
        cmp(check, _val(src, "expenditure_total", col, "支出"), tot.values.get("total"),
            f"{dst.id} 合计 vs {src.id} 本年支出合计{label}", dst.id, tot.line)
        sums = _class_sums(dst, "total")
        for r in src.rows:
            if r.key.startswith("class:") and (r.values.get(col) or sums.get(r.code)):
                cmp(check, r.values.get(col), sums.get(r.code, Z),
                    f"{dst.id} Σ {r.code} {r.item} vs {src.id}{label}", dst.id, r.line)

    total_and_classes("x01_03", "公开01", "amount", "公开03", "")
    total_and_classes("x04_05", "公开04", "gpb", "公开05", "（一般公共预算）")
    # 01 vs 04: fiscal income lines
    if not _absent(log, "x01_04", tables, "公开01", "公开04"):
        for key, label in (("fiscal_gpb", "一般公共预算财政拨款"), ("fiscal_gov_fund", "政府性基金预算财政拨款"),
                           ("fiscal_soe", "国有资本经营预算财政拨款")):
            r4 = t4.find(key, "收入")
            cmp("x01_04", _val(t1, key, side="收入"), _val(t4, key, side="收入"),
                f"公开04 {label}收入 vs 公开01", "公开04", r4.line if r4 else None)
    # 05 basic vs 06 (its 合计, or 人员经费合计 + 公用经费合计 where it has no 合计 row)
    if not _absent(log, "x05_06", tables, "公开05", "公开06") and _has_total(log, "x05_06", t5):
        r6 = t6.find("total")
        parts6 = [t6.find("personnel_total"), t6.find("public_total")]
        if r6 is not None:
            cmp("x05_06", t5.find("total").values.get("basic"), _val(t6, "total"),
                "公开06 合计 vs 公开05 合计 基本支出", "公开06", r6.line)
        elif all(parts6):
            cmp("x05_06", t5.find("total").values.get("basic"),
                _sum(r.values.get("amount") for r in parts6),
                "公开06 人员经费合计 + 公用经费合计 vs 公开05 合计 基本支出", "公开06", parts6[1].line)
    # 03 vs 05: general-budget spending is part of all spending, item by item
    if not _absent(log, "x03_05", tables, "公开03", "公开05"):
        rows3 = {r.code: r for r in t3.details()}
        for r5 in t5.details():
            r3 = rows3.get(r5.code)
            if r3 is None:
                log.record("x03_05", False, severity="error", line=r5.line, table="公开05",
                           message=f"公开05 {r5.code} {r5.item} does not appear in 公开03",
                           expected=r5.code, found="")
                continue
            for col in ("total", "basic", "project"):
                a5, a3 = r5.values.get(col), r3.values.get(col)
                if a5 is None or a3 is None:
                    continue
                log.record("x03_05", a5 <= a3, severity="error", line=r5.line, table="公开05",
                           message=f"公开05 {r5.code} {r5.item} {col} {a5} exceeds 公开03 {a3}",
                           expected=f"<= {a3}", found=a5)
    # 04 vs 08 / 09: government-fund and state-capital spending
    for tid, other, col, label in (("公开08", t8, "gov_fund", "政府性基金预算"),
                                   ("公开09", t9, "soe", "国有资本经营预算")):
        check = "x04_08" if tid == "公开08" else "x04_09"
        if _absent(log, check, tables, "公开04", tid):
            continue
        spent4 = _val(t4, "expenditure_total", col, "支出")
        tot = other.find("total")
        spent = tot.values.get("total") if tot else (Z if other.declared_empty else None)
        cmp(check, spent4, spent, f"{other.id} 本年支出 vs 公开04 {label}", other.id,
            tot.line if tot else other.start)


# the checks a table of each layout runs (skipped, with the reason, when the table is absent)
LAYOUT_CHECKS = {
    "by_function": ("row_identity", "sum_to_total", "hierarchy_sum"),
    "two_sided": ("income_sources_sum", "grand_total_income", "grand_total_expense",
                  "expense_classes_sum", "both_sides_equal", "row_ordinals"),
    "economic": ("econ_class_sum", "personnel_public_sum", "personnel_plus_public"),
    "sangong": ("row_identity",),
}


def check_tables(tables: dict[str, Table], log: CheckLog) -> None:
    for t in tables.values():
        if not t.present:
            for check in LAYOUT_CHECKS.get(table_specs()[t.id]["layout"], ()):
                log.skip(check, f"{t.id} absent")
            continue
        layout = table_specs()[t.id]["layout"]
        check_structure(t, log)
        check_row_identities(t, log)
        if layout == "by_function":
            check_sum_to_total(t, log)
            check_hierarchy(t, log)
        elif layout == "two_sided":
            check_two_sided(t, log)
            check_ordinals(t, log)
        elif layout == "economic":
            check_economic(t, log)
    check_across(tables, log)
