"""The lists the explanation states in fixed forms: 八/九 declared empty, 五(三) budget vs
outturn items (年初预算, 全年预算 / 调整预算, 追加, 支出决算, the rate and the budget it names),
十(三) assets, 十(四) performance counts and project self-scores.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ...numbers import decimal_str, parse_rate, percent_places
from .prose_base import KEYWORDS, NUM, TABLE, Block, FULL_WORDS, _amount, _Ctx, cue_words
from .prose_engine import _engine


# ------------------------------------------------------------------ 八 / 九 declared empty
def _declared_empty(ctx: _Ctx, block: Block) -> bool:
    text = ctx.jt.text
    m = re.compile(r"无(政府性基金|国有资本经营)预算财政拨款([^。;\n]*)").search(
        text, block.start, block.end)
    if not m:
        return False
    prefix = "gov_fund" if m.group(1) == "政府性基金" else "state_capital"
    what = m.group(2)
    parts = []
    if "收入" in what:
        parts.append("income")
    if "支出" in what:
        parts.append("expenditure")
    if "结转" in what or "结余" in what:
        parts.append("carryover")
    for p in parts:
        ctx.fact(block, f"{prefix}_{p}", "actual", Decimal(0), pos=m.start(),
                 snip_start=m.start(), snip_end=m.end(), unit=None)
    return bool(parts)


# ------------------------------------------------------------------ 五(三) items
# the level words of an item heading (类 / 款 / 项) are data: prose_cues.csv kind item_level, shared with the
# budget's item headings (prose_budget)
_LEVEL = {int(v): re.escape(w) for w, v in cue_words("item_level")}
ITEM_HEAD_RE = re.compile(
    rf"(?:(?P<no>\d{{1,2}})[.、])?(?P<cls>[^()\n。;,:、]+?)\((?P<c>\d{{3}}|{_LEVEL[3]})\)"
    rf"(?P<kuan>[^()\n。;,:]+?)\((?P<k>\d{{2}}|{_LEVEL[5]})\)(?P<xiang>[^()\n。;,:]+?)\((?P<x>\d{{2}}|{_LEVEL[7]})\)"
    r"[.。,:]?")
INITIAL_RE = re.compile(rf"年初预算(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
NO_INITIAL_RE = re.compile(r"无年初预算|未安排年初预算|年初预算为0(?:元)?(?![\d.])")
FULL_RE = re.compile(rf"(?:{FULL_WORDS})(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
ADJUSTED_RE = re.compile(rf"(?:追加|调整|调增)(?!后?预算(?:数)?(?:为|是)?\d)[^,;。]*?预算(?:数)?(?:为|是)?"
                         rf"(?P<n>{NUM})(?P<u>万元|元)")
ACTUAL_RE = re.compile(rf"支出决算(?:数)?(?:为|是)?(?P<n>{NUM})(?P<u>万元|元)")
NOT_SPENT_RE = re.compile(r"(?:当年|本年)?(?:未支出|无支出|未发生支出)")
RATE_RE = re.compile(rf"(?:完成|为)(?P<b>年初|全年|调整后|调整)?预算(?:数)?的?(?P<n>{NUM})%")


def _gpb_detail(ctx: _Ctx, blocks: list[Block]) -> None:
    """五(三): the total sentence (context engine) and the list of items, each
    "类名（201）款名（04）项名（02）…年初预算为…，支出决算为…，完成年初预算的…%，原因"."""
    text = ctx.jt.text
    s, e = blocks[0].start, blocks[-1].end
    heads = list(ITEM_HEAD_RE.finditer(text, s, e))
    intro_end = heads[0].start() if heads else e
    intro = Block(blocks[0].label, blocks[0].top, blocks[0].sub, None, blocks[0].top_title,
                  blocks[0].sub_title, "gpb_detail", s, intro_end)
    _engine(ctx, intro, KEYWORDS["gpb_detail"])
    for n, m in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else e
        blk = next((b for b in blocks if b.start <= m.start() < b.end), blocks[0])
        no = int(m.group("no")) if m.group("no") else n + 1
        label = blk.label if blk.item is not None else f"{blk.label}{no}"
        _outturn_item(ctx, label, m, end, no)
    for b in blocks:
        if b.item is not None and not any(b.start <= h.start() < b.end for h in heads):
            ctx.log.note("text_parse", f"{b.label}: budget/outturn item not understood",
                         line=ctx.jt.line(b.start), table=TABLE)


def _outturn_item(ctx: _Ctx, label: str, m: re.Match, block_end: int, no: int) -> None:
    text = ctx.jt.text
    jt = ctx.jt

    if m.group("no"):
        ctx.consume(m.start("no"))
    for g in ("c", "k", "x"):
        if m.group(g).isdigit():
            ctx.consume(m.start(g))
    cls, kuan, xiang = (m.group(g).rstrip(".。,") for g in ("cls", "kuan", "xiang"))
    if all(m.group(g).isdigit() for g in ("c", "k", "x")):
        code = m.group("c") + m.group("k") + m.group("x")
    else:
        code = None
    rs, re_ = m.end(), block_end
    rest = text[rs:re_]
    last = 0

    def take(m: re.Match) -> Decimal:
        """The amount a match states, marked read; ``last`` follows the furthest one read."""
        nonlocal last
        ctx.consume(rs + m.start("n"))
        last = max(last, m.end())
        return _amount(m.group("n"), m.group("u"))

    initial = None
    no_initial = NO_INITIAL_RE.search(rest)
    mi = INITIAL_RE.search(rest)
    if mi and not (no_initial and no_initial.start() < mi.start() and mi.group("n") == "0"):
        initial = take(mi)
    if no_initial:
        last = max(last, no_initial.end())
    adjusted = None
    ma = ADJUSTED_RE.search(rest)
    if ma and (not mi or ma.start("n") != mi.start("n")):
        adjusted = take(ma)
    mf = FULL_RE.search(rest)
    full = take(mf) if mf else None
    not_spent = False
    mx = ACTUAL_RE.search(rest)
    actual = take(mx) if mx else None
    if not mx:
        ns = NOT_SPENT_RE.search(rest)
        if ns:
            actual, not_spent = Decimal(0), True
            last = max(last, ns.end())
    rate = places = basis = None
    mr = RATE_RE.search(rest)
    if mr:
        # the budget the sentence names; a bare 预算 is the initial one unless only a full
        # budget is stated (a unit founded in the year: 年初预算 0, 全年预算 X)
        named = mr.group("b")
        if named in ("全年", "调整后", "调整"):
            basis = "full"
        elif named == "年初":
            basis = "initial"
        else:
            basis = "full" if full is not None and not initial else "initial"
        rate = parse_rate(mr.group("n") + "%")
        places = percent_places(mr.group("n") + "%")
        ctx.consume(rs + mr.start("n"))
        last = max(last, mr.end())
    tail_start = rs + last
    while tail_start < re_ and text[tail_start] in ",.;:。、\n":
        tail_start += 1
    tail_end = re_
    while tail_end > tail_start and text[tail_end - 1] in ",.;:。、\n":
        tail_end -= 1
    explanation = jt.snippet(tail_start, tail_end) or None
    note = None
    if no_initial or adjusted is not None or not_spent:
        ns_ = rs
        while ns_ < rs + last and text[ns_] in ",.;:。、":
            ns_ += 1
        note = jt.snippet(ns_, rs + last).rstrip("，。,.；;") or None
    if actual is None:
        ctx.log.note("text_parse", f"{label}: no 支出决算 amount found in item",
                     line=jt.line(m.start()), table=TABLE)
    ctx.res.budget_outturn.append({
        "item_no": no, "code": code, "class_name": cls, "kuan_name": kuan,
        "xiang_name": xiang, "initial_budget": initial, "adjusted_budget": adjusted,
        "full_budget": full, "actual": actual, "unit": mx.group("u") if mx else None, "stated_completion_rate": rate,
        "stated_rate_places": places, "stated_rate_basis": basis,
        "code_source": "text" if code else "",
        "explanation": explanation, "note": note, "line": jt.line(m.start()),
        "section": label,
    })


# ------------------------------------------------------------------ 十(三) assets
AREA_RE = re.compile(rf"(?:房屋|建筑|办公用房)[^,;。]*?面积(?:为|共|合计)?(?P<n>{NUM})(?:平方米|m2)")
VEHICLES_RE = re.compile(r"(?:共有|拥有|共)?车辆(?:共|合计)?(?P<n>\d+)辆")
VEHICLE_TYPE_RE = re.compile(r"(?P<label>[^、,;:。\d]+?)(?P<n>\d+)辆")
EQUIP_RE = re.compile(rf"单价(?P<t>{NUM})万元(?:\(含\))?以上(?:的)?(?P<k>专用|通用)设备(?:共)?"
                      r"(?P<n>\d+)(?:台\(套\)|台|套)")
EQUIP_THRESHOLDS = {"专用": Decimal(1000000), "通用": Decimal(500000)}   # 元 (100 / 50 万元)


def _assets(ctx: _Ctx, block: Block) -> None:
    text = ctx.jt.text
    s, e = block.start, block.end

    def add(subject, measure, m, group, value, unit):
        ctx.fact(block, subject, measure, value, pos=m.start(group),
                 snip_start=m.start(), snip_end=m.end(), unit=unit)
        ctx.consume(m.start(group))

    for m in AREA_RE.finditer(text, s, e):
        add("floor_area", "area_m2", m, "n", Decimal(m.group("n").replace(",", "")), "平方米")
    mv = VEHICLES_RE.search(text, s, e)
    if mv:
        add("vehicles", "count", mv, "n", Decimal(mv.group("n")), "辆")
        # the list of types: from 其中 up to the end of the clause
        tail = mv.end()
        stop = min([p for p in (text.find(";", tail, e), text.find("。", tail, e),
                                text.find("\n", tail, e)) if p >= 0] or [e])
        for mt in VEHICLE_TYPE_RE.finditer(text, tail, stop):
            label = re.sub(r"^(?:其中|包括|含)[:]?", "", mt.group("label"))
            if label:
                add(f"vehicles:{label}", "count", mt, "n", Decimal(mt.group("n")), "辆")
    for m in EQUIP_RE.finditer(text, s, e):
        ctx.consume(m.start("t"))
        subj = "equipment_over_1m" if m.group("k") == "专用" else "equipment_general_over_500k"
        add(subj, "count", m, "n", Decimal(m.group("n")), "台(套)")
        # the subject names the template's threshold; another one must not pass unnoticed
        threshold = _amount(m.group("t"), "万元")
        standard = EQUIP_THRESHOLDS[m.group("k")]
        if threshold != standard:
            ctx.log.add("text_asset_threshold", "warning",
                        f"{block.label}: {m.group('k')}设备 counted above 单价 "
                        f"{decimal_str(threshold / 10000)} 万元; the template's threshold is "
                        f"{decimal_str(standard / 10000)} 万元 (the count is kept as {subj})",
                        line=ctx.jt.line(m.start("t")), table=TABLE,
                        expected=standard, found=threshold)


# ------------------------------------------------------------------ 十(四) performance
SCORE_RE = re.compile(
    rf"\((?P<no>\d{{1,3}})\)[“\"「『](?P<name>[^”\"」』]+)[”\"」』](?:项目)?(?:绩效)?(?:自评)?"
    rf"(?:得分|评分|分数)(?:为|是|:)?(?P<n>{NUM})(?P<u>分|元)?")
PERF_RES = [
    (re.compile(r"一般公共预算项目(?P<n>\d+)个"), "perf_projects", "count"),
    (re.compile(rf"(?P<n>\d+)个上年结转项目(?:合计|共计|共|资金)*(?:(?P<a>{NUM})(?P<u>万元|元))?"),
     "perf_carryover", "count"),
    (re.compile(rf"(?P<n>\d+)个随同[^,;。()]*?告知事项项目(?:合计|共计|共|资金)*"
                rf"(?:(?P<a>{NUM})(?P<u>万元|元))?"), "perf_notice", "count"),
    (re.compile(r"一级项目(?P<n>\d+)个"), "perf_projects_level1", "count"),
    (re.compile(r"二级项目(?P<n>\d+)个"), "perf_projects_level2", "count"),
    (re.compile(r"政府性基金预算项目(?P<n>\d+)个"), "perf_gov_fund_projects", "count"),
    (re.compile(rf"共涉及资金(?P<a>{NUM})(?P<u>万元|元)(?:,占[^,;。]*?的?(?P<s>{NUM})%)?"),
     "perf_funds", "amount"),
    (re.compile(r"(?P<n>\d+)个项目"), "perf_projects", "count"),
    (re.compile(rf"自评率(?:达到|为|达)?(?P<s>{NUM})%"), "perf_self_eval", "share"),
]


def _perf(ctx: _Ctx, block: Block) -> None:
    text, jt = ctx.jt.text, ctx.jt
    s, e = block.start, block.end
    for m in SCORE_RE.finditer(text, s, e):
        ctx.consume(m.start("no"))
        ctx.consume_span(m.start("name"), m.end("name"))
        ctx.consume(m.start("n"))
        ctx.res.project_scores.append({
            "no": int(m.group("no")),
            "project": re.sub(r"\s+", "", jt.snippet(m.start("name"), m.end("name"))),
            "score": Decimal(m.group("n").replace(",", "")), "unit_word": m.group("u"),
            "line": jt.line(m.start("n")), "section": block.label,
        })
    for rx, subject, kind in PERF_RES:
        for m in rx.finditer(text, s, e):
            gi = m.groupdict()
            key = "n" if gi.get("n") is not None else ("a" if gi.get("a") is not None else "s")
            if m.start(key) in ctx.res.consumed:
                continue
            if gi.get("n") is not None:
                ctx.fact(block, subject, "count", Decimal(m.group("n")), pos=m.start("n"),
                         snip_start=m.start(), snip_end=m.end(), unit="个")
                ctx.consume(m.start("n"))
            if gi.get("a") is not None:
                ctx.fact(block, subject, "amount", _amount(m.group("a"), m.group("u")),
                         pos=m.start("a"), snip_start=m.start(), snip_end=m.end(),
                         unit=m.group("u"))
                ctx.consume(m.start("a"))
            if gi.get("s") is not None:
                ctx.fact(block, subject, "share", parse_rate(m.group("s") + "%"),
                         pos=m.start("s"), snip_start=m.start(), snip_end=m.end(), unit="%",
                         places=percent_places(m.group("s") + "%"))
                ctx.consume(m.start("s"))
    m = re.compile(r"无政府性基金预算项目").search(text, s, e)
    if m:
        ctx.fact(block, "perf_gov_fund_projects", "count", Decimal(0), pos=m.start(),
                 snip_start=m.start(), snip_end=m.end(), unit=None)
