"""What the text of a budget report (部门预算 / 单位预算) states: its figures, as facts.

The 预算编制说明 and 其他相关情况说明 state the budget of the year (收入预算 3,121.42万元, 财政拨款支出
预算…, “三公”经费预算数为…, 机关运行经费预算为…, 政府采购预算…), its change against the prior
year's budget (比2024年预算增加107.62万元 / 与2024年预算持平) and, per item of the fiscal
appropriation, the amount (1.“一般公共服务支出（类）财政事务（款）行政运行（项）”1,623.18万元) and, in
some reports, the prior year's execution (2023年当年预算执行数为60.13万元 … 比2023年预算执行数减少
57.14%).  The cue words are data (``data/budget_cues.csv``).

Facts have the shape of the final accounts' stated facts (subject, measure, value in 元, places,
year, text, line): measures ``budget``, ``change_vs_prior_budget``, ``prior_budget`` (derived =
budget − change, ``derived`` True), ``prior_execution`` and ``change_rate_vs_prior_execution``.
A page that repeats the page before it word for word (a publishing slip) is read once.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ...config import PACKAGE_DATA
from ...findings import CheckLog
from ...numbers import UNIT_FACTORS
from ...source import Document
from ..tabular.tables import Table, squash

WAN = UNIT_FACTORS["万元"]
NUM = r"(?P<num>-?\d[\d,]*(?:\.\d+)?)"


@lru_cache(maxsize=None)
def cues() -> list[tuple[str, str]]:
    """(cue, subject), longest cue first."""
    with open(PACKAGE_DATA / "budget_cues.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = [(c, r["subject"]) for r in rows for c in r["cue"].split("|") if c]
    return sorted(out, key=lambda x: -len(x[0]))


@lru_cache(maxsize=None)
def _fact_re() -> re.Pattern:
    alt = "|".join(re.escape(c) for c, _ in cues())
    return re.compile(rf"(?P<cue>{alt})(?:预算)?(?:数)?(?:为|是)?(?:安排)?\s*{NUM}\s*(?P<unit>万元|元)?(?![\d%％])")


CHANGE_RE = re.compile(rf"(?:比|较|与)\s*(?P<year>(?:19|20)\d{{2}})\s*年(?:度)?预算(?:数)?\s*"
                       rf"(?:(?P<dir>增加|减少|增长|下降)\s*{NUM}\s*(?P<unit>万元|元)|(?P<flat>持平|一致|相同|不变))")
ITEM_RE = re.compile(rf"(?P<no>\d{{1,3}})\s*[.．、]\s*[“\"](?P<name>[^”\"]{{2,90}})[”\"]\s*(?:科目)?\s*"
                     rf"{NUM}\s*万元")
CKX_RE = re.compile(r"^(?P<c>.+?)[（(]类[)）](?P<k>.+?)[（(]款[)）](?P<x>.+?)[（(]项[)）]$")
EXEC_RE = re.compile(rf"(?P<year>(?:19|20)\d{{2}})\s*年(?:当年)?预算执行数(?:为|是)?\s*{NUM}\s*万元")
EXEC_RATE_RE = re.compile(r"比\s*(?P<year>(?:19|20)\d{2})\s*年预算执行数\s*(?:(?P<dir>增加|减少|增长|下降)\s*"
                          r"(?P<rate>\d+(?:\.\d+)?)\s*[%％]|(?P<flat>持平))")
SENTENCE_END = "。；;"


@dataclass
class BudgetText:
    """The facts of a budget report's text (``facts``), shaped like the final accounts'
    explanation so the same frames (stated_facts, procurement …) are built from it."""

    facts: list = field(default_factory=list)
    items: list = field(default_factory=list)          # the per-item list (code, names, amount, line)
    repeated_pages: list = field(default_factory=list)  # (page, the page it repeats)
    budget_outturn: list = field(default_factory=list)  # (final accounts only; empty)
    project_scores: list = field(default_factory=list)

    def first(self, subject: str, measure: str = "budget") -> dict | None:
        return next((f for f in self.facts if f["subject"] == subject and f["measure"] == measure), None)


def _places(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


def _amount(num: str, unit: str | None) -> Decimal:
    return Decimal(num.replace(",", "")) * (WAN if unit != "元" else Decimal(1))


def text_lines(doc: Document, table_lines: set[int], log: CheckLog,
               out_repeated: list | None = None) -> list[tuple[int, str]]:
    """The lines outside the tables, a page that repeats an earlier one left out (with a note)."""
    out_repeated = [] if out_repeated is None else out_repeated
    pages: dict[str, list[tuple[int, str]]] = {}
    order: list[str] = []
    for n, t in doc.numbered(1, len(doc.lines) + 1):
        if n in table_lines:
            continue
        page = doc.where(n).rsplit(":", 1)[0] if doc.origins else "p1"   # [file.pdf:]p7
        if page not in pages:
            pages[page] = []
            order.append(page)
        pages[page].append((n, t))
    bodies: list[tuple[str, str]] = []
    out: list[tuple[int, str]] = []
    for page in order:
        body = "".join(squash(t) for _, t in pages[page])
        # the whole text of this page already stands on an earlier page (a heading aside)
        earlier = next((p for p, b in bodies if len(body) > 80 and body in b), None)
        if earlier is not None:
            out_repeated.append((page, earlier))
            log.note("page_repeated", f"page {_page_no(page)} repeats the text of page {_page_no(earlier)}; "
                     "it is read once (its figures are not counted twice)",
                     line=pages[page][0][0], expected=earlier, found=page)
            continue
        bodies.append((page, body))
        out += pages[page]
    return out


def _page_no(page: str) -> str:
    """``p8`` / ``report-text.pdf:p8`` → ``8`` (with the file when there is one)."""
    head, _, p = page.rpartition(":")
    return f"{p[1:]} of {head}" if head else p[1:]


def _stream(lines: list[tuple[int, str]]) -> tuple[str, list[int]]:
    """The lines joined (a sentence wraps across lines) and, per character, its line."""
    chars: list[str] = []
    where: list[int] = []
    for n, t in lines:
        s = re.sub(r"\s+", "", t.replace("\u3000", ""))
        chars.append(s)
        where += [n] * len(s)
    return "".join(chars), where


def _code_for(names: tuple[str, str | None, str | None], tables: dict[str, Table]) -> str | None:
    """The function code of an item named 类/款/项 (or a 类 alone), from the fiscal tables."""
    from ..tabular.tables import function_classes
    def norm(v):
        return squash(v).replace("其它", "其他") if v else None

    c, k, x = (norm(v) for v in names)
    if k is None:
        return function_classes().get(c)
    for tid in ("预算05", "预算03", "预算08", "预算09", "预算02"):
        t = tables.get(tid)
        if t is None or not t.present:
            continue
        by_code = {r.code: r for r in t.details()}
        for r in t.details():
            if len(r.code) != 7 or norm(r.item) != x:
                continue
            kuan = by_code.get(r.code[:5])
            klass = by_code.get(r.code[:3])
            if (kuan is None or norm(kuan.item) == k) and (klass is None or norm(klass.item) == c
                                                             or function_classes().get(c) == r.code[:3]):
                return r.code
    return None


def parse_budget_text(doc: Document, table_lines: set[int], tables: dict[str, Table], log: CheckLog,
                      year: int) -> BudgetText:
    out = BudgetText()
    lines = text_lines(doc, table_lines, log, out.repeated_pages)
    text, where = _stream(lines)
    if not text:
        return out

    def line_at(i: int) -> int:
        return where[min(i, len(where) - 1)]

    def sentence(i: int) -> tuple[int, int]:
        a = max((text.rfind(ch, 0, i) for ch in SENTENCE_END), default=-1) + 1
        ends = [e for e in (text.find(ch, i) for ch in SENTENCE_END) if e >= 0]
        return a, (min(ends) if ends else len(text))

    subjects = dict((c, s) for c, s in cues())
    # -- items first: their amounts are not the totals' cues
    item_spans = []
    for m in ITEM_RE.finditer(text):
        name = m.group("name")
        parts = CKX_RE.match(squash(name))
        names = (parts.group("c"), parts.group("k"), parts.group("x")) if parts else (squash(name), None, None)
        code = _code_for(names, tables)
        value = _amount(m.group("num"), "万元")
        line = line_at(m.start("num"))
        item = {"no": int(m.group("no")), "name": name, "code": code, "value": value, "line": line,
                "places": _places(m.group("num"))}
        out.items.append(item)
        item_spans.append((m.start(), m.end()))
        subject = f"func:{code}" if code else f"item:{squash(name)}"
        if code is None:
            log.add("budget_item_code", "warning", f"budget item {m.group('no')} “{name}” names no function "
                    "code of the budget tables; its amount is not compared", line=line, found=name)
        out.facts.append({"section": "items", "subject": subject, "measure": "budget", "value": value,
                          "places": item["places"], "year": year, "text": m.group(0), "line": line})
    # prior-year execution of the items (the text up to the next item)
    starts = [s for s, _ in item_spans] + [len(text)]
    for k, item in enumerate(out.items):
        seg_a, seg_b = item_spans[k][1], starts[k + 1]
        seg = text[seg_a:seg_b]
        subject = f"func:{item['code']}" if item["code"] else f"item:{squash(item['name'])}"
        m = EXEC_RE.search(seg)
        if m:
            out.facts.append({"section": "items", "subject": subject, "measure": "prior_execution",
                              "value": _amount(m.group("num"), "万元"), "places": _places(m.group("num")),
                              "year": int(m.group("year")), "text": m.group(0),
                              "line": line_at(seg_a + m.start("num"))})
        r = EXEC_RATE_RE.search(seg)
        if r:
            rate = Decimal(0) if r.group("flat") else Decimal(r.group("rate")) / 100 * (
                -1 if r.group("dir") in ("减少", "下降") else 1)
            out.facts.append({"section": "items", "subject": subject, "measure": "change_rate_vs_prior_execution",
                              "value": rate, "places": _places(r.group("rate") or "0") + 2,
                              "year": int(r.group("year")), "text": r.group(0),
                              "line": line_at(seg_a + r.start())})
        a = re.search(rf"(?P<year>(?:19|20)\d{{2}})年预算安排\s*{NUM}\s*万元", seg)
        if a:
            out.facts.append({"section": "items", "subject": subject, "measure": "budget_restated",
                              "value": _amount(a.group("num"), "万元"), "places": _places(a.group("num")),
                              "year": int(a.group("year")), "text": a.group(0), "line": line_at(seg_a + a.start("num"))})

    def in_item(i: int) -> bool:
        return any(a <= i < b for a, b in item_spans)

    # -- totals, 三公, 机关运行经费, 政府采购 by their cues
    last_by_sentence: dict[tuple[int, int], dict] = {}
    events = []
    for m in _fact_re().finditer(text):
        if in_item(m.start()):
            continue
        unit = m.group("unit")
        num = m.group("num")
        if unit is None and Decimal(num.replace(",", "")) != 0:
            continue                      # a count or a year, not an amount
        events.append((m.start(), "fact", m))
    for m in CHANGE_RE.finditer(text):
        if not in_item(m.start()):
            events.append((m.start(), "change", m))
    for pos, kind, m in sorted(events, key=lambda e: e[0]):
        sent = sentence(pos)
        if kind == "fact":
            subject = subjects[m.group("cue")]
            fact = {"section": "totals", "subject": subject, "measure": "budget",
                    "value": _amount(m.group("num"), m.group("unit")), "places": _places(m.group("num")),
                    "year": year, "text": m.group(0), "line": line_at(m.start("num"))}
            out.facts.append(fact)
            last_by_sentence[sent] = fact
            continue
        # a change belongs to the last figure stated before it in the same sentence
        fact = last_by_sentence.get(sent)
        if fact is None:
            continue
        if any(f["subject"] == fact["subject"] and f["measure"] == "change_vs_prior_budget"
               and f["line"] == fact["line"] for f in out.facts):
            continue
        change = Decimal(0) if m.group("flat") else _amount(m.group("num"), m.group("unit")) * (
            -1 if m.group("dir") in ("减少", "下降") else 1)
        fy = int(m.group("year"))
        line = line_at(m.start())
        out.facts.append({"section": fact["section"], "subject": fact["subject"], "measure": "change_vs_prior_budget",
                          "value": change, "places": _places(m.group("num") or "0"), "year": fy,
                          "text": m.group(0), "line": line})
        out.facts.append({"section": fact["section"], "subject": fact["subject"], "measure": "prior_budget",
                          "value": fact["value"] - change, "places": max(fact["places"], _places(m.group("num") or "0")),
                          "year": fy, "text": f"{fact['text']}；{m.group(0)}", "line": line, "derived": True})
    return out
