"""The explanation's text-internal checks (changes, rates against the budget they name or
the prior a change implies, shares, parts sums, outturn sums, repeated figures) and the
reason categories.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from functools import lru_cache

from ...config import PACKAGE_DATA
from ...findings import CheckLog
from ...numbers import decimal_str, round_half_up
from .prose_base import gpb_class_code, SHARE_BASE_EXACT, SHARE_BASE_PREFIX, TABLE, _Ctx, _norm


# ------------------------------------------------------------------ reasons
@lru_cache(maxsize=1)
def _reason_table() -> tuple[tuple[str, str, int, int], ...]:
    with open(PACKAGE_DATA / "reason_categories.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple((r["category"], r["keyword"], int(r["priority"]), i)
                 for i, r in enumerate(rows))


def categorize_reason(text: str | None) -> str:
    """Category of a reason text by the keyword table in data/reason_categories.csv
    (lowest priority number wins; file order breaks ties); "其他" when none matches."""
    if not text:
        return "其他"
    t = _norm(text)
    hits = [(prio, order, cat) for cat, kw, prio, order in _reason_table() if _norm(kw) in t]
    return min(hits)[2] if hits else "其他"


# ------------------------------------------------------------------ checks
def _groups(facts: list[dict]) -> dict[tuple[str, str], dict[str, dict]]:
    """(section, subject) → measure → first fact."""
    g: dict[tuple[str, str], dict[str, dict]] = {}
    for f in facts:
        g.setdefault((f["section"], f["subject"]), {}).setdefault(f["measure"], f)
    return g


def _unit(*facts) -> Decimal:
    return Decimal(100) if any(f and f.get("unit") == "万元" for f in facts) else Decimal("0.01")


def _first(facts, subject, measure, section_prefix=None):
    for f in facts:
        if f["subject"] == subject and f["measure"] == measure and (
                section_prefix is None or f["section"].startswith(section_prefix)):
            return f
    return None


def _run_checks(ctx: _Ctx) -> None:
    log, res = ctx.log, ctx.res
    facts = res.facts
    groups = _groups(facts)
    seen_at: set[tuple[str, int | None]] = set()

    def once(check: str, f: dict) -> bool:
        """A figure stated once for two subjects (收入支出总计 … 下降 x%) is checked once."""
        key = (check, ctx.fact_pos.get(id(f)))
        if key in seen_at:
            return False
        seen_at.add(key)
        return True

    # --- changes and rates ------------------------------------------------
    for (sec, subj), ms in groups.items():
        what = f"{sec} {subj}"
        a, b = ms.get("actual"), ms.get("budget")
        # the same two checks against the prior year and against the budget
        for base_m, change_m, rate_m, amount_check, rate_check, base_label in (
                ("prior", "change", "change_rate", "text_change", "text_change_rate", "prior"),
                ("budget", "change_vs_budget", "change_rate_vs_budget", "text_budget_change",
                 "text_budget_change_rate", "budget"),
                ("full_budget", "change_vs_full_budget", "change_rate_vs_full_budget",
                 "text_budget_change", "text_budget_change_rate", "full budget")):
            base = ms.get(base_m)
            if not (a and base):
                continue
            if change_m in ms and once(amount_check, ms[change_m]):
                c = ms[change_m]
                log.amounts(amount_check, a["value"] - base["value"], c["value"], line=c["line"],
                            table=TABLE, terms=2, unit=_unit(a, base, c),
                            what=f"{what}: stated change vs actual − {base_label} "
                                 f"({decimal_str(a['value'])} − {decimal_str(base['value'])})")
            if rate_m in ms and base["value"] != 0 and once(rate_check, ms[rate_m]):
                r = ms[rate_m]
                log.rate(rate_check, r["value"], (a["value"] - base["value"]) / base["value"],
                         r["places"], line=r["line"], table=TABLE,
                         what=f"{what}: change rate vs (actual − {base_label})/{base_label}")
        c, r = ms.get("change"), ms.get("change_rate")
        if a and c and r and "prior" not in ms and once("text_change_rate", r):
            _check_derived_rate(log, what, a, c, r)
        for rate_m, budget_m, label in (("completion_rate", "budget", "budget"),
                                        ("full_completion_rate", "full_budget", "full budget")):
            b = ms.get(budget_m)
            if a and b and rate_m in ms and b["value"] != 0:
                r = ms[rate_m]
                log.rate("text_completion_rate", r["value"], a["value"] / b["value"],
                         r["places"], line=r["line"], table=TABLE,
                         what=f"{what}: completion rate vs actual/{label}")
        # share against a base stated in the same sentence
        if "share" in ms and "share_base" in ms and a:
            r, base = ms["share"], ms["share_base"]
            if base["value"]:
                log.rate("text_share", r["value"], a["value"] / base["value"], r["places"],
                         line=r["line"], table=TABLE,
                         what=f"{what}: share vs actual / stated base "
                              f"{decimal_str(base['value'])}")
    for item in res.budget_outturn:
        full = item.get("stated_rate_basis") == "full"
        base = item["full_budget"] if full else item["initial_budget"]
        if base and item["stated_completion_rate"] is not None \
                and item["actual"] is not None:
            log.rate("text_completion_rate", item["stated_completion_rate"],
                     item["actual"] / base, item["stated_rate_places"],
                     line=item["line"], table=TABLE,
                     what=f"{item['section']} {item['code'] or item['xiang_name']}: completion "
                          f"rate vs actual/{'full' if full else 'initial'} budget")
    # --- shares against a base amount stated elsewhere in the same block ----
    for (sec, subj), ms in groups.items():
        if "share" not in ms or "share_base" in ms or "actual" not in ms:
            continue
        base_subj = SHARE_BASE_EXACT.get(subj)
        if base_subj is None:
            for prefix, bs in SHARE_BASE_PREFIX:
                if subj.startswith(prefix):
                    base_subj = bs
        if base_subj is None:
            continue
        top = sec.split("(")[0].rstrip("0123456789")
        base = (groups.get((sec, base_subj), {}).get("actual")
                or _first(facts, base_subj, "actual", top)
                or _first(facts, base_subj, "actual"))
        if base is None or not base["value"]:
            continue
        r = ms["share"]
        log.rate("text_share", r["value"], ms["actual"]["value"] / base["value"], r["places"],
                 line=r["line"], table=TABLE,
                 what=f"{sec} {subj}: share of {base_subj} "
                      f"({decimal_str(ms['actual']['value'])} / {decimal_str(base['value'])})")
    _check_procurement_sme(ctx)
    _check_parts(ctx)
    _check_outturn_sum(ctx)
    _check_repeated(ctx)
    for sc in res.project_scores:
        ok = sc["unit_word"] in ("分", None)
        log.record("text_unit_word", ok, severity="warning", line=sc["line"], table=TABLE,
                   message=f"project score ({sc['no']}) “{sc['project']}” is written "
                           f"{decimal_str(sc['score'])} {sc['unit_word']} (should be 分)",
                   expected="分", found=sc["unit_word"])


def _half_unit(f: dict) -> Decimal:
    return Decimal(50) if f.get("unit") == "万元" else Decimal("0.005")


def _check_derived_rate(log: CheckLog, what: str, a: dict, c: dict, r: dict) -> None:
    """A change rate stated with a change amount and no prior figure: against the prior figure
    the change implies (actual − change).  The amounts are rounded (to 0.01 万元 or 0.01 元), so
    the rate passes when some pair of amounts within their rounding gives it."""
    prior = a["value"] - c["value"]
    if prior == 0:
        return
    ha, hc = _half_unit(a), _half_unit(c)
    cands = []
    for da in (-ha, ha):
        for dc in (-hc, hc):
            p = prior + da - dc
            if p > 0:
                cands.append((c["value"] + dc) / p)
    if not cands:
        return
    q = Decimal(1).scaleb(-(r["places"] + 2))          # one unit of the stated rate
    ok = min(cands) <= r["value"] + q / 2 and max(cands) >= r["value"] - q / 2
    want = c["value"] / prior
    log.record("text_change_rate", ok, severity="warning", line=r["line"], table=TABLE,
               expected=f"{decimal_str(round_half_up(want * 100, r['places']))}%",
               found=f"{decimal_str(r['value'] * 100)}%",
               message=f"{what}: change rate vs change/(actual − change): stated "
                       f"{decimal_str(r['value'] * 100)}%, recomputed "
                       f"{decimal_str(round_half_up(want * 100, r['places']))}%")


def _check_procurement_sme(ctx: _Ctx) -> None:
    facts, log = ctx.res.facts, ctx.log
    total = _first(facts, "procurement", "actual")
    sme = _first(facts, "procurement_sme", "actual")
    if not total or not sme:
        return
    expected = Decimal(0)
    tolerance = Decimal(0)
    for cat in ("goods", "works", "services"):
        amt = _first(facts, f"procurement_{cat}", "actual")
        share = _first(facts, f"procurement_{cat}_sme", "share")
        if amt is None:
            continue
        if share is None:
            if amt["value"]:
                return            # a category without a stated SME share: cannot check
            continue
        expected += amt["value"] * share["value"]
        tolerance += amt["value"] * Decimal(5).scaleb(-(share["places"] + 3))
    expected = expected.quantize(Decimal("0.01"))
    tolerance = tolerance.quantize(Decimal("0.01"))
    ok = expected == sme["value"]
    diff = sme["value"] - expected
    log.record("text_procurement_sme_consistency", ok, severity="warning", line=sme["line"],
               table=TABLE, expected=expected, found=sme["value"],
               message="SME contract amount vs Σ category amounts × stated category SME "
                       f"shares: differs by {decimal_str(diff)} 元 (the stated shares are "
                       f"rounded; their rounding alone allows up to ±{decimal_str(tolerance)} 元)")


def _check_parts(ctx: _Ctx) -> None:
    facts, log = ctx.res.facts, ctx.log

    def check(total_subj, parts, measure="actual", what="", prefix=None, required=None):
        t = _first(facts, total_subj, measure, prefix)
        if t is None:
            return
        found = [_first(facts, p, measure, prefix) for p in parts]
        stated = [f for f in found if f is not None]
        if not stated or (required and any(_first(facts, p, measure, prefix) is None
                                           for p in required)):
            return
        if len(stated) < 2 and len(parts) > 1 and required is None:
            return
        s = sum((f["value"] for f in stated), Decimal(0))
        log.amounts("text_parts_sum", t["value"], s, line=t["line"], table=TABLE,
                    terms=len(stated) + 1, unit=_unit(t, *stated),
                    what=f"{what or total_subj} {measure}: Σ "
                         f"{' + '.join(p for p, f in zip(parts, found) if f)} vs {total_subj}")

    check("procurement", ["procurement_goods", "procurement_works", "procurement_services"],
          required=["procurement_goods", "procurement_works", "procurement_services"])
    check("basic", ["basic_personnel", "basic_public"],
          required=["basic_personnel", "basic_public"])
    econ = sorted({f["subject"] for f in facts if f["subject"].startswith("econ:")})
    if econ:
        check("basic", econ, what="basic (economic classes)")
    check("income", ["income_fiscal", "income_superior", "income_business", "income_operating",
                     "income_affiliated", "income_other"])
    check("expenditure", ["expenditure_basic", "expenditure_project", "expenditure_upper",
                          "expenditure_operating", "expenditure_subsidy"])
    classes = sorted({f["subject"] for f in facts if f["subject"].startswith("gpb_class:")})
    if classes:
        check("gpb_expenditure", classes, what="gpb_expenditure (function classes)")
    vtypes = [f["subject"] for f in facts if f["subject"].startswith("vehicles:")]
    if vtypes:
        check("vehicles", vtypes, "count")
    for m in ("actual", "budget", "prior"):
        check("sangong", ["sangong_abroad", "sangong_vehicle", "sangong_reception"], m,
              required=["sangong_abroad", "sangong_vehicle", "sangong_reception"])
    check("sangong_vehicle", ["sangong_vehicle_purchase", "sangong_vehicle_operation"],
          required=["sangong_vehicle_purchase", "sangong_vehicle_operation"])
    check("sangong_reception", ["sangong_reception_domestic", "sangong_reception_foreign"],
          required=["sangong_reception_domestic", "sangong_reception_foreign"])


def _check_outturn_sum(ctx: _Ctx) -> None:
    res, log = ctx.res, ctx.log
    items = res.budget_outturn
    if not items:
        return
    budget = _first(res.facts, "gpb_budget", "budget")
    actual = _first(res.facts, "gpb_budget", "actual")
    s_init = sum((i["initial_budget"] or Decimal(0) for i in items), Decimal(0))
    s_act = sum((i["actual"] or Decimal(0) for i in items), Decimal(0))
    u = Decimal(100) if any(f["unit"] == "万元" for f in res.facts
                            if f["subject"] == "gpb_budget") else Decimal("0.01")
    unstated = [i for i in items if i["initial_budget"] is None and i.get("full_budget") is not None]
    if budget is not None and unstated:
        # an item that states only its 全年预算 says nothing of its 年初预算 (无年初预算 is 0)
        log.skip("text_budget_outturn_sum", f"{len(unstated)} item(s) state no 年初预算")
    elif budget is not None:
        log.amounts("text_budget_outturn_sum", budget["value"], s_init, line=budget["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ initial budgets of the {len(items)} items vs stated 年初预算")
    full = _first(res.facts, "gpb_budget", "full_budget")
    if full is not None and all(i.get("full_budget") is not None for i in items):
        s_full = sum((i["full_budget"] for i in items), Decimal(0))
        log.amounts("text_budget_outturn_sum", full["value"], s_full, line=full["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ full budgets of the {len(items)} items vs stated 全年预算")
    if actual is not None:
        log.amounts("text_budget_outturn_sum", actual["value"], s_act, line=actual["line"],
                    table=TABLE, terms=len(items), unit=u,
                    what=f"Σ outturn of the {len(items)} items vs stated 支出决算")
    # per function class against 五(二)
    by_class: dict[str, Decimal] = {}
    for i in items:
        c = (i["code"] or "")[:3] or gpb_class_code(i["class_name"])
        if c:
            by_class[c] = by_class.get(c, Decimal(0)) + (i["actual"] or Decimal(0))
    for c, total in by_class.items():
        f = _first(res.facts, f"gpb_class:{c}", "actual")
        if f is not None:
            log.amounts("text_budget_outturn_sum", f["value"], total, line=f["line"],
                        table=TABLE, terms=2, unit=u,
                        what=f"Σ outturn of class {c} items vs stated class amount")
    # names given for the same code should agree (info only)
    seen: dict[str, tuple[str, int]] = {}
    for i in items:
        if not i["code"]:
            continue
        for code, name in ((i["code"][:3], i["class_name"]), (i["code"][:5], i["kuan_name"])):
            if code in seen and seen[code][0] != name:
                log.note("text_function_names",
                         f"code {code} is named “{seen[code][0]}” (line {seen[code][1]}) "
                         f"and “{name}”", line=i["line"], table=TABLE,
                         expected=seen[code][0], found=name)
            seen.setdefault(code, (name, i["line"]))


def _check_repeated(ctx: _Ctx) -> None:
    """A figure stated twice (same subject, measure and year) must be the same."""
    facts, log = ctx.res.facts, ctx.log
    first: dict[tuple, dict] = {}
    for f in facts:
        if f["measure"] in ("share_base",) or f["subject"].startswith("perf_"):
            continue
        key = (f["subject"], f["measure"], f["year"])
        if key in first:
            g = first[key]
            log.record("text_repeated_figure", g["value"] == f["value"], severity="error",
                       line=f["line"], table=TABLE, expected=g["value"], found=f["value"],
                       message=f"{f['subject']} {f['measure']} stated as "
                               f"{decimal_str(g['value'])} (line {g['line']}) and "
                               f"{decimal_str(f['value'])}")
        else:
            first[key] = f
    pairs = [(("gpb_budget", "actual"), ("gpb_expenditure", "actual"))]
    for (s1, m1), (s2, m2) in pairs:
        a, b = _first(facts, s1, m1), _first(facts, s2, m2)
        if a and b:
            log.record("text_repeated_figure", a["value"] == b["value"], severity="error",
                       line=a["line"], table=TABLE, expected=b["value"], found=a["value"],
                       message=f"{s1} {m1} {decimal_str(a['value'])} vs {s2} {m2} "
                               f"{decimal_str(b['value'])}")
    base = next((f for f in facts if f["measure"] == "share_base" and "支出合计" in f["text"]),
                None)
    exp = _first(facts, "expenditure", "actual")
    if base and exp:
        log.record("text_repeated_figure", base["value"] == exp["value"], severity="error",
                   line=base["line"], table=TABLE, expected=exp["value"], found=base["value"],
                   message=f"本年支出合计 stated as {decimal_str(base['value'])} in "
                           f"{base['section']} and {decimal_str(exp['value'])} in {exp['section']}")
