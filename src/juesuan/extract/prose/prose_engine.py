"""The context engine: every figure of a prose block gets a subject (the keyword nearest
before it) and a measure (the cue words: 上年 → prior, 年初预算 / 全年预算 → budget /
full_budget, 增加 / 减少 → change, 占 → share, 完成…预算的 → completion_rate); 持平 against
the prior year is a change of 0; reasons are attached to the changes they explain.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ...numbers import parse_rate, percent_places
from .prose_base import (
    Block, CHANGE_CUE, CHANGE_MEASURES, COMPLETION_CUE, COUNT_SUBJECTS, COUNT_UNITS, FULL_WORDS,
    NEGATIVE_CUES, NUMBER_RE, REASON_RE, TOKEN_RE, _amount, _best_keyword, _Ctx)


# ------------------------------------------------------------------ context engine
def _engine(ctx: _Ctx, block: Block, table: list[tuple[str, str]]) -> None:
    """Read every figure of a prose block with the keyword ``table``."""
    text = ctx.jt.text
    s, e = block.start, block.end
    subject = None         # carried from figure to figure ("a|b" for a combined subject)
    base = None            # "budget" / "prior": what a following change compares with
    prev_end = s
    prev_measure = prev_snip = None
    count_subject = None
    block_facts: list[dict] = []

    def block_measures(subj) -> dict:
        """measure → value of the figures of ``subj`` read so far in this block"""
        return {f["measure"]: f["value"] for f in block_facts if f["subject"] == subj}

    def emit(subj, measure, value, ts, snip, end, unit, places=None, year=None):
        for one in subj.split("|"):
            block_facts.append(ctx.fact(block, one, measure, value, pos=ts, snip_start=snip,
                                        snip_end=end, unit=unit, places=places, year=year))

    for m in TOKEN_RE.finditer(text, s, e):
        ts = m.start()
        cs = max(text.rfind("。", s, ts), text.rfind(";", s, ts), text.rfind("\n", s, ts))
        ls = max(prev_end, cs + 1, s)
        L = text[ls:ts]
        boundary_crossed = cs + 1 > prev_end
        if m.group("num") and m.group("unit") is None:
            continue      # years / dates stay part of the context; bare numbers are left over
        # a reason clause: only what follows it after a comma is context, and a figure in it
        # is a fact about the reason's own subject (主要原因：项目支出增加，较上年增加X万元),
        # never a restatement of the figure the reason explains
        ri = L.rfind("原因")
        reason_of = None
        if ri >= 0:
            ci = L.find(",", ri)
            if ci < 0:
                continue
            reason_text = L[ri:]
            ls += ci + 1
            L = L[ci + 1:]
            reason_of = (subject, base)
        # subject: keywords before 占 (after 占 comes the base of a share)
        zi = L.find("占")
        found, kw_end = _best_keyword(L if zi < 0 else L[:zi], table)
        if reason_of is not None:
            rsubj = found or _best_keyword(reason_text, table)[0]
            if rsubj is None or rsubj == subject or m.group("zero") or \
                    (m.group("unit") in COUNT_UNITS or m.group("unit") in ("平方米", "m2")):
                continue       # nothing to attribute it to: not a fact about the heading's subject
            found = rsubj
        rest = L[kw_end:] if found else L
        prior_cue = bool(ctx.prior_re.search(L))
        snip = _snip_start(text, ls, ts)

        if m.group("zero"):
            zc = m.group("zc")
            zsubj, _ = _best_keyword(zc, table)
            change_phrase = "增减" in zc or zc in ("变化", "变动")
            if zsubj is None and (zc in ("支出", "收入") or change_phrase):
                zsubj = found or subject
            if zsubj is None:
                continue
            if change_phrase:
                budget_cmp = ("预算" in rest and not prior_cue) or (base == "budget" and not prior_cue)
                measure = "change_vs_budget" if budget_cmp else "change"
                year = ctx.year
            elif prior_cue:
                measure, year = "prior", ctx.year - 1
            else:
                measure, year = "actual", ctx.year
            if zsubj != subject:
                base = None
            subject = zsubj
            emit(subject, measure, Decimal(0), ts, snip, m.end(), None, year=year)
            prev_end, prev_measure, prev_snip = m.end(), measure, snip
            continue

        num, unit = m.group("num"), m.group("unit")
        places = None
        year = ctx.year
        if unit in COUNT_UNITS or unit in ("平方米", "m2"):
            # counts and areas need their own keyword (or follow a count: "8 批次, 61 人次")
            csubj = found
            if csubj is not None and not (unit in COUNT_UNITS and
                                          (csubj, unit) in COUNT_SUBJECTS) and \
                    csubj.startswith(("sangong", "total_", "income", "expenditure")):
                csubj = None
            if csubj is not None and unit in COUNT_UNITS:
                csubj = COUNT_SUBJECTS.get((csubj, unit), csubj)
            if csubj is None and unit in ("人次", "人") and count_subject and \
                    count_subject.endswith(("_groups", "_batches")):
                csubj = count_subject.rsplit("_", 1)[0] + "_persons"
            if csubj is None:
                continue
            value = Decimal(num.replace(",", ""))
            measure = "count" if unit in COUNT_UNITS else "area_m2"
            if prior_cue:
                year = ctx.year - 1
            count_subject = csubj
            emit(csubj, measure, value, ts, snip, m.end(), unit, year=year)
            ctx.consume(ts)
            prev_end, prev_measure, prev_snip = m.end(), measure, snip
            continue

        if found and found != subject:
            base = None
        if found:
            subject = found
        if subject is None:
            continue
        if unit == "%":
            value = parse_rate(num + "%")
            places = percent_places(num + "%")
            if (cc := COMPLETION_CUE.search(L)):
                measure = "completion_rate"
                if re.search(FULL_WORDS.replace("预算", ""), cc.group(0)):
                    measure = "full_completion_rate"
                elif "年初" not in cc.group(0) and \
                        "full_budget" in block_measures(subject.split("|")[0]) and \
                        not block_measures(subject.split("|")[0]).get("budget"):
                    measure = "full_completion_rate"
            elif zi >= 0 or (prev_measure == "share_base" and not boundary_crossed
                             and not re.search("[,;]", L)):
                measure = "share"
                if zi < 0:
                    snip = prev_snip
            elif (cm := CHANGE_CUE.search(L)):
                measure = (_budget_change(rest, base, "change_rate") if _vs_budget(rest, prior_cue, base)
                           else "change_rate")
                amount = block_measures(subject.split("|")[0]).get(measure.replace("_rate", ""))
                if cm.group("alt") and amount:
                    # 下降（增长）27.78%: a template's both words left in (doc_template_text
                    # reports it); the direction is the stated amount's
                    value = abs(value) if amount > 0 else -abs(value)
                elif cm.group(1) in NEGATIVE_CUES:
                    value = -abs(value)
            else:
                continue
        else:
            value = _amount(num, unit)
            cm = CHANGE_CUE.search(L)
            if zi >= 0:
                measure = "share_base"
            elif cm:
                measure = (_budget_change(rest, base, "change") if _vs_budget(rest, prior_cue, base)
                           else "change")
                if cm.group(1) in NEGATIVE_CUES:
                    value = -abs(value)
            elif prior_cue:
                measure, year, base = "prior", ctx.year - 1, "prior"
            elif "预算" in rest:
                measure = _budget_measure(rest)
                base = "full_budget" if measure == "full_budget" else "budget"
            else:
                measure = "actual"
        emit(subject, measure, value, ts, snip, m.end(), unit, places=places, year=year)
        ctx.consume(ts)
        prev_end, prev_measure, prev_snip = m.end(), measure, snip
        if reason_of is not None:
            subject, base = reason_of     # the heading's subject goes on after the reason
    _level_with_prior(ctx, block, table, block_facts)
    _attach_reasons(ctx, block, table, block_facts)


LEVEL_RE = re.compile(r"(?<!基本)持平")
BUDGET_CMP = re.compile(r"(?:与|同|较|比)(?:年初|全年|调整后?)?预算")


def _level_with_prior(ctx: _Ctx, block: Block, table, block_facts: list[dict]) -> None:
    """与2023年度相比，…总计持平 / …决算数与上年持平: a change of 0 against the prior year (the
    prior figure is then the current one).  基本持平 states no figure and gives none; a clause
    about the budget (决算数与预算数持平) is not about the prior year; 其中：…持平 after a
    sentence that names the prior year goes with it."""
    text = ctx.jt.text
    s = block.start
    for m in LEVEL_RE.finditer(text, s, block.end):
        sent = max(text.rfind("。", s, m.start()), text.rfind(";", s, m.start()),
                   text.rfind("\n", s, m.start())) + 1
        clause = text[sent:m.start()]
        tail = clause[clause.rfind(",") + 1:]          # 支出X万元，与上年持平: the figure is before
        if BUDGET_CMP.search(clause) or NUMBER_RE.search(re.sub(r"(?:19|20)\d{2}年", "", tail)):
            continue
        cue = bool(ctx.prior_re.search(clause))
        if not cue:
            # 其中：a…持平；b…持平 — the list goes with the sentence before it
            head = max(text.rfind("。", s, m.start()), text.rfind("\n", s, m.start())) + 1
            if text.startswith("其中", head):
                prev = max(text.rfind("。", s, head - 1), text.rfind("\n", s, head - 1)) + 1
                cue = bool(ctx.prior_re.search(text[prev:head]))
        if not cue:
            continue
        subj, _ = _best_keyword(clause, table)
        if subj is None:
            continue
        for one in subj.split("|"):
            if any(f["subject"] == one and f["measure"] == "change" for f in block_facts):
                continue
            block_facts.append(ctx.fact(block, one, "change", Decimal(0), pos=m.start(),
                                        snip_start=sent, snip_end=m.end(), unit=None))


def _budget_measure(rest: str) -> str:
    """budget (年初预算, or a bare 预算) or full_budget (全年预算 / 调整预算 / 调整后预算): the
    budget word nearest before the figure decides."""
    full = max((m.end() for m in re.finditer(FULL_WORDS, rest)), default=-1)
    initial = max((m.end() for m in re.finditer("预算", rest)), default=-1)
    return "full_budget" if full >= 0 and full >= initial else "budget"


def _vs_budget(rest: str, prior_cue: bool, base: str | None) -> bool:
    """Does a change compare with the budget ("较年初预算增加", or after a budget figure)?"""
    if prior_cue:
        return False
    return "预算" in rest or base in ("budget", "full_budget")


def _budget_change(rest: str, base: str | None, stem: str) -> str:
    """change(_rate)_vs_budget, or …_vs_full_budget when the change compares with the 全年预算
    (较全年预算减少 X, or after a 全年预算 figure without naming 年初预算)."""
    if "预算" in rest:
        full = _budget_measure(rest) == "full_budget"
    else:
        full = base == "full_budget"
    return f"{stem}_vs_full_budget" if full else f"{stem}_vs_budget"


def _snip_start(text: str, ls: int, ts: int) -> int:
    i = ls
    while i < ts and text[i] in ",;:、。\n":
        i += 1
    return i


def _attach_reasons(ctx: _Ctx, block: Block, table, facts: list[dict]) -> None:
    text = ctx.jt.text
    for m in REASON_RE.finditer(text, block.start, block.end):
        cs = max(text.rfind("。", block.start, m.start()), text.rfind(";", block.start, m.start()),
                 text.rfind("\n", block.start, m.start()))
        lead = text[cs + 1:m.start()]
        subj, _ = _best_keyword(lead, table)
        reason = ctx.jt.snippet(m.start("r"), m.end("r"))
        for f in facts:
            if (f["reason"] is None and f["measure"] in CHANGE_MEASURES
                    and ctx.fact_pos[id(f)] < m.start()
                    and (subj is None or f["subject"] == subj)):
                f["reason"] = reason
