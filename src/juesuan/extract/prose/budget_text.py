"""What the text of a budget report (部门预算 / 单位预算) states: its figures, as facts — the entry
point, like explanation.py for the final accounts.

The 预算编制说明 and 其他相关情况说明 state the budget of the year (收入预算 3,121.42万元, 财政拨款支出
预算…, “三公”经费预算数为…, 机关运行经费预算为…, 政府采购预算…), its change against the prior
year's budget (比2024年预算增加107.62万元 / 与2024年预算持平) and, per item of the fiscal
appropriation, the amount, in any of the heading forms (quoted “类（类）款（款）项（项）”, codes in the
brackets （201类）（06款）（01项）, dash-joined names, a code alone), and in some reports the prior
year's execution or budget and the change against it (2025年当年预算执行数为498.70万元 … 比2025年预算
执行数增加2.73%).  The text outside the tables is joined by the prose engine (:class:`JoinedText`:
sentences wrap across lines and pages) and read by :mod:`.prose_budget` with the vocabulary of
``data/prose_subjects.csv`` (block ``budget``) and ``data/prose_cues.csv``.

Facts have the shape of the final accounts' stated facts (subject, measure, value in 元, places,
year, text, line): measures ``budget``, ``change_vs_prior_budget``, ``prior_budget`` (stated, or derived =
budget − change, ``derived`` True), ``prior_execution``, ``change_rate_vs_prior_execution`` /
``change_rate_vs_prior_budget`` (signed; ``direction`` the word), ``change_vs_prior_execution`` and
``budget_restated``.  A page that repeats the page before it word for word (a publishing slip) is read once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...findings import CheckLog
from ...source import Document
from ..tabular.tables import Table, squash
from .prose_base import JoinedText
from .prose_budget import BudgetProse, read_items, read_totals


@dataclass
class BudgetText:
    """The facts of a budget report's text (``facts``), shaped like the final accounts'
    explanation so the same frames (stated_facts, procurement …) are built from it."""

    facts: list = field(default_factory=list)
    items: list = field(default_factory=list)          # the per-item list (code, names, amount, line)
    repeated_pages: list = field(default_factory=list)  # (page, the page it repeats)
    budget_outturn: list = field(default_factory=list)  # (final accounts only; empty)
    project_scores: list = field(default_factory=list)
    joined: JoinedText | None = field(default=None, repr=False)   # the text read, mapped to its lines
    consumed: set = field(default_factory=set, repr=False)        # normalised offsets of numbers read

    def first(self, subject: str, measure: str = "budget") -> dict | None:
        return next((f for f in self.facts if f["subject"] == subject and f["measure"] == measure), None)


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


def parse_budget_text(doc: Document, table_lines: set[int], tables: dict[str, Table], log: CheckLog,
                      year: int) -> BudgetText:
    out = BudgetText()
    lines = text_lines(doc, table_lines, log, out.repeated_pages)
    if not lines:
        return out
    jt = JoinedText(doc, 1, len(doc.lines), lines=lines)
    read = BudgetProse()
    spans = read_items(jt, tables, log, year, read)
    read_totals(jt, spans, year, read)
    out.facts, out.items, out.joined, out.consumed = read.facts, read.items, jt, read.consumed
    return out
