"""Parse 第三部分 …决算情况说明 (the explanation section) into tidy facts.

The section is prose: sentences break across lines and page breaks, numbers
come with or without spaces, punctuation is full-width.  The parser

1. joins the section's lines into one string (:class:`JoinedText`), keeping a
   map from every character back to its source line, and normalises it
   (NFKC per character, whitespace and ``*`` dropped) so that regexes stay
   simple; snippets are cut from the original characters;
2. splits it into blocks by the headings 一、 / (一) / 1. and decides what a
   block talks about from the heading *titles* (not their numbers), so other
   departments' reports with a different numbering still work;
3. reads every figure with a small context engine: the subject comes from the
   keyword nearest before the number (block-specific keyword tables), the
   measure from cue words (上年/2021年度 → prior, 预算 → budget, 增加/减少 →
   change, 占 → share, 完成…预算的 → completion_rate);
4. reads the special lists (五(三) budget vs outturn items, 十(三) assets,
   十(四) performance counts and project self-scores) with dedicated regexes;
5. runs the text-internal checks (changes, rates, shares, parts sums).

Facts are dicts with the keys ``section subject measure value places year text
line unit reason`` (see :data:`FACT_KEYS`).

The parts live in prose_base (vocabulary, joined text), prose_engine (the context
engine), prose_lists (fixed-form lists) and prose_checks (text-internal checks); this
module is the entry point and re-exports what other stages use.
"""
from __future__ import annotations

import re

from ...errors import ParseError
from ...findings import CheckLog
from ...source import Document
from .prose_base import (
    Block, CHANGE_MEASURES, COUNT_SUBJECTS, cue_words, ECON_CLASSES, ExplanationResult,
    FACT_KEYS, gpb_class_code, GPB_CLASSES, JoinedText, KEYWORDS, NEGATIVE_CUES, NUM,
    NUMBER_RE, TABLE, _blocks, _Ctx)
from .prose_engine import _engine
from .prose_lists import _assets, _declared_empty, _gpb_detail, _perf
from .prose_checks import categorize_reason, _run_checks


# ------------------------------------------------------------------ entry point
def parse_explanation(doc: Document, start: int, end: int, log: CheckLog,
                      year: int) -> ExplanationResult:
    """Parse lines ``start``..``end`` (1-based, inclusive) of the explanation section."""
    if start < 1 or end < start or start > len(doc.lines):
        raise ParseError(f"invalid explanation range {start}-{end}", doc.path, start)
    first = doc.line(start)
    if "说明" not in first and "第三部分" not in first:
        raise ParseError("explanation section does not start here "
                         f"(expected 第三部分 …情况说明, found {first.strip()[:30]!r})",
                         doc.path, start)
    jt = JoinedText(doc, start, end)
    ctx = _Ctx(jt, log, year)
    blocks = _blocks(jt)
    ctx.res.blocks = blocks
    done_detail = set()
    for b in blocks:
        kind = b.kind
        if kind is None or kind == "other":
            continue
        if kind == "gpb_detail":
            key = (b.top, b.sub)
            if key not in done_detail:
                done_detail.add(key)
                _gpb_detail(ctx, [x for x in blocks
                                  if x.kind == "gpb_detail" and (x.top, x.sub) == key])
        elif kind == "assets":
            _assets(ctx, b)
        elif kind == "perf":
            _perf(ctx, b)
        elif kind in ("gov_fund", "state_capital"):
            if not _declared_empty(ctx, b):
                _engine(ctx, b, KEYWORDS[kind])
        elif kind in KEYWORDS:
            _engine(ctx, b, KEYWORDS[kind])
    _note_unparsed(ctx, blocks)
    _run_checks(ctx)
    return ctx.res


MONEY_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>万元|元|%)")


def _note_unparsed(ctx: _Ctx, blocks: list[Block]) -> None:
    """Every sentence of a part the reader reads that states an amount or a rate no fact took:
    one ``unparsed`` info note naming its line (page:line in a PDF) — never a guessed figure."""
    text, jt = ctx.jt.text, ctx.jt
    done: set[int] = set()
    for b in blocks:
        if b.kind is None:
            continue        # parts the reader does not claim to read (概况, 名词解释 …)
        for m in MONEY_RE.finditer(text, b.start, b.end):
            if m.start() in ctx.res.consumed:
                continue
            s0 = max(text.rfind(c, b.start, m.start()) for c in "。;\n") + 1
            s0 = max(s0, b.start)
            if s0 in done:
                continue
            done.add(s0)
            ends = [p for p in (text.find(c, m.end(), b.end) for c in "。;\n") if p >= 0]
            e0 = min(ends) if ends else b.end
            n = sum(1 for x in MONEY_RE.finditer(text, s0, e0) if x.start() not in ctx.res.consumed)
            snippet = jt.snippet(s0, e0)
            ctx.log.note("unparsed", f"{b.label}: a sentence with {n} figures the reader cannot "
                                     f"place, not read: “{snippet[:80]}”",
                         line=jt.line(m.start()), table=TABLE, found=snippet[:80])


# ------------------------------------------------------------------ leftovers
def unextracted_numbers(result: ExplanationResult, include_dates: bool = False
                        ) -> list[tuple[int, str]]:
    """Numbers in the section that no fact, item or score took: [(line, token)].

    Years and dates (followed by 年/月/日), list ordinals ("1." at the start of a
    paragraph, "(3)") and 第N are skipped unless ``include_dates``.
    """
    jt = result.joined
    if jt is None:
        return []
    text = jt.text
    out = []
    for m in NUMBER_RE.finditer(text):
        i, j = m.start(), m.end()
        if i in result.consumed:
            continue
        if not include_dates:
            nxt = text[j:j + 1]
            prv = text[i - 1:i] if i else "\n"
            if nxt in ("年", "月", "日"):
                continue
            if prv == "\n" and nxt in (".", "、"):
                continue
            if prv == "(" and nxt == ")":
                continue
            if prv == "第":
                continue
        out.append((jt.line(i), jt.snippet(i, j)))
    return out


__all__ = ['Block', 'CHANGE_MEASURES', 'COUNT_SUBJECTS', 'ECON_CLASSES', 'ExplanationResult', 'FACT_KEYS', 'GPB_CLASSES', 'JoinedText', 'KEYWORDS', 'NEGATIVE_CUES', 'TABLE', 'categorize_reason', 'cue_words', 'gpb_class_code', 'parse_explanation', 'unextracted_numbers']
