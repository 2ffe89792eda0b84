"""Analysis on the clean tables: budget vs actual, PEFA-style outturn, structure, projects.

Functions take the tidy DataFrames in either form ``helpers.load`` gives them — exact
(``Decimal`` / ``None``, ``exact=True``) or pandas-native (float64 rounded to the fen / NaN) —
and return DataFrames or small dicts; they never read files and never use float for sums:
every value is read through :func:`num`, which gives the exact ``Decimal`` back (a float64
amount rounded to 0.01 元 has the decimal text it was read from as its shortest repr).

Bands (completion rate, PEFA PI-1/PI-2) are method parameters (:mod:`juesuan.method`), not data.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from . import method as _method
from .numbers import ratio

Z = Decimal(0)

PI1_BANDS = _method.PI1_BANDS
PI2_BANDS = _method.PI2_BANDS


def num(v) -> Decimal | None:
    """An exact Decimal from a cell of either dtype; None for a missing value (None, NaN, NA)."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, Decimal):
        return v if v.is_finite() else None
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, np.integer)):
        return Decimal(int(v))
    if isinstance(v, (float, np.floating)):
        return Decimal(repr(float(v))) if np.isfinite(v) else None
    try:
        return Decimal(str(v)) if str(v).strip() else None
    except InvalidOperation:
        return None


def nums(values) -> list:
    return [num(v) for v in values]


def dsum(values) -> Decimal:
    return sum((v for v in nums(values) if v is not None), Z)


def _m(m):
    return m if m is not None else _method.DEFAULT


def pi1_band(rate, m=None) -> str:
    return _m(m).pi1_band(num(rate))


def pi2_band(variance, m=None) -> str:
    return _m(m).pi2_band(num(variance))


def col(df: pd.DataFrame, name: str) -> list:
    """A column's exact values (``None`` for every row when the column is absent: older clean data)."""
    return nums(df[name]) if name in df.columns else [None] * len(df)


def text_col(df: pd.DataFrame, name: str) -> list[str]:
    """A text column as str ("" for a missing value or an absent column: never "None" / "nan")."""
    if name not in df.columns:
        return [""] * len(df)
    return [clean_text(v) for v in df[name]]


def clean_text(v) -> str:
    """A text cell for a reader: "" for None / NaN / NA / NaT."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float) and v != v:
        return ""
    return str(v)


def with_basis(bo: pd.DataFrame) -> pd.DataFrame:
    """A copy of budget_outturn with the budget each item's execution is measured against.

    ``basis`` is ``initial`` (年初预算 > 0: the PEFA view), ``full`` (no 年初预算 but a 全年预算 /
    调整后预算 ``full_budget_yuan`` > 0: a unit founded in the year, an item added during it) or
    ``none``; ``basis_budget_yuan`` and ``basis_rate`` (actual ÷ that budget) go with it.  Works when
    ``full_budget_yuan`` / ``full_completion_rate`` are absent (older clean data: no ``full``).
    ``stated_basis``: 年初预算 / 全年预算 — the budget the report's stated rate names
    (``stated_rate_basis``; "" when unknown)."""
    df = bo.copy()
    init, full, actual = col(df, "initial_budget_yuan"), col(df, "full_budget_yuan"), col(df, "actual_yuan")
    rate, full_rate = col(df, "completion_rate"), col(df, "full_completion_rate")
    basis, budget, brate = [], [], []
    for i, f, a, r, fr in zip(init, full, actual, rate, full_rate):
        if i is not None and i != 0:
            basis.append("initial"), budget.append(i), brate.append(r if r is not None else ratio(a, i))
        elif f is not None and f != 0:
            basis.append("full"), budget.append(f), brate.append(fr if fr is not None else ratio(a, f))
        else:
            basis.append("none"), budget.append(None), brate.append(None)
    df["stated_basis"] = pd.Series([{"initial": "年初预算", "full": "全年预算"}.get(v, "")
                                    for v in text_col(df, "stated_rate_basis")], index=df.index, dtype=object)
    df["basis"] = pd.Series(basis, index=df.index, dtype=object)
    df["basis_budget_yuan"] = pd.Series(budget, index=df.index, dtype=object)
    df["basis_rate"] = pd.Series(brate, index=df.index, dtype=object)
    return df


def with_bands(bo: pd.DataFrame, m=None) -> pd.DataFrame:
    """A copy of budget_outturn with ``basis`` (:func:`with_basis`) and a ``band`` column: the
    method's completion band of the rate against 年初预算; an item with only a 全年预算 gets no band
    but the label :data:`juesuan.method.FULL_ONLY`; an item with neither, :data:`~juesuan.method.NO_BUDGET`."""
    df = with_basis(bo)
    mm = _m(m)
    df["band"] = pd.Series([_method.FULL_ONLY if b == "full" else mm.band(r if b == "initial" else None)
                            for b, r in zip(df.basis, df.basis_rate)], index=df.index, dtype=object)
    return df


# ------------------------------------------------------------------ budget vs actual
def outturn(bo: pd.DataFrame, m=None) -> pd.DataFrame:
    """Budget-vs-actual items with their band, sorted by completion rate (no-budget items last)."""
    df = with_bands(bo, m)
    df["deviation_abs_yuan"] = [abs(v) if v is not None else None for v in col(df, "deviation_yuan")]
    # items against 年初预算 by rate, then the ones against 全年预算 by rate, then those without a budget
    order = {"initial": 0, "full": 1, "none": 2}
    keys = [(order[b], r if r is not None else Decimal("Infinity")) for b, r in zip(df.basis, df.basis_rate)]
    return df.iloc[sorted(range(len(df)), key=lambda i: keys[i])].reset_index(drop=True)


def band_summary(bo: pd.DataFrame, m=None) -> pd.DataFrame:
    """Items, Σ budget and Σ actual per completion band (against 年初预算), then the items measured
    against 全年预算 only (``budget_yuan`` is Σ 全年预算 there), then those without a budget."""
    labels = _m(m).labels
    bo = with_bands(bo, m)
    rows = []
    for band in [labels[k] for k in _method.BAND_KINDS if k != "none"] + [_method.FULL_ONLY, labels["none"]]:
        part = bo[bo.band == band]
        rows.append({"band": band, "items": len(part),
                     "initial_budget_yuan": dsum(part.basis_budget_yuan),
                     "actual_yuan": dsum(part.actual_yuan)})
    return pd.DataFrame(rows)


def largest_deviations(bo: pd.DataFrame, n: int = 5, m=None) -> pd.DataFrame:
    """Items whose actual moved furthest from their budget (in 元, either way), with their band.

    The budget is 年初预算, else 全年预算 (:func:`with_basis`); an item with neither counts with its
    whole actual.
    """
    df = with_bands(bo, m)
    dev = []
    for budget, actual in zip(df.basis_budget_yuan, col(df, "actual_yuan")):
        dev.append((actual or Z) - (budget or Z))
    df["movement_yuan"] = dev
    df["_abs"] = [abs(v) for v in dev]
    return df.sort_values("_abs", ascending=False, kind="stable").drop(columns="_abs").head(n).reset_index(drop=True)


def reason_groups(bo: pd.DataFrame) -> pd.DataFrame:
    """Stated reasons grouped into categories, with the items under each (budget: 年初预算, else
    全年预算, :func:`with_basis`; items without a stated category are left out)."""
    cols = ["reason_category", "items", "names", "initial_budget_yuan", "actual_yuan", "movement_yuan"]
    if not len(bo) or "reason_category" not in bo.columns:
        return pd.DataFrame(columns=cols)
    bo = with_basis(bo)
    bo = bo.assign(reason_category=text_col(bo, "reason_category"))
    bo = bo[bo.reason_category != ""]
    rows = []
    for cat, part in bo.groupby("reason_category", sort=False):
        rows.append({"reason_category": cat, "items": len(part),
                     "names": "、".join(n for n in text_col(part, "name") if n),
                     "initial_budget_yuan": dsum(part.basis_budget_yuan),
                     "actual_yuan": dsum(part.actual_yuan),
                     "movement_yuan": dsum(part.actual_yuan) - dsum(part.basis_budget_yuan)})
    return pd.DataFrame(rows, columns=cols).sort_values("items", ascending=False, kind="stable").reset_index(drop=True)


def aggregate_outturn(bo: pd.DataFrame, stated_budget: Decimal | None = None,
                      stated_actual: Decimal | None = None, m=None) -> dict:
    """PI-1 style: total actual / total initial budget for one year."""
    stated_budget, stated_actual = num(stated_budget), num(stated_actual)
    budget = stated_budget if stated_budget is not None else dsum(col(bo, "initial_budget_yuan"))
    actual = stated_actual if stated_actual is not None else dsum(col(bo, "actual_yuan"))
    rate = ratio(actual, budget)
    return {"initial_budget_yuan": budget, "actual_yuan": actual, "rate": rate,
            "deviation_yuan": actual - budget, "pi1_band": pi1_band(rate, m)}


def full_outturn(bo: pd.DataFrame, stated_budget=None, stated_actual=None) -> dict:
    """Execution against 全年预算 (调整后预算): Σ actual ÷ Σ ``full_budget_yuan`` over the items that
    state one (or the stated totals).  Not a PEFA measure (PI-1 is on the original budget)."""
    stated_budget, stated_actual = num(stated_budget), num(stated_actual)
    full, actual = col(bo, "full_budget_yuan"), col(bo, "actual_yuan")
    have = [i for i, f in enumerate(full) if f is not None and f != 0]
    budget = stated_budget if stated_budget else (sum((full[i] for i in have), Z) if have else None)
    act = stated_actual if stated_actual is not None else (sum((actual[i] or Z for i in have), Z) if have else None)
    rate = ratio(act, budget) if budget else None
    return {"full_budget_yuan": budget, "actual_yuan": act, "rate": rate, "items": len(have),
            "deviation_yuan": (act - budget) if rate is not None else None}


def execution_view(bo: pd.DataFrame, stated_budget=None, stated_actual=None, stated_full=None, m=None) -> dict:
    """The one view of budget execution a chapter states: against 年初预算 when there is one (the
    PEFA PI-1 view, ``basis`` "initial"), else against 全年预算 (``basis`` "full", named as such),
    else ``basis`` "none".  Keys: basis, budget_label, budget_yuan, actual_yuan, rate, deviation_yuan,
    pi1_band ("—" unless initial), and the item counts of :func:`basis_counts`."""
    agg = aggregate_outturn(bo, stated_budget, stated_actual, m=m)
    counts = basis_counts(bo)
    if agg["rate"] is not None:
        return {"basis": "initial", "budget_label": "年初预算", "budget_yuan": agg["initial_budget_yuan"],
                "actual_yuan": agg["actual_yuan"], "rate": agg["rate"], "deviation_yuan": agg["deviation_yuan"],
                "pi1_band": agg["pi1_band"], **counts}
    full = full_outturn(bo, stated_full, stated_actual if stated_full else None)
    if full["rate"] is not None:
        return {"basis": "full", "budget_label": "全年预算", "budget_yuan": full["full_budget_yuan"],
                "actual_yuan": full["actual_yuan"], "rate": full["rate"], "deviation_yuan": full["deviation_yuan"],
                "pi1_band": "—", **counts}
    return {"basis": "none", "budget_label": "", "budget_yuan": None, "actual_yuan": agg["actual_yuan"],
            "rate": None, "deviation_yuan": None, "pi1_band": "—", **counts}


def basis_counts(bo: pd.DataFrame) -> dict:
    """How many items are measured against 年初预算, against 全年预算 only, and against neither."""
    b = list(with_basis(bo).basis) if len(bo) else []
    return {"items": len(b), "initial_items": b.count("initial"), "full_items": b.count("full"),
            "none_items": b.count("none")}


def execution_sentence(view: dict, year, what: str = "一般公共预算财政拨款支出", stated=None) -> str:
    """One Chinese sentence on the execution view (:func:`execution_view`), naming the budget it is
    measured against (``stated``: the rate the report states, shown beside); "" when there is no
    budget to measure against."""
    from .numbers import fmt_pct, fmt_wan
    if view["rate"] is None:
        return ""
    label = view["budget_label"]
    dev = view["deviation_yuan"]
    out = (f"{year}年度{what}{label} **{fmt_wan(view['budget_yuan'])} 万元**，决算 **{fmt_wan(view['actual_yuan'])} 万元**，"
           f"完成{label}的 **{fmt_pct(view['rate'])}**" + (f"（报告所述 {fmt_pct(stated)}）" if num(stated) is not None else "")
           + f"，决算比{label}{'多' if dev >= 0 else '少'} {fmt_wan(abs(dev))} 万元。")
    if view["basis"] == "full":
        out += "本报告没有年初预算（如年内新设的单位），以上按全年预算（调整后预算）计算；PEFA PI-1 按年初预算计，不适用。"
    return out


def composition_variance(budget, actual, m=None) -> dict:
    """PI-2 style composition variance.

    The budget of each line is scaled to the aggregate outturn
    (budget_i × Σactual / Σbudget); variance = Σ|actual_i − adjusted_i| / Σ adjusted_i.
    """
    budget = [b if b is not None else Z for b in nums(budget)]
    actual = [a if a is not None else Z for a in nums(actual)]
    tb, ta = sum(budget, Z), sum(actual, Z)
    if tb == 0:
        return {"variance": None, "pi2_band": "—", "lines": len(budget)}
    adjusted = [b * ta / tb for b in budget]
    var = sum((abs(a - adj) for a, adj in zip(actual, adjusted)), Z) / sum(adjusted, Z)
    var = ratio(var, Decimal(1))
    return {"variance": var, "pi2_band": pi2_band(var, m), "lines": len(budget),
            "budget_yuan": tb, "actual_yuan": ta}


# ------------------------------------------------------------------ structure
INCOME_KEYS = [("fiscal_gpb", "一般公共预算财政拨款"), ("fiscal_gov_fund", "政府性基金预算财政拨款"),
               ("fiscal_soe", "国有资本经营预算财政拨款"), ("superior", "上级补助收入"),
               ("business", "事业收入"), ("operating", "经营收入"),
               ("affiliated", "附属单位上缴收入"), ("other", "其他收入")]


def table_cells(li: pd.DataFrame, table: str, column: str | None = None) -> pd.DataFrame:
    part = li[li.table == table]
    if column is not None:
        part = part[part.column == column]
    return part


def income_by_source(li: pd.DataFrame, table: str = "公开01") -> pd.DataFrame:
    """本年收入 by source (公开01, or 预算01 of a budget report) with shares."""
    part = table_cells(li, table)
    part = part[part.side == "收入"]
    amounts = {}
    for k, v in zip(part.row_key, nums(part.amount_yuan)):      # the first column a row has (amount / total)
        if v is not None:
            amounts.setdefault(k, v)
    total = amounts.get("income_total")
    if total is None and table.startswith("预算") and amounts.get("grand_total") is not None:
        total = amounts["grand_total"] - amounts.get("carryover", Z)    # see year_totals
    keys = list(INCOME_KEYS)
    if amounts.get("fiscal") and not any(amounts.get(k) for k, _ in INCOME_KEYS[:3]):
        keys.insert(0, ("fiscal", "财政拨款收入"))    # a budget's 预算01 may give 财政拨款 only as one row
    rows = [{"source": label, "amount_yuan": amounts.get(key, Z), "share": ratio(amounts.get(key, Z), total)}
            for key, label in keys if amounts.get(key)]
    return pd.DataFrame(rows, columns=["source", "amount_yuan", "share"])


def expenditure_by_class(li: pd.DataFrame, table: str = "公开03", column: str = "total") -> pd.DataFrame:
    """Σ of 项 rows per 类 (from 公开03 or 公开05) with shares."""
    from .extract.tabular.tables import class_names
    part = table_cells(li, table, column)
    part = part[part.code.str.len() > 0]
    if part.empty:
        return pd.DataFrame(columns=["code", "name", "amount_yuan", "share"])
    longest = part.code.str.len().max()
    part = part[part.code.str.len() == longest]
    sums: dict[str, Decimal] = {}
    for code, amount in zip(part.code, nums(part.amount_yuan)):
        sums[code[:3]] = sums.get(code[:3], Z) + (amount or Z)
    total = sum(sums.values(), Z)
    rows = [{"code": c, "name": class_names().get(c, c), "amount_yuan": v, "share": ratio(v, total)}
            for c, v in sorted(sums.items(), key=lambda kv: -kv[1])]
    return pd.DataFrame(rows)


def basic_vs_project(li: pd.DataFrame, table: str = "公开03") -> dict:
    part = table_cells(li, table)
    tot = part[part.row_key == "total"]
    vals = dict(zip(tot.column, nums(tot.amount_yuan)))
    total = vals.get("total")
    return {"basic_yuan": vals.get("basic"), "project_yuan": vals.get("project"), "total_yuan": total,
            "basic_share": ratio(vals.get("basic"), total), "project_share": ratio(vals.get("project"), total)}


def cell(li: pd.DataFrame, table: str, row_key: str, column: str = "amount", side: str | None = None):
    part = li[(li.table == table) & (li.row_key == row_key) & (li.column == column)]
    if side is not None:
        part = part[part.side == side]
    return part.amount_yuan.iloc[0] if len(part) else None


def first_cell(li: pd.DataFrame, table: str, row_key: str, columns=("amount", "total"), side: str | None = None):
    """The amount at (table, row_key) in the first of ``columns`` the table has (公开06 keeps its
    amounts in ``amount``, a budget's 预算06 may in ``total``); None when there is none."""
    for c in columns:
        v = cell(li, table, row_key, c, side)
        if v is not None:
            return v
    return None


def year_totals(li: pd.DataFrame, table: str = "公开01") -> dict:
    """收入总计 and the year's own 收入 / 支出 of a two-sided summary table (公开01, 预算01).

    A budget's 收支总表 often prints only 收入总计 / 支出总计: the year's own figure is then the
    总计 less what it says came from (上年结转) or goes to (结转下年) other years — or the 总计
    itself when it names neither.  ``derived`` names the figures worked out that way."""
    grand = first_cell(li, table, "grand_total", side="收入")
    grand_out = first_cell(li, table, "grand_total", side="支出")
    total_in = first_cell(li, table, "income_total", side="收入")
    total_out = first_cell(li, table, "expenditure_total", side="支出")
    derived = []
    if total_in is None and grand is not None and table.startswith("预算"):
        total_in = grand - (first_cell(li, table, "carryover", side="收入") or Z)
        derived.append("income_total")
    if total_out is None and grand_out is not None and table.startswith("预算"):
        total_out = grand_out - (first_cell(li, table, "carryover_next", side="支出") or Z)
        derived.append("expenditure_total")
    return {"grand_total": grand, "grand_total_out": grand_out, "income_total": total_in,
            "expenditure_total": total_out, "derived": derived}


# ------------------------------------------------------------------ projects
PROJECT_RATE_THRESHOLD = Decimal("0.8")     # execution rate below: 执行低
PROJECT_SCORE_THRESHOLD = Decimal("90")     # self-score at or above: 自评高
RATE_MISMATCH_PP = Decimal("0.5")           # stated vs recomputed execution rate, percentage points


def project_quadrants(pr: pd.DataFrame, rate_threshold: Decimal = PROJECT_RATE_THRESHOLD,
                      score_threshold: Decimal = PROJECT_SCORE_THRESHOLD) -> pd.DataFrame:
    """Each project's quadrant: execution rate vs self-score."""
    df = pr.copy()
    quad = []
    for rate, score in zip(nums(df.execution_rate), nums(df.score)):
        if rate is None or score is None:
            quad.append("—")
            continue
        hi_rate = rate >= rate_threshold
        hi_score = score >= score_threshold
        quad.append({(True, True): "执行好·自评高", (False, True): "执行低·自评高",
                     (True, False): "执行好·自评低", (False, False): "执行低·自评低"}[(hi_rate, hi_score)])
    df["quadrant"] = quad
    return df


def low_execution_high_score(pr: pd.DataFrame, **kw) -> pd.DataFrame:
    q = project_quadrants(pr, **kw)
    out = q[q.quadrant == "执行低·自评高"]
    return out.sort_values("execution_rate", kind="stable").reset_index(drop=True)


def rate_mismatches(pr: pd.DataFrame, threshold_pp: Decimal = RATE_MISMATCH_PP) -> pd.DataFrame:
    """Projects whose stated execution rate differs from the recomputed one by at least
    ``threshold_pp`` percentage points."""
    rows = []
    for _, p in pr.iterrows():
        r, s = num(p.execution_rate), num(p.stated_execution_rate)
        if r is not None and s is not None:
            diff = (s - r) * 100
            if abs(diff) >= threshold_pp:
                rows.append({"project_no": p.project_no, "project": p.project, "execution_rate": r,
                             "stated_execution_rate": s, "difference_pp": diff})
    return pd.DataFrame(rows, columns=["project_no", "project", "execution_rate",
                                       "stated_execution_rate", "difference_pp"])


# ------------------------------------------------------------------ findings
def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    order = {"error": 0, "warning": 1, "info": 2}
    df = findings.groupby(["severity", "check"]).size().reset_index(name="count")
    df["_o"] = df.severity.map(order)
    return df.sort_values(["_o", "count"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def project_summary(pr: pd.DataFrame, rate_threshold: Decimal = PROJECT_RATE_THRESHOLD,
                    score_threshold: Decimal = PROJECT_SCORE_THRESHOLD) -> dict:
    """Headline numbers of the project self-evaluations."""
    import statistics
    rates = [r for r in nums(pr.execution_rate) if r is not None]
    scores = [s for s in nums(pr.score) if s is not None]
    budget, executed = dsum(pr.annual_budget_yuan), dsum(pr.executed_yuan)
    low = low_execution_high_score(pr, rate_threshold=rate_threshold, score_threshold=score_threshold)
    return {"projects": len(pr), "annual_budget_yuan": budget, "executed_yuan": executed,
            "execution_rate": ratio(executed, budget),
            "median_score": statistics.median(scores) if scores else None,
            "min_score": min(scores, default=None), "max_score": max(scores, default=None),
            "below_rate": sum(1 for r in rates if r < rate_threshold),
            "low_execution_high_score": len(low)}


def change_word(current, prior, up: str = "增加", down: str = "减少", same: str = "持平") -> str:
    """增加 / 减少 / 持平 for two amounts ("—" when one is missing)."""
    current, prior = num(current), num(prior)
    if current is None or prior is None:
        return "—"
    return up if current > prior else down if current < prior else same


def vs_prior_budget(budget, prior, change=None) -> str:
    """"，比上年预算增加 X 万元" / "，与上年预算持平" (the clause a budget's sentence needs);
    "" when the prior-year budget is not known."""
    from .numbers import fmt_wan
    budget, prior, change = num(budget), num(prior), num(change)
    if budget is None or prior is None:
        return ""
    word = change_word(budget, prior)
    if word == "持平":
        return "，与上年预算持平"
    amount = abs(change) if change else abs(budget - prior)
    return f"，比上年预算{word} {fmt_wan(amount)} 万元"


def keep_rows(df: pd.DataFrame, mask) -> pd.DataFrame:
    """Rows where ``mask`` (a list of booleans) is true; safe on empty frames."""
    return df.loc[pd.Series(list(mask), index=df.index, dtype=bool)] if len(df) else df


# ------------------------------------------------------------------ several reports
STRUCTURE_TABLES = ("公开03", "预算03", "预算05")     # the function-class table of a report, in this order


def panel_class_shares(li: pd.DataFrame) -> pd.DataFrame:
    """Expenditure by function class (most detailed level) per report, with shares: a final
    account's 公开03, a budget's 预算03 (支出预算总表) or, without it, 预算05 (一般公共预算支出功能
    分类预算表); ``table`` names the one used."""
    rows = []
    if not len(li):
        return pd.DataFrame(columns=["year", "department", "table", "code", "name", "amount_yuan", "share"])
    for (year, dept), part in li.groupby(["year", "department"], sort=True):
        have = set(text_col(part, "table"))
        for tid in STRUCTURE_TABLES:
            by = expenditure_by_class(part, tid) if tid in have else pd.DataFrame()
            if len(by):
                break
        for r in by.itertuples():
            rows.append({"year": year, "department": dept, "table": tid, "code": r.code, "name": r.name,
                         "amount_yuan": r.amount_yuan, "share": r.share})
    return pd.DataFrame(rows, columns=["year", "department", "table", "code", "name", "amount_yuan", "share"])


def panel_sangong(sg: pd.DataFrame, li: pd.DataFrame) -> pd.DataFrame:
    """The 三公 total of every report: a final account's row of ``sangong`` (budget, actual, prior
    year, completion, change), a budget's 预算07 (its ``total`` column; ``sangong`` holds no
    budget total for a budget).  ``kind``: 决算 / 预算."""
    cols = ["year", "department", "kind", "budget_yuan", "budget_text_yuan", "actual_yuan", "prior_yuan",
            "completion_rate", "change_rate"]
    rows = {}
    t = sg[sg.category == "total"] if len(sg) and "category" in sg.columns else sg.iloc[0:0]
    for r in t.itertuples():
        vals = {c: num(getattr(r, c, None)) for c in cols[3:]}
        if any(v is not None for v in vals.values()):
            rows[(r.year, r.department)] = {"year": r.year, "department": r.department, "kind": "决算", **vals}
    b7 = li[(li.table == "预算07") & (li.column == "total")] if len(li) and "table" in li.columns else li.iloc[0:0]
    for (year, dept), part in b7.groupby(["year", "department"], sort=True) if len(b7) else []:
        v = next((x for x in col(part, "amount_yuan") if x is not None), None)
        if v is not None:
            rows[(year, dept)] = {"year": year, "department": dept, "kind": "预算", "budget_yuan": v,
                                  **{c: None for c in cols[4:]}}
    out = pd.DataFrame([rows[k] for k in sorted(rows)], columns=cols)
    return out


def checks_by_check(c: pd.DataFrame, label, title=None, named: int | None = 12) -> pd.DataFrame:
    """The failed checks of many reports, readable at any number of them: one row per check with
    how many reports fail it, how many times in all, and the reports (each with its count; the
    ``named`` failing most when more, then “等 N 份”), the most failing first.
    ``label(year, department)`` names a report, ``title(check)`` a check."""
    cols = ["check", "reports", "failed", "which"]
    if not len(c):
        return pd.DataFrame(columns=cols)
    fails = c[[num(v) is not None and num(v) > 0 for v in c.failed]] if len(c) else c
    rows = []
    for check, part in fails.groupby("check", sort=False):
        per = {}
        for y, dpt, f in zip(part.year, part.department, col(part, "failed")):
            per[(y, dpt)] = per.get((y, dpt), Z) + f
        order = sorted(per.items(), key=lambda kv: (-kv[1], kv[0][0], natural_key(kv[0][1])))
        which = "；".join(f"{label(y, dpt)} {int(n)}" for (y, dpt), n in order[:named])
        if named is not None and len(order) > named:
            which += f"……等 {len(order)} 份报告"
        rows.append({"check": title(check) if title else check, "reports": len(per),
                     "failed": int(sum(per.values(), Z)), "which": which})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["reports", "failed"], ascending=False, kind="stable").reset_index(drop=True)


def panel_outturn(bo: pd.DataFrame, m=None) -> pd.DataFrame:
    """Per report: items, Σ initial budget, Σ actual, aggregate rate, PI-1 band, counts per band."""
    rows = []
    labels = _m(m).labels
    for (year, dept), part in with_bands(bo, m).groupby(["year", "department"], sort=True):
        agg = aggregate_outturn(part, m=m)
        row = {"year": year, "department": dept, "items": len(part), **agg}
        for kind in _method.BAND_KINDS:
            row[labels[kind]] = int((part.band == labels[kind]).sum())
        rows.append(row)
    cols = ["year", "department", "items", "initial_budget_yuan", "actual_yuan", "rate", "deviation_yuan", "pi1_band",
            *(labels[k] for k in _method.BAND_KINDS)]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(cols + [c for r in rows for c in r])))


def panel_reports_text(r: pd.DataFrame) -> str:
    """One sentence on many reports (the panel's ``reports`` with ``kind_zh``): how many, of how
    many departments and years, 预算 and 决算, Σ 本年支出 of each kind, errors and warnings."""
    from .numbers import fmt_wan
    kinds = text_col(r, "kind_zh")
    years = sorted({int(y) for y in r.year})
    spend = {}
    for k, v in zip(kinds, r.expenditure_total_yuan):
        if num(v) is not None:
            spend[k] = spend.get(k, Decimal(0)) + num(v)
    errors = [int(num(e) or 0) for e in r.errors]
    warnings = [int(num(w) or 0) for w in r.warnings]
    with_errors = sum(1 for e in errors if e)
    return (f"本章把 {len(r)} 份报告放在一起比较（数据来自 data/clean/panel/，金额均已换算为元）："
            f"{len(set(text_col(r, 'department_name')))} 个部门，"
            f"{'、'.join(str(y) for y in years)}年度；"
            + "、".join(f"{k} {kinds.count(k)} 份（本年支出合计 {fmt_wan(spend.get(k, Decimal(0)))} 万元）"
                       for k in ("预算", "决算") if kinds.count(k))
            + f"。错误共 {sum(errors)} 条（{with_errors} 份报告）、警告 {sum(warnings)} 条。")


def panel_outturn_text(po: pd.DataFrame) -> str:
    """One sentence on the budget outturn of many final accounts (:func:`panel_outturn`): how many,
    their items, and how many fall in each PEFA PI-1 band."""
    bands: dict = {}
    for b in text_col(po, "pi1_band"):
        bands[b or "无"] = bands.get(b or "无", 0) + 1
    return (f"{len(po)} 份决算有预算执行明细，共 {int(sum(int(n) for n in po['items']))} 项；"
            "按决算占年初预算的比例，PI-1 区间 " + "、".join(f"{b} {n} 份" for b, n in sorted(bands.items()))
            + "。各报告见下表。")


# ------------------------------------------------------------------ what a report lacks
PUBLIC_TABLES = tuple(f"公开{i:02d}" for i in range(1, 10))
STATUS_TEXT = {"absent": "本报告未公开{title}（{tid}）",
               "declared_empty": "本报告的{title}（{tid}）声明本表无数据",
               "no_values": "本报告的{title}（{tid}）没有可读取的金额",
               "all_zero": "本报告的{title}（{tid}）金额全部为零"}


def table_titles() -> dict[str, str]:
    """公开NN → its title (data/tables.csv)."""
    from .config import PACKAGE_DATA
    t = pd.read_csv(PACKAGE_DATA / "tables.csv", dtype=str, keep_default_na=False)
    return {**BUDGET_TITLES, **dict(zip(t.table, t.title))}


def _frame(d, name: str) -> pd.DataFrame:
    tables = getattr(d, "tables", None)
    if isinstance(tables, dict):
        df = tables.get(name)
    else:
        df = getattr(d, name, None)
    return df if isinstance(df, pd.DataFrame) else pd.DataFrame()


def table_status(d) -> dict[str, str]:
    """For each of the nine public tables: ``ok``, ``absent`` (not in the report), ``declared_empty``
    (the report says it has no data), ``no_values`` (present, nothing read) or ``all_zero``."""
    li, f = _frame(d, "line_items"), _frame(d, "findings")
    absent, empty = set(), set()
    if len(f) and {"check", "table"} <= set(f.columns):
        sev = f.severity if "severity" in f.columns else pd.Series("error", index=f.index)
        absent = set(f.table[(f.check == "table_present") & (sev != "info")].dropna().astype(str))
        empty = set(f.table[f.check == "table_declared_empty"].dropna().astype(str))
    out = {}
    for tid in report_tables(d):
        part = li[li.table == tid] if len(li) and "table" in li.columns else pd.DataFrame()
        amounts = [a for a in nums(part.amount_yuan)] if len(part) else []
        if tid in absent:
            out[tid] = "absent"
        elif not any(a is not None for a in amounts):
            out[tid] = "declared_empty" if tid in empty else "no_values"
        elif all(a is None or a == 0 for a in amounts):
            out[tid] = "declared_empty" if tid in empty else "all_zero"
        else:
            out[tid] = "ok"
    return out


def has_table(d, tid: str) -> bool:
    """Whether the report has amounts (not all zero) in table ``tid``."""
    return table_status(d).get(tid) == "ok"


def table_note(d, tid: str) -> str:
    """One Chinese sentence saying why table ``tid`` has nothing to show ("" when it has)."""
    status = table_status(d).get(tid, "ok")
    if status == "ok":
        return ""
    return STATUS_TEXT[status].format(title=table_titles().get(tid, tid), tid=tid) + "。"


def usable_outturn(bo: pd.DataFrame) -> pd.DataFrame:
    """Budget-vs-actual items with at least one amount (年初预算 or 决算)."""
    if not len(bo):
        return bo
    return keep_rows(bo, [a is not None or b is not None or f is not None
                          for a, b, f in zip(col(bo, "actual_yuan"), col(bo, "initial_budget_yuan"),
                                             col(bo, "full_budget_yuan"))])


def missing_parts(d) -> list[str]:
    """What the report lacks, as Chinese sentences (each ends with 。): absent, declared-empty and
    all-zero public tables, no budget-vs-actual items or items with neither 年初预算 nor 全年预算, no
    project self-evaluation tables, no prior-year figures.  A budget report: its 预算 tables and
    whether the explanation compares with the prior year's budget."""
    out = [table_note(d, tid) for tid in report_tables(d)]
    out = [s for s in out if s]
    if is_budget(d):
        if not len(budget_changes(_frame(d, "stated_facts"))):
            out.append("说明部分没有给出与上年预算的比较。")
        return out
    bo = usable_outturn(_frame(d, "budget_outturn"))
    if not len(bo):
        out.append("本报告没有预算执行明细：说明部分未逐项列出一般公共预算财政拨款支出的年初预算与决算。")
    else:
        actual = col(bo, "actual_yuan")
        without = basis_counts(bo)["none_items"]     # an item with only a 全年预算 is measured against it
        neither = "年初预算或全年预算" if "full_budget_yuan" in bo.columns else "年初预算"   # older data: no 全年预算
        if without == len(bo):
            out.append(f"预算执行明细各项都没有{neither}，无法计算完成率。")
        elif without:
            out.append(f"预算执行明细中有 {without} 项" + ("既没有年初预算也没有全年预算" if "full_budget_yuan" in bo.columns
                                                       else "没有年初预算") + "（完成率无法计算）。")
        if all(v is None for v in actual):
            out.append("预算执行明细各项都没有决算数。")
    if not len(_frame(d, "projects")):
        out.append("本报告没有附项目支出绩效自评表。")
    if not len(_frame(d, "prior_year")):
        out.append("说明部分没有给出可比的上年金额。")
    return out


def full_sentence(bo: pd.DataFrame) -> str:
    """The items measured against 全年预算 only, in one sentence ("" when there are none)."""
    from .numbers import fmt_pct
    df = with_basis(bo) if len(bo) else bo
    part = df[df.basis == "full"] if len(df) else df
    if not len(part):
        return ""
    rates = [r for r in part.basis_rate if r is not None]
    span = (f"，完成全年预算的 {fmt_pct(min(rates))}" + (f"至{fmt_pct(max(rates))}" if max(rates) != min(rates) else "")
            if rates else "")
    if len(part) == len(df):
        return f"各项都没有年初预算、只有全年预算（调整后预算），按全年预算计{span}。"
    return f"另有 {len(part)} 项没有年初预算、只有全年预算（调整后预算），按全年预算计{span}。"


def band_sentence(over: int, under: int, low_pct: str, high_pct: str, items: int = 1) -> str:
    """How many items are above / below the completion band, said naturally when there are none."""
    if not items:      # no item measured against 年初预算: nothing to say about its band
        return ""
    if not over and not under:
        return f"各项完成率都在年初预算的{low_pct}至{high_pct}之间。"
    parts = []
    if over:
        parts.append(f"{over} 项超过年初预算的{high_pct}")
    if under:
        parts.append(f"{under} 项低于{low_pct}")
    tail = "" if over and under else ("，没有低于" + low_pct + "的项目" if over else "，没有超过" + high_pct + "的项目")
    return "共 " + "，".join(parts) + tail + "。"


def natural_key(value) -> tuple:
    """Sort key in natural order: 项目2 before 项目11, 公开02 before 公开10; text before numbers."""
    import re
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or str(value) == "":
        return ((2, ""),)                                   # missing values last
    parts = re.split(r"(\d+)", str(value))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def natural_sorted(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``df`` sorted by ``columns`` in natural order (stable)."""
    if not len(df):
        return df
    return df.sort_values(list(columns), key=lambda s: s.map(natural_key), kind="stable")


IDENTITY_FIELDS = (("department_name", "部门名称"), ("year", "年度"), ("scope", "编制范围"), ("unit", "金额单位"))


def identity_rows(info: dict) -> pd.DataFrame:
    """What the run read from the document about the report itself (``metadata_inferred.json``):
    one row per field with the document's value, where it was read (page:line) and what
    metadata.json gave (empty without one).  An empty frame when nothing was recorded."""
    doc = (info or {}).get("document") or {}
    given = (info or {}).get("metadata_json") or {}
    sources = doc.get("sources") or {}
    rows = []
    for key, label in IDENTITY_FIELDS:
        value, src = doc.get(key), sources.get(key) or {}
        rows.append({"field": label,
                     "document": "" if value is None else str(value),
                     "where": src.get("location") or (str(src["line"]) if src.get("line") else ""),
                     "metadata_json": "" if given.get(key) is None else str(given.get(key))})
    out = pd.DataFrame(rows, columns=["field", "document", "where", "metadata_json"])
    return out if doc or given else out.iloc[0:0]


# ------------------------------------------------------------------ prior year
def is_derived(v) -> bool:
    """A ``derived`` cell (bool, "true"/"1", …) as a bool; False when missing."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return False
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return str(v).strip().lower() in ("true", "1", "yes", "y", "t")


def prior_year_view(py: pd.DataFrame) -> pd.DataFrame:
    """prior_year with ``source``: 原文 for a stated prior figure, 推算 for one derived as the current
    figure minus the stated change (column ``derived``; absent in older clean data: all 原文), and
    ``label`` never empty."""
    df = py.copy()
    derived = [is_derived(v) for v in df["derived"]] if "derived" in df.columns else [False] * len(df)
    df["source"] = pd.Series(["推算（本年数 − 所述增减额）" if x else "原文" for x in derived], index=df.index, dtype=object)
    df["label"] = pd.Series([t or (subject_label(s) if s else "（未命名）")
                             for t, s in zip(text_col(df, "label"), text_col(df, "subject"))],
                            index=df.index, dtype=object)
    return df


# ------------------------------------------------------------------ what kind of document
def doc_kind(d) -> str:
    """"budget" for a 部门预算 / 单位预算 report, else "final" (the contract: ``doc_kind`` in the
    report's metadata; absent ⇒ final, unless every table of line_items is a 预算NN table)."""
    meta = getattr(d, "meta", None) or {}
    kind = str(meta.get("doc_kind") or "").strip().lower()
    if kind in ("budget", "final"):
        return kind
    li = _frame(d, "line_items")
    if len(li) and "table" in li.columns:
        tables = {str(t) for t in li.table.dropna()}
        if tables and all(t.startswith("预算") for t in tables):
            return "budget"
    return "final"


def is_budget(d) -> bool:
    return doc_kind(d) == "budget"


def kind_zh(d) -> str:
    """预算 or 决算."""
    return "预算" if is_budget(d) else "决算"


def doc_title(d) -> str:
    """部门决算 / 部门预算 / 单位预算 … as the document names itself (``doc_level``: 部门 | 单位)."""
    meta = getattr(d, "meta", None) or {}
    level = str(meta.get("doc_level") or "").strip()
    return (level if level in ("部门", "单位") else "部门") + kind_zh(d)


def final_only(section: str) -> str:
    """One sentence: a final-accounts section does not apply to a budget report."""
    return f"{section}是部门决算的内容：预算报告只有预算数，没有决算数和完成率，本节不适用于预算报告。"


# ------------------------------------------------------------------ budget reports (预算01–预算10)
BUDGET_TABLES = tuple(f"预算{i:02d}" for i in range(1, 10))
BUDGET_TITLES = {"预算01": "收支预算总表", "预算02": "收入预算总表", "预算03": "支出预算总表",
                 "预算04": "财政拨款收支预算总表", "预算05": "一般公共预算支出功能分类预算表",
                 "预算06": "一般公共预算基本支出经济分类预算表", "预算07": "“三公”经费和机关运行经费预算表",
                 "预算08": "政府性基金预算支出表", "预算09": "国有资本经营预算支出表", "预算10": "项目支出绩效目标表"}


def report_tables(d) -> tuple:
    """The public tables of the report's kind: 公开01–09 or 预算01–09."""
    return BUDGET_TABLES if is_budget(d) else PUBLIC_TABLES


def subject_labels() -> dict[str, str]:
    """stated_facts subject → Chinese label (data/subjects_zh.csv); ``func:<code>`` names come from
    the function classes."""
    from .config import PACKAGE_DATA
    t = pd.read_csv(PACKAGE_DATA / "subjects_zh.csv", dtype=str, keep_default_na=False)
    return dict(zip(t.subject, t.label))


def subject_label(subject, li: pd.DataFrame | None = None) -> str:
    subject = clean_text(subject)
    labels = subject_labels()
    if subject in labels:
        return labels[subject]
    if subject.startswith("func:"):
        code = subject[5:]
        if li is not None and len(li) and "code" in li.columns:
            rows = li[(li.code == code)]
            names = [n for n in text_col(rows, "row") if n]
            if names:
                return f"{names[0]}（{code}）"
        from .extract.tabular.tables import class_names
        return f"{class_names().get(code[:3], '功能分类')}（{code}）"
    return subject or "（未命名）"


def budget_changes(facts: pd.DataFrame, li: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per subject of a budget report's explanation: this year's budget, the change against the prior
    year's budget (比上年预算增加 / 减少), the prior budget (stated, or derived = budget − change:
    ``prior_source`` 推算) and the prior year's execution (上年预算执行数) where stated."""
    cols = ["subject", "label", "budget_yuan", "change_yuan", "prior_budget_yuan", "prior_source",
            "change_rate", "prior_execution_yuan"]
    if not len(facts) or not {"subject", "measure", "value"} <= set(facts.columns):
        return pd.DataFrame(columns=cols)
    want = ("budget", "change_vs_prior_budget", "prior_budget", "prior_execution")
    f = facts[facts.measure.isin(want)]
    got: dict[str, dict] = {}
    for subj, meas, val in zip(text_col(f, "subject"), text_col(f, "measure"), col(f, "value")):
        if subj and val is not None:
            got.setdefault(subj, {}).setdefault(meas, val)
    rows = []
    for subj, v in got.items():
        budget, change, prior = v.get("budget"), v.get("change_vs_prior_budget"), v.get("prior_budget")
        source = "原文" if prior is not None else ""
        if prior is not None and budget is not None and change is not None and budget - change == prior:
            source = "推算（本年预算 − 所述增减额）"     # the reader writes prior = budget − change (no `derived` column)
        if prior is None and budget is not None and change is not None:
            prior, source = budget - change, "推算（本年预算 − 所述增减额）"
        if change is None and budget is not None and prior is not None:
            change = budget - prior
        if prior is not None and prior < 0:      # a budget is never negative: the change read belongs elsewhere
            prior, change, source = None, None, "（所述增减额大于本年预算，上年预算无法确定）"
        if budget is None and change is None and v.get("prior_execution") is None:
            continue
        rows.append({"subject": subj, "label": subject_label(subj, li), "budget_yuan": budget, "change_yuan": change,
                     "prior_budget_yuan": prior, "prior_source": source,
                     "change_rate": ratio(change, prior) if change is not None and prior else None,
                     "prior_execution_yuan": v.get("prior_execution")})
    return pd.DataFrame(rows, columns=cols)


def budget_sangong(d) -> pd.DataFrame:
    """三公 and 机关运行经费 budgets of a budget report, from the explanation (subjects sangong_* and
    operating_costs) and 预算07: label, budget, change against the prior budget."""
    ch = budget_changes(_frame(d, "stated_facts"))
    keep = [s.startswith("sangong") or s in ("operating_costs", "admin_operating") for s in ch.subject]
    return keep_rows(ch, keep).reset_index(drop=True)


def sangong_table_total(li: pd.DataFrame):
    """The 三公 total of a budget's 预算07 (its ``total`` column, first row), None when absent."""
    part = li[(li.table == "预算07") & (li.column == "total")] if len(li) and "table" in li.columns else li
    vals = [v for v in col(part, "amount_yuan") if v is not None] if len(part) else []
    return vals[0] if vals else None


def table_rows(li: pd.DataFrame, table: str) -> pd.DataFrame:
    """The amounts of one table as a readable frame: 编码, 名称, 列, 金额 (no missing text)."""
    part = li[li.table == table] if len(li) and "table" in li.columns else li.iloc[0:0]
    return pd.DataFrame({"code": text_col(part, "code"), "row": text_col(part, "row"),
                         "column": [c or k for c, k in zip(text_col(part, "column_label"), text_col(part, "column"))],
                         "amount_yuan": col(part, "amount_yuan")})


def econ_classes(li: pd.DataFrame, table: str = "预算06") -> pd.DataFrame:
    """基本支出 by economic class (the 3-digit ``econ:`` rows of 公开06 / 预算06): code, name, amount
    (the table's total column: ``total``, else ``amount``, else the first column it has)."""
    cols = ["code", "name", "amount_yuan"]
    part = table_cells(li, table) if len(li) else li
    if not len(part) or "row_key" not in part.columns:
        return pd.DataFrame(columns=cols)
    keys = text_col(part, "row_key")
    part = keep_rows(part, [k.startswith("econ:") and len(k) == 8 for k in keys])
    if not len(part):
        return pd.DataFrame(columns=cols)
    have = list(dict.fromkeys(text_col(part, "column")))
    column = next((c for c in ("total", "amount") if c in have), have[0])
    part = part[part.column == column]
    rows = [{"code": k[5:], "name": n or k[5:], "amount_yuan": a}
            for k, n, a in zip(text_col(part, "row_key"), text_col(part, "row"), col(part, "amount_yuan"))]
    return pd.DataFrame(rows, columns=cols).drop_duplicates("code").reset_index(drop=True)


def stated_rate_text(rate, basis: str = "") -> str:
    """"原文 98.69%" — "原文按全年预算 98.69%" when the stated rate names the 全年预算."""
    from .numbers import fmt_pct
    return f"原文{'按全年预算' if clean_text(basis) in ('full', '全年预算') else ''} {fmt_pct(num(rate))}"


def item_ref(name, code, bold: bool = True) -> str:
    """**name**（code） of a budget item; **name** alone when it has no code (never "None")."""
    name, code = clean_text(name) or "（未命名项目）", clean_text(code).strip()
    name = f"**{name}**" if bold else name
    return f"{name}（{code}）" if code else name


# ------------------------------------------------------------------ chapter headings of either kind (data)
def chapter_headings() -> pd.DataFrame:
    """data/chapter_headings.csv: chapter, key, the heading for final accounts and for budgets (an
    empty cell: the section is not part of that kind's chapter)."""
    from .config import PACKAGE_DATA
    return pd.read_csv(PACKAGE_DATA / "chapter_headings.csv", dtype=str, keep_default_na=False)


def heading(d, chapter: str, key: str) -> str:
    """The heading of section ``key`` of chapter ``chapter`` for the report's kind ("" when the
    section is not part of that kind's chapter).  ``d`` is a report or "budget" / "final"."""
    kind = d if isinstance(d, str) else doc_kind(d)
    t = chapter_headings()
    hit = t[(t.chapter == str(chapter)) & (t.key == key)]
    if not len(hit):
        raise KeyError(f"chapter_headings.csv has no heading {chapter}/{key}")
    return hit.iloc[0]["budget" if kind == "budget" else "final"]


def section(d, chapter: str, key: str, level: int = 2) -> str:
    """The Markdown heading line of a section ("## …"), "" when the section is not the kind's."""
    text = heading(d, chapter, key)
    return f"{'#' * level} {text}" if text else ""


# ------------------------------------------------------------------ a budget against the prior year, item by item
def is_item_subject(subject) -> bool:
    """A per-item subject of a budget's explanation (``func:<code>`` or ``item:<name>``)."""
    return clean_text(subject).startswith(("func:", "item:"))


def _fact_values(facts: pd.DataFrame, measure: str) -> dict:
    """subject → (value, places) of the first fact of ``measure``."""
    out: dict = {}
    if not len(facts) or "measure" not in facts.columns:
        return out
    f = facts[facts.measure == measure]
    for s, v, p in zip(text_col(f, "subject"), col(f, "value"), col(f, "places")):
        if s and v is not None:
            out.setdefault(s, (v, int(p) if p is not None else None))
    return out


def rate_agrees(stated, recomputed, places=None) -> bool | None:
    """Whether a stated rate (a fraction) is the recomputed one rounded to the places it is stated
    with (``places`` of the fraction: 33.33% → 4; unknown: 4); None when one of them is missing."""
    stated, recomputed = num(stated), num(recomputed)
    if stated is None or recomputed is None:
        return None
    places = 4 if places is None else int(places)
    return abs(stated - recomputed) <= Decimal(5).scaleb(-places - 1) + Decimal("1e-9")


def budget_items(facts: pd.DataFrame, li: pd.DataFrame | None = None) -> pd.DataFrame:
    """Item by item (the explanation's list of the fiscal appropriation's items, ``func:`` / ``item:``
    subjects): this year's budget, the prior year's budget (stated or derived, :func:`budget_changes`),
    the prior year's execution (上年预算执行数), the change against it recomputed
    ((budget − execution) ÷ execution) and as stated (比上年预算执行数增加/减少 x%), and whether the
    stated rate is the recomputed one (``rate_check``: 相符 / 不符 / "" when either is missing)."""
    cols = ["subject", "code", "label", "budget_yuan", "prior_budget_yuan", "prior_source", "change_yuan", "change_rate",
            "prior_execution_yuan", "change_vs_execution_yuan", "rate_vs_execution", "stated_rate_vs_execution",
            "rate_check", "difference_pp"]
    ch = budget_changes(facts, li)
    ch = keep_rows(ch, [is_item_subject(s) for s in ch.subject]).reset_index(drop=True) if len(ch) else ch
    if not len(ch):
        return pd.DataFrame(columns=cols)
    stated = _fact_values(facts, "change_rate_vs_prior_execution")
    rows = []
    for r in ch.itertuples():
        b, pe = num(r.budget_yuan), num(r.prior_execution_yuan)
        rec = ratio(b - pe, pe) if b is not None and pe else None
        s, places = stated.get(r.subject, (None, None))
        ok = rate_agrees(s, rec, places)
        rows.append({"subject": r.subject, "code": r.subject[5:] if r.subject.startswith("func:") else "",
                     "label": r.label, "budget_yuan": b, "prior_budget_yuan": num(r.prior_budget_yuan),
                     "prior_source": r.prior_source, "change_yuan": num(r.change_yuan), "change_rate": num(r.change_rate),
                     "prior_execution_yuan": pe, "change_vs_execution_yuan": (b - pe) if b is not None and pe is not None else None,
                     "rate_vs_execution": rec, "stated_rate_vs_execution": s,
                     "rate_check": "" if ok is None else "相符" if ok else "不符",
                     "difference_pp": (s - rec) * 100 if s is not None and rec is not None else None})
    return pd.DataFrame(rows, columns=cols)


BUDGET_ITEM_COLUMNS = {"budget_yuan": "本年预算", "prior_budget_yuan": "上年预算", "prior_execution_yuan": "上年预算执行数",
                       "stated_rate_vs_execution": "与上年执行数相比的增减率"}


def missing_columns(df: pd.DataFrame, columns: dict | None = None, what: str = "说明部分逐项") -> str:
    """One Chinese sentence naming the columns of ``df`` that are empty for every row (what the
    text does not give), "" when each has a value somewhere (or there are no rows)."""
    columns = BUDGET_ITEM_COLUMNS if columns is None else columns
    if not len(df):
        return ""
    empty = [label for c, label in columns.items() if all(v is None for v in col(df, c))]
    partly = [f"{label}（{sum(v is None for v in col(df, c))} 项缺）" for c, label in columns.items()
              if label not in empty and any(v is None for v in col(df, c))]
    out = ""
    if empty:
        out += f"{what}没有给出{'、'.join(empty)}，相应的列为空。"
    if partly:
        out += f"部分项目缺少：{'、'.join(partly)}。"
    return out


def largest_changes(items: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The items whose budget moved most against the prior year's budget (in 元, either way)."""
    if not len(items):
        return items
    keyed = [abs(v) if v is not None else None for v in col(items, "change_yuan")]
    part = items.assign(_abs=keyed)
    part = keep_rows(part, [k is not None and k != 0 for k in keyed])
    if not len(part):
        return part.drop(columns="_abs")
    order = sorted(range(len(part)), key=lambda i: -part._abs.iloc[i])
    return part.iloc[order].drop(columns="_abs").head(n).reset_index(drop=True)


def budget_totals(facts: pd.DataFrame, li: pd.DataFrame | None = None) -> pd.DataFrame:
    """The totals of a budget's explanation (收入, 支出, 财政拨款 …: every subject that is not an
    item, 三公 or 政府采购) against the prior year's budget."""
    ch = budget_changes(facts, li)
    if not len(ch):
        return ch
    keep = [not is_item_subject(s) and not s.startswith(("sangong", "procurement", "perf_"))
            and s not in ("operating_costs", "admin_operating") for s in ch.subject]
    return keep_rows(ch, keep).reset_index(drop=True)


# ------------------------------------------------------------------ a budget's 三公, 政府采购 and projects
SANGONG_KEYS = (("total", "sangong_total", "“三公”经费合计"), ("abroad", "sangong_abroad", "因公出国（境）费"),
                ("vehicle", "sangong_vehicle", "公务用车购置及运行费"),
                ("vehicle_purchase", "sangong_vehicle_purchase", "公务用车购置费"),
                ("vehicle_operation", "sangong_vehicle_operation", "公务用车运行费"),
                ("reception", "sangong_reception", "公务接待费"),
                ("operating_costs", "operating_costs", "机关运行经费"))


def budget_sangong_view(d) -> pd.DataFrame:
    """三公 and 机关运行经费 of a budget: per category the budget of 预算07 (its column), the budget
    the text states, the prior year's budget (stated or derived) and the change; categories neither
    gives are left out."""
    cols = ["category", "label", "table_yuan", "text_yuan", "prior_budget_yuan", "prior_source", "change_yuan",
            "change_rate"]
    li = _frame(d, "line_items")
    t7 = li[li.table == "预算07"] if len(li) and "table" in li.columns else li.iloc[0:0]
    table = {}
    for c, v in zip(text_col(t7, "column"), col(t7, "amount_yuan")):
        if v is not None:
            table.setdefault(c, v)
    ch = budget_changes(_frame(d, "stated_facts"))
    text = {r.subject: r for r in ch.itertuples()} if len(ch) else {}
    rows = []
    for cat, subject, label in SANGONG_KEYS:
        t = text.get(subject) or (text.get("admin_operating") if cat == "operating_costs" else None)
        tv = table.get(cat)
        if tv is None and t is None:
            continue
        rows.append({"category": cat, "label": label, "table_yuan": tv,
                     "text_yuan": num(t.budget_yuan) if t is not None else None,
                     "prior_budget_yuan": num(t.prior_budget_yuan) if t is not None else None,
                     "prior_source": t.prior_source if t is not None else "",
                     "change_yuan": num(t.change_yuan) if t is not None else None,
                     "change_rate": num(t.change_rate) if t is not None else None})
    return pd.DataFrame(rows, columns=cols)


PROCUREMENT_KEYS = (("procurement", "政府采购预算合计"), ("procurement_goods", "货物"),
                    ("procurement_works", "工程"), ("procurement_services", "服务"))


def procurement_budget(d) -> pd.DataFrame:
    """政府采购预算 as the text states it: total, 货物, 工程, 服务 (share of the total recomputed);
    an empty frame when the text gives none."""
    cols = ["subject", "label", "budget_yuan", "share", "source_line"]
    facts = _frame(d, "stated_facts")
    vals = _fact_values(facts, "budget")
    lines = {}
    if len(facts) and "source_line" in facts.columns:
        for s, m, line in zip(text_col(facts, "subject"), text_col(facts, "measure"), text_col(facts, "source_line")):
            if m == "budget":
                lines.setdefault(s, line)
    total = vals.get("procurement", (None, None))[0]
    rows = [{"subject": s, "label": label, "budget_yuan": vals[s][0],
             "share": ratio(vals[s][0], total) if s != "procurement" and total else None, "source_line": lines.get(s, "")}
            for s, label in PROCUREMENT_KEYS if s in vals]
    return pd.DataFrame(rows, columns=cols)


def budget_projects(d) -> dict:
    """What a budget says of its projects: the 项目支出 of 预算03 (and its share), the funds of the
    projects with performance targets (涉及项目预算资金, ``perf_project_funds``), the rows of 预算10
    (项目支出绩效目标表) and project budgets read into ``projects``; ``missing``: what it does not give."""
    li = _frame(d, "line_items")
    bp = basic_vs_project(li, "预算03") if len(li) else {"project_yuan": None, "project_share": None, "total_yuan": None}
    perf = _fact_values(_frame(d, "stated_facts"), "budget").get("perf_project_funds", (None, None))[0]
    t10 = table_rows(li, "预算10") if len(li) else pd.DataFrame(columns=["code", "row", "column", "amount_yuan"])
    pr = _frame(d, "projects")
    missing = []
    if bp.get("project_yuan") is None:
        missing.append("支出预算总表（预算03）没有项目支出合计")
    if perf is None:
        missing.append("说明部分没有给出实行绩效目标管理的项目预算资金")
    if not len(t10) and not len(pr):
        missing.append("报告没有逐个项目的预算和绩效目标（项目支出绩效目标表）")
    return {"project_yuan": bp.get("project_yuan"), "project_share": bp.get("project_share"),
            "perf_funds_yuan": perf, "perf_share": ratio(perf, bp.get("project_yuan")) if perf is not None else None,
            "targets": t10, "projects": pr, "missing": missing}


def project_items(li: pd.DataFrame, table: str = "预算03") -> pd.DataFrame:
    """The items (most detailed function codes) of a budget's 支出预算总表 with a 项目支出 amount,
    largest first: code, name, project, share of the table's 项目支出."""
    cols = ["code", "name", "project_yuan", "share"]
    part = table_cells(li, table, "project") if len(li) else li
    if not len(part):
        return pd.DataFrame(columns=cols)
    codes = text_col(part, "code")
    longest = max((len(c) for c in codes), default=0)
    part = keep_rows(part, [len(c) == longest and longest > 0 for c in codes])
    rows = [{"code": c, "name": n, "project_yuan": v} for c, n, v in zip(text_col(part, "code"), text_col(part, "row"),
                                                                           col(part, "amount_yuan")) if v]
    total = sum((r["project_yuan"] for r in rows), Z)
    for r in rows:
        r["share"] = ratio(r["project_yuan"], total)
    rows.sort(key=lambda r: -r["project_yuan"])
    return pd.DataFrame(rows, columns=cols)


def execution_summary(items: pd.DataFrame) -> str:
    """One Chinese sentence on a budget's items against the prior year's execution: how many give
    it, and whether the stated change rates are the recomputed ones (naming those that are not)."""
    from .numbers import fmt_pct
    ex = keep_rows(items, [v is not None for v in col(items, "prior_execution_yuan")]) if len(items) else items
    if not len(ex):
        return "说明部分没有逐项给出上年预算执行数。"
    bad = ex[ex.rate_check == "不符"]
    checked = int((ex.rate_check != "").sum())
    out = f"{len(ex)} 项给出上年预算执行数"
    if checked:
        out += f"，所述增减率 {checked} 项可以核对，" + (
            f"{len(bad)} 项与重算不符：" + "；".join(f"{clean_text(r.label)}原文 {fmt_pct(r.stated_rate_vs_execution)}、"
                                                 f"重算 {fmt_pct(r.rate_vs_execution)}" for r in bad.itertuples())
            if len(bad) else "全部与重算相符")
    return out + "。"


def personnel_public(li: pd.DataFrame, table: str) -> dict:
    """人员经费, 公用经费 and their total of a 基本支出 table: the rows 人员经费合计 / 公用经费合计
    (公开06) when it has them, else — a budget's 预算06 keeps them as columns — the ``personnel`` /
    ``public`` columns of its 合计 row, else the sum of those columns over its 类 (``econ:`` rows of
    three digits).  ``source``: rows | columns | classes | "" (none)."""
    pers, pub, tot = (first_cell(li, table, k) for k in ("personnel_total", "public_total", "total"))
    if pers is not None or pub is not None:
        return {"personnel_yuan": num(pers), "public_yuan": num(pub), "total_yuan": num(tot), "source": "rows"}
    part = table_cells(li, table) if len(li) else li
    if not len(part):
        return {"personnel_yuan": None, "public_yuan": None, "total_yuan": num(tot), "source": ""}
    tot_p, tot_q = cell(li, table, "total", "personnel"), cell(li, table, "total", "public")
    if tot_p is not None or tot_q is not None:
        return {"personnel_yuan": num(tot_p), "public_yuan": num(tot_q), "total_yuan": num(tot), "source": "columns"}
    keys = text_col(part, "row_key")
    cls = keep_rows(part, [k.startswith("econ:") and len(k) == 8 for k in keys])
    p = [v for c, v in zip(text_col(cls, "column"), col(cls, "amount_yuan")) if c == "personnel" and v is not None]
    q = [v for c, v in zip(text_col(cls, "column"), col(cls, "amount_yuan")) if c == "public" and v is not None]
    if not p and not q:
        return {"personnel_yuan": None, "public_yuan": None, "total_yuan": num(tot), "source": ""}
    ps, qs = sum(p, Z), sum(q, Z)
    return {"personnel_yuan": ps, "public_yuan": qs, "total_yuan": num(tot) if tot is not None else ps + qs,
            "source": "classes"}


def report_labels(reports: pd.DataFrame) -> dict:
    """(year, department) → the label a comparison shows: 名称（年）预算 / 决算; two reports that
    would share a label (a 部门预算 and its 单位预算 state the same name) are told apart by their
    folder name."""
    out = {}
    kinds = text_col(reports, "doc_kind_zh")
    for y, dpt, name, k, dk in zip(reports.year, reports.department, text_col(reports, "department_name"), kinds,
                                   text_col(reports, "doc_kind")):
        k = k or {"budget": "预算", "final": "决算"}.get(dk, "决算")
        out[(y, dpt)] = f"{name or dpt}（{y}）{k}"
    seen: dict = {}
    for key, lab in out.items():
        seen.setdefault(lab, []).append(key)
    for lab, keys in seen.items():
        if len(keys) > 1:
            for key in keys:
                out[key] = f"{lab}［{key[1]}］"
    return out
