"""The budget report's prose (部门预算 / 单位预算 编制说明), read on the prose engine's joined text
(:class:`~.prose_base.JoinedText`: lines joined where a sentence wraps, also across pages, NFKC
normalised, every character mapped back to its line) with the vocabulary of the engine's tables:

- the totals' cue words (收入预算, 财政拨款支出预算, “三公”经费预算数, 机关运行经费 …) are the
  ``budget`` rows of ``data/prose_subjects.csv``;
- change words (增加 / 减少 / 增长 / 下降 …), the level words (持平 …), the item heading's level
  words (类 / 款 / 项), quotes, joiners (-) and suffix (科目), and the cues of an item's prior-year
  figures (当年预算执行数 / 执行数 / 上年预算数 …) and its restated amount (预算安排) are rows of
  ``data/prose_cues.csv``.

An item of the fiscal appropriation (财政拨款支出主要内容) is a numbered heading with an amount:

- quoted   1.“一般公共服务支出（类）财政事务（款）行政运行（项）”1,623.18万元
- codes    3、一般公共服务支出（201类）财政事务（06款）行政运行（01项）512.30万元 (or (201)(06)(01))
- dashes   1. “一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目1,202.95万元
- a code   4. “2010301”科目72.00万元 / 4. 2010301行政运行72.00万元
- a class  1.“一般公共服务支出”科目12,789万元

followed by its clause (up to the next heading): the prior year's execution or budget, the
amount restated (2026年预算安排…), the change against the prior year as an amount or a rate with
its direction (增加 / 减少 / 增长 / 下降 / 持平).  The item is matched to its row of the budget
tables by its code, else by its names, else by its class and amount (:func:`match_item`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from ...findings import CheckLog
from .prose_base import NUM, JoinedText, _norm, _rows, cue_words, gpb_class_code

WAN = Decimal(10000)
SECTION = "items"


# ------------------------------------------------------------------ vocabulary (data)
def _alt(words) -> str:
    """A regex alternation of the words, longest first (增加 before 增)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=None)
def budget_cues() -> list[tuple[str, str]]:
    """(normalised cue, subject) of the totals (data/prose_subjects.csv, block budget), longest first."""
    out = [(_norm(r["keyword"]), r["subject"]) for r in _rows("prose_subjects.csv") if r["block"] == "budget"]
    return sorted(out, key=lambda x: -len(x[0]))


@lru_cache(maxsize=None)
def vocab() -> dict:
    change = cue_words("change")
    return {
        "change": _alt(w for w, _ in change),
        "negative": {w for w, v in change if v == "-"},
        "level": _alt(w for w, _ in cue_words("level")),
        "levels": {w: int(v) for w, v in cue_words("item_level")},
        "quotes": "".join(w for w, _ in cue_words("item_quote")),
        "joiners": "".join(_norm(w) or w for w, _ in cue_words("item_joiner")),
        "suffix": _alt(w for w, _ in cue_words("item_suffix")),
        "execution": _alt(w for w, _ in cue_words("prior_execution")),
        "prior_budget": _alt(w for w, _ in cue_words("prior_budget")),
        "current": _alt(w for w, _ in cue_words("current_budget")),
        "prior_years": _alt(w for w, _ in cue_words("prior")),
    }


@lru_cache(maxsize=None)
def _res() -> dict[str, re.Pattern]:
    v = vocab()
    year = rf"(?P<year>(?:19|20)\d{{2}})年度?|(?P<py>{v['prior_years']})年?度?"
    amount = rf"(?P<num>{NUM})(?P<unit>万元|元)"
    lv = "".join(v["levels"])
    q = re.escape(v["quotes"])
    return {
        "fact": re.compile(rf"(?P<cue>{_alt(c for c, _ in budget_cues())})(?:预算)?(?:数)?(?:为|是)?(?:安排)?"
                           rf"(?P<num>{NUM})(?P<unit>万元|元)?(?![\d%])"),
        "change": re.compile(rf"(?:比|较|与|同)(?:{year})(?:当年)?(?P<base>{v['execution']}|{v['prior_budget']})?"
                             rf"(?:相比)?,?(?:(?P<dir>{v['change']})(?:了)?(?P<num>{NUM})(?P<unit>万元|元|%)"
                             rf"|(?P<flat>{v['level']}))"),
        "then_rate": re.compile(rf",?(?P<dir>{v['change']})(?:了)?(?P<num>{NUM})%"),
        "execution": re.compile(rf"(?:{year})(?:当年)?(?P<cue>{v['execution']})(?:为|是)?{amount}"),
        "prior_budget": re.compile(rf"(?:{year})(?P<cue>{v['prior_budget']})(?!执行|安排)(?:为|是)?{amount}"),
        "current": re.compile(rf"(?:{year})(?P<cue>{v['current']})(?:为|是)?{amount}"),
        "head": re.compile(rf"(?:^|(?<=[\n。;:]))(?P<no>\d{{1,3}})(?:、|\.(?!\d))(?P<body>[^。;:\n,]{{1,160}}?)"
                           rf"(?P<num>{NUM})(?P<unit>万元|元)(?![\d%])"),
        "pieces": re.compile(rf"(?P<name>.+?)\((?P<code>\d{{2,3}})?(?P<lv>[{lv}])\)"),
        "codes": re.compile(r"(?P<name>.+?)\((?P<code>\d{2,3})\)"),
        "code_alone": re.compile(r"^(?P<code>\d{7}|\d{5}|\d{3})(?P<name>\D.*)?$"),
        "quotes": re.compile(rf"[{q}]"),
        "suffix": re.compile(rf"(?:{v['suffix']})$"),
    }


def _places(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


def _amount(num: str, unit: str | None) -> Decimal:
    return Decimal(num.replace(",", "")) * (WAN if unit == "万元" else Decimal(1))


@lru_cache(maxsize=8192)
def _name(s: str | None) -> str | None:
    """A name compared with the tables' (其它 → 其他, quotes and spaces dropped)."""
    if not s:
        return None
    return re.sub(r"[\"“”'‘’]", "", _norm(s)).replace("其它", "其他")


# ------------------------------------------------------------------ headings
@dataclass
class Heading:
    """What an item heading names: per level (3 类, 5 款, 7 项) a name and / or a code piece."""

    form: str                                         # quoted | codes | dashes | code | name
    names: dict = field(default_factory=dict)         # level → name
    code: str | None = None                           # the full code it states (201 / 20106 / 2010601)
    level: int | None = None                          # the level the heading is at (None: unknown)
    quoted: bool = False


def parse_heading(body: str) -> Heading | None:
    """The item a heading body names (normalised text between the ordinal and the amount), or None
    when the body is not an item heading (a numbered sentence of another kind)."""
    r = _res()
    s = body.strip()
    quoted = bool(r["quotes"].match(s))
    for _ in range(3):                 # “…”科目 / “…”为: the suffix after the quotes, then the quotes
        s2 = r["suffix"].sub("", s).strip(vocab()["quotes"]).strip()
        if s2 == s:
            break
        s = s2
    if not s:
        return None
    levels = vocab()["levels"]
    # 类（类）款（款）项（项） / 类（201类）款（06款）项（01项）
    pieces = list(r["pieces"].finditer(s))
    # …（项）支出 1,234 万元 (江苏 2017–2019): the word 支出 after the last bracket
    if pieces and "".join(m.group(0) for m in pieces) in (s, s.removesuffix("支出")):
        names = {levels[m.group("lv")]: m.group("name") for m in pieces}
        codes = [m.group("code") for m in pieces]
        code = "".join(codes) if all(codes) and len("".join(codes)) == max(names) else None
        return Heading("codes" if any(codes) else "quoted", names, code, max(names), quoted)
    # the final accounts' 类名（201）款名（06）项名（01）
    pieces = list(r["codes"].finditer(s))
    if 1 <= len(pieces) <= 3 and "".join(m.group(0) for m in pieces) == s:
        code = "".join(m.group("code") for m in pieces)
        if len(code) == 2 * len(pieces) + 1 and len(pieces[0].group("code")) == 3:
            names = {3 + 2 * i: m.group("name") for i, m in enumerate(pieces)}
            return Heading("codes", names, code, len(code), quoted)
    # 类-款-项
    parts = [p for p in re.split(rf"[{re.escape(vocab()['joiners'])}]", s)]
    if len(parts) in (2, 3) and all(parts):
        return Heading("dashes", {3 + 2 * i: p for i, p in enumerate(parts)}, None, 3 + 2 * (len(parts) - 1),
                       quoted)
    # a code, with or without a name after it
    m = r["code_alone"].match(s)
    if m:
        code = m.group("code")
        names = {len(code): m.group("name")} if m.group("name") else {}
        return Heading("code", names, code, len(code), quoted)
    # a name alone: quoted, or a class name
    if _exact_class(s) and (quoted or s.endswith("支出")):
        return Heading("name", {3: s}, None, 3, quoted)
    if quoted:
        return Heading("name", {0: s}, None, None, quoted)
    return None


def _bare(s: str) -> str:
    """A heading's text without its quotes and suffix (“…”科目 → …)."""
    r = _res()
    s = s.strip()
    for _ in range(3):
        s2 = r["suffix"].sub("", s).strip().strip(vocab()["quotes"]).strip()
        if s2 == s:
            break
        s = s2
    return s


# ------------------------------------------------------------------ matching
def _stated_is(value: Decimal, places: int, cell: Decimal) -> bool:
    """A figure stated in 万元 with ``places`` decimals is the cell rounded half-up or cut off."""
    unit = Decimal(1).scaleb(-places)
    got = (value / WAN).quantize(unit, rounding=ROUND_HALF_UP)
    return got in ((cell / WAN).quantize(unit, rounding=ROUND_HALF_UP), (cell / WAN).quantize(unit, rounding=ROUND_DOWN))


FUNCTION_TABLES = ("预算05", "预算03", "预算08", "预算09", "预算02")


def table_rows(tables: dict) -> dict[str, tuple[str, Decimal | None]]:
    """code → (name, amount) of the rows with a function code of the budget tables (预算05 first; the
    amount is the 合计 of 预算05 + 08 + 09, else of the first table that has it)."""
    out: dict[str, list] = {}
    for tid in FUNCTION_TABLES:
        t = tables.get(tid)
        if t is None or not getattr(t, "present", False):
            continue
        for row in t.details():
            if not row.code:
                continue
            total = row.values.get("total")
            if row.code not in out:
                out[row.code] = [row.item, total, tid]
            elif tid in ("预算08", "预算09") and out[row.code][2] in ("预算05", "预算08", "预算09") and total:
                out[row.code][1] = (out[row.code][1] or Decimal(0)) + total
    return {c: (n, a) for c, (n, a, _) in out.items()}


@lru_cache(maxsize=4096)
def _exact_class(name: str) -> str | None:
    """The code of a class named exactly (一般公共服务支出 / 一般公共服务 / an older name), else None — a 项
    name that begins with a class name (教育费附加安排的支出) is not a class."""
    from ..tabular.tables import function_classes
    from .prose_base import GPB_CLASSES
    n = _name(name)
    hit = function_classes().get(n)
    if hit:
        return hit
    return next((c for c, names in GPB_CLASSES.items() for x in names
                 if n in (_name(x), _name(x) + "支出", _name(x).replace("(类)", ""))), None)


@lru_cache(maxsize=4096)
def _class_code(name: str | None) -> str | None:
    if not name:
        return None
    from ..tabular.tables import function_classes
    return function_classes().get(_name(name)) or gpb_class_code(name)


def match_item(h: Heading, value: Decimal, places: int, rows: dict) -> tuple[str | None, str]:
    """(code, how) of the table row an item is: by the code it states, else by its names (in any
    form), else by its class and amount; how is code | names | class_amount | stated (no tables:
    the stated code) | none (no unique row)."""
    if not rows:
        return (h.code, "stated") if h.code else (None, "none")
    if h.code and h.code in rows:
        return h.code, "code"

    def amount_ok(code):
        a = rows[code][1]
        return a is not None and _stated_is(value, places, a)

    # by names: every name the heading gives is the name of the row at its level
    named = {lv: _name(n) for lv, n in h.names.items() if n}
    if named:
        cands = []
        for code, (item, _) in rows.items():
            if h.level is not None and len(code) != h.level:
                continue
            ok = True
            for lv, n in named.items():
                lv = lv or len(code)
                if lv > len(code):
                    ok = False
                    break
                row = rows.get(code[:lv])
                if lv == 3 and _class_code(n) == code[:3]:
                    continue
                if row is None or _name(row[0]) != n:
                    ok = False
                    break
            if ok:
                cands.append(code)
        if len(cands) > 1:
            cands = [c for c in cands if amount_ok(c)] or cands
        if len(cands) == 1:
            return cands[0], "names"
    # by class and amount
    cls = h.code[:3] if h.code else _class_code(h.names.get(3))
    level = h.level or 7
    # a heading under a class sub-heading names its 款 only (法院（款）…（项）): the 款 rows of that name
    parents = {cls} if cls is not None else {c for lv, n in named.items() if lv and lv < level
                                             for c, (item, _) in rows.items() if len(c) == lv and _name(item) == n}
    cands = [c for c in rows if len(c) == level and any(c.startswith(p) for p in parents) and amount_ok(c)]
    if parents and len(cands) == 1:
        return cands[0], "class_amount"
    return None, "none"


# ------------------------------------------------------------------ the reader
@dataclass
class BudgetProse:
    facts: list = field(default_factory=list)
    items: list = field(default_factory=list)
    consumed: set = field(default_factory=set)        # normalised offsets of the numbers read


def _sentence(text: str, i: int, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
    hi = len(text) if hi is None else hi
    a = max(text.rfind(c, lo, i) for c in "。;\n") + 1
    a = max(a, lo)
    ends = [e for e in (text.find(c, i, hi) for c in "。;\n") if e >= 0]
    return a, (min(ends) + 1 if ends else hi)


def _fact_year(m: re.Match, year: int) -> int:
    return int(m.group("year")) if m.group("year") else year - 1


def _is_title(seg: str) -> bool:
    from .prose_base import PART_RE, SUB_RE, TOP_RE
    return bool(TOP_RE.match(seg) or SUB_RE.match(seg) or PART_RE.match(seg)
                or (len(seg) <= 40 and not re.search("[。;,]", seg)))


def _totals_first(text: str, a: int, b: int) -> bool:
    """A paragraph that states a total (“三公”经费预算数为…) before any figure of an item's clause
    is not part of the item before it."""
    r = _res()
    t = r["fact"].search(text, a, b)
    if t is None:
        return False
    firsts = [x.start() for k in ("execution", "current", "prior_budget", "change")
              if (x := r[k].search(text, a, b))]
    return not firsts or t.start() < min(firsts)


def econ_class_code(h: Heading) -> str | None:
    """The economic class (301 工资福利支出 …) a 类-level heading names, when it names no function
    class: the 2015–2020 texts list 基本支出 by 经济分类 in the same “X（类）” form."""
    from .prose_base import ECON_CLASSES
    name = _name(h.names.get(3, "")) if h.names else ""
    if not name or set(h.names) - {3}:
        return None
    bare = re.sub(r"支出$", "", name)
    for code, names in ECON_CLASSES.items():
        for cand in names:
            c = re.sub(r"支出$", "", _name(cand))
            if bare == c:
                return code
    return None


def read_items(jt: JoinedText, tables: dict, log: CheckLog, year: int, out: BudgetProse) -> list[tuple[int, int]]:
    """Read every item heading and its clause; returns the spans read (the totals reader skips them)."""
    r = _res()
    text = jt.text
    rows = table_rows(tables)
    heads = []
    for m in r["head"].finditer(text):
        h = parse_heading(m.group("body"))
        if h is not None:
            heads.append((m, h))
    seg_starts = [(a, b) for a, b in jt.segments()]
    spans = []
    for k, (m, h) in enumerate(heads):
        end = heads[k + 1][0].start() if k + 1 < len(heads) else len(text)
        # the clause ends at the next heading, or at a title / numbered heading of another kind
        for a, b in seg_starts:
            if m.end() <= a < end and not r["head"].match(text, a) and (
                    _is_title(text[a:b]) or _totals_first(text, a, b)):
                end = a
                break
        value, places = _amount(m.group("num"), m.group("unit")), _places(m.group("num"))
        code, how = match_item(h, value, places, rows)
        line = jt.line(m.start("num"))
        sa, sb = _sentence(text, m.start("num"), m.start(), end)
        head_text = jt.snippet(m.start(), sb).rstrip("。;")
        no = int(m.group("no"))
        name = _bare(jt.snippet(m.start("body"), m.end("body")))
        econ = None if code else econ_class_code(h)
        subject = f"func:{code}" if code else (f"econ:{econ}" if econ else f"item:{_name(''.join(h.names.values()) or name)}")
        item = {"no": no, "name": name, "form": h.form, "code": code, "match": how, "value": value,
                "places": places, "line": line, "where": log.loc(line),
                "subject": subject, "prior_execution": None, "prior_budget": None, "rate": None,
                "rate_base": None, "direction": None}
        label = f"第{no}项{code}" if code else re.sub(r"\s+", "", f"第{no}项“{name}”")   # how messages name it
        item["label"] = label
        out.items.append(item)
        out.consumed.add(m.start("num"))
        spans.append((m.start(), end))
        if econ:
            log.note("budget_item_code", f"budget item {no} “{name}” names the economic class {econ} "
                     "(基本支出 by 经济分类), not a function class: compared with 预算06", line=line, found=name)
        elif code is None and not rows:
            log.skip("budget_item_code", f"budget item {no}: no function table was read to match it with")
        elif code is None:
            log.add("budget_item_code", "warning", f"budget item {no} “{name}” names no function code of the "
                    "budget tables (by code, by its names, or by its class and amount); its amount is not "
                    f"compared: “{head_text[:80]}”", line=line, found=name)
        elif how == "class_amount":
            log.note("budget_item_code", f"budget item {no} “{name}” is matched to {code} {rows[code][0]} by its "
                     "class and amount; its names are not the table's", line=line, found=name, expected=code)

        def fact(measure, v, pl, fy, pos, **extra):
            a, b = _sentence(text, pos, m.start(), end)
            f = {"section": SECTION, "subject": subject, "measure": measure, "value": v, "places": pl,
                 "year": fy, "text": jt.snippet(a, b).rstrip("。;；"), "line": jt.line(pos), "item": len(out.items) - 1,
                 "label": label}
            f.update(extra)
            out.facts.append(f)
            out.consumed.add(pos)
            return f

        fact("budget", value, places, year, m.start("num"))
        rest_a = m.end()
        for x in r["execution"].finditer(text, rest_a, end):
            f = fact("prior_execution", _amount(x.group("num"), x.group("unit")), _places(x.group("num")),
                     _fact_year(x, year), x.start("num"))
            item["prior_execution"] = item["prior_execution"] or f["value"]
        for x in r["current"].finditer(text, rest_a, end):
            fact("budget_restated", _amount(x.group("num"), x.group("unit")), _places(x.group("num")),
                 _fact_year(x, year), x.start("num"))
        for x in r["prior_budget"].finditer(text, rest_a, end):
            fy = _fact_year(x, year)
            measure = "budget_restated" if fy == year and x.group("year") else "prior_budget"
            f = fact(measure, _amount(x.group("num"), x.group("unit")), _places(x.group("num")), fy, x.start("num"))
            if measure == "prior_budget":
                item["prior_budget"] = item["prior_budget"] or f["value"]
        for x in r["change"].finditer(text, rest_a, end):
            # a bare 与上年相比 in a budget compares with the prior year's budget
            base = "prior_execution" if re.search(vocab()["execution"], x.group("base") or "") else "prior_budget"
            fy = _fact_year(x, year)
            if x.group("flat"):
                fact(f"change_rate_vs_{base}", Decimal(0), 2, fy, x.start("flat"), direction="flat")
                item["rate"], item["rate_base"], item["direction"] = Decimal(0), base, "flat"
                continue
            sign = -1 if x.group("dir") in vocab()["negative"] else 1
            if x.group("unit") == "%":
                v = Decimal(x.group("num").replace(",", "")) / 100 * sign
                fact(f"change_rate_vs_{base}", v, _places(x.group("num")) + 2, fy, x.start("num"),
                     direction=x.group("dir"))
                item["rate"], item["rate_base"], item["direction"] = v, base, x.group("dir")
                continue
            fact(f"change_vs_{base}", _amount(x.group("num"), x.group("unit")) * sign, _places(x.group("num")), fy,
                 x.start("num"), direction=x.group("dir"))
            t = r["then_rate"].match(text, x.end(), end)
            if t:
                s2 = -1 if t.group("dir") in vocab()["negative"] else 1
                v = Decimal(t.group("num")) / 100 * s2
                fact(f"change_rate_vs_{base}", v, _places(t.group("num")) + 2, fy, t.start("num"),
                     direction=t.group("dir"))
                item["rate"], item["rate_base"], item["direction"] = v, base, t.group("dir")
    _note_unread(jt, spans, log, out)
    return spans


MONEY_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>万元|元|%)")


def _note_unread(jt: JoinedText, spans: list[tuple[int, int]], log: CheckLog, out: BudgetProse) -> None:
    """A sentence of an item's clause with an amount or a rate no fact took: one ``unparsed`` note naming
    its line and quoting it — never a guessed figure."""
    text = jt.text
    done = set()
    for a, b in spans:
        for m in MONEY_RE.finditer(text, a, b):
            if m.start() in out.consumed:
                continue
            sa, sb = _sentence(text, m.start(), a, b)
            if sa in done:
                continue
            done.add(sa)
            n = sum(1 for x in MONEY_RE.finditer(text, sa, sb) if x.start() not in out.consumed)
            snippet = jt.snippet(sa, sb).rstrip("。;；")
            log.note("unparsed", f"budget item: a sentence with {n} figures the reader cannot place, not read: "
                     f"“{snippet[:80]}”", line=jt.line(m.start()), table="说明", found=snippet[:80])


def read_totals(jt: JoinedText, spans: list[tuple[int, int]], year: int, out: BudgetProse) -> None:
    """The totals, 三公, 机关运行经费, 政府采购 … by their cues, with the change against the prior
    year's budget (or execution) stated after them in the same sentence."""
    r = _res()
    text = jt.text
    subjects = dict(budget_cues())

    def in_item(i: int) -> bool:
        return any(a <= i < b for a, b in spans)

    events = []
    for m in r["fact"].finditer(text):
        if in_item(m.start()):
            continue
        if m.group("unit") is None and Decimal(m.group("num").replace(",", "")) != 0:
            continue                      # a count or a year, not an amount
        events.append((m.start(), "fact", m))
    for m in r["change"].finditer(text):
        if not in_item(m.start()) and m.group("unit") != "%":
            events.append((m.start(), "change", m))
    last_by_sentence: dict[tuple[int, int], dict] = {}
    for pos, kind, m in sorted(events, key=lambda e: e[0]):
        sent = _sentence(text, pos)
        if kind == "fact":
            fact = {"section": "totals", "subject": subjects[m.group("cue")], "measure": "budget",
                    "value": _amount(m.group("num"), m.group("unit")), "places": _places(m.group("num")),
                    "year": year, "text": jt.snippet(m.start(), m.end()), "line": jt.line(m.start("num"))}
            out.facts.append(fact)
            out.consumed.add(m.start("num"))
            last_by_sentence[sent] = fact
            continue
        fact = last_by_sentence.get(sent)
        if fact is None:
            continue
        base = "prior_execution" if re.search(vocab()["execution"], m.group("base") or "") else "prior_budget"
        measure = "change_vs_prior_budget" if base == "prior_budget" else "change_vs_prior_execution"
        if any(f["subject"] == fact["subject"] and f["measure"] == measure and f["line"] == fact["line"]
               for f in out.facts):
            continue
        num = m.group("num") or "0"
        change = Decimal(0) if m.group("flat") else _amount(num, m.group("unit")) * (
            -1 if m.group("dir") in vocab()["negative"] else 1)
        fy = _fact_year(m, year)
        line = jt.line(m.start())
        snippet = jt.snippet(m.start(), m.end())
        if m.group("num"):
            out.consumed.add(m.start("num"))
        out.facts.append({"section": fact["section"], "subject": fact["subject"], "measure": measure,
                          "value": change, "places": _places(num), "year": fy, "text": snippet, "line": line})
        out.facts.append({"section": fact["section"], "subject": fact["subject"], "measure": base,
                          "value": fact["value"] - change, "places": max(fact["places"], _places(num)),
                          "year": fy, "text": f"{fact['text']}；{snippet}", "line": line, "derived": True})
