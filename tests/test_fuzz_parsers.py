"""Property-based tests (hypothesis): the table and explanation parsers on mutated real lines.

The real 2022 report (data/raw/2022/nxgxt, read once) is mutated the way PDF
text extraction damages reports, one mutation per case, on a line of the nine
public tables that holds amounts (lines 95–386):

- a cell dropped, two cells swapped, one digit of an amount changed;
- a page header / footer line ("第 3 页", "- 12 -", "2022 年度部门决算", …)
  inserted before or after the line;
- the row split over two lines; the line duplicated;
- the table cut off after the line (the lines up to the table's 注 dropped).

Properties
(a) parsing raises nothing but :class:`ParseError`, and that names the file and a line;
(b) no silent change: when the multiset of parsed cells (table, side, row key,
    column, value) differs from the unmutated parse, there is a new error or
    warning finding (one the unmutated parse does not have) about the mutated
    table — its ``table`` is that table or its line lies within the table's
    lines ± 3.  A harmless mutation (same cells) needs nothing.
Some cases run the whole ``parse_report`` on a temporary copy of the report
folder (the changed text gives a ``source_unchanged`` warning).

The explanation section (lines 389–556) gets one digit of a stated amount or
percentage changed: ``parse_report`` must not raise, and the facts must
differ from the original ones or a new finding must appear.  A page
header/footer inserted anywhere in it must change nothing.

Every property runs twice: a quick deterministic share (``make test``) and a
long randomised one marked ``slow`` (``make test-slow``).
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from juesuan import config
from fuzzkit import VACUOUS, case_report_fixture, variant_factory
from juesuan.errors import ParseError
from juesuan.extract.tabular.tables import parse_tables, table_specs
from juesuan.findings import CheckLog
from juesuan.clean.pipeline import locate_parts, parse_report
from juesuan.source import Document
from juesuan.validate.tables import check_tables

RAW = config.raw_dir(2022, "nxgxt")
META = json.loads((RAW / config.METADATA_FILE).read_text(encoding="utf-8"))
SOURCE = RAW / META["source_file"]
DOC = Document.read(SOURCE, META)
PATH = DOC.path
LINES: tuple[str, ...] = tuple(DOC.lines)
TEXT = "\n".join(LINES)
TABLE_LINES = range(95, 387)
EXPLANATION_LINES = range(389, 557)
AMOUNT_TOKEN = re.compile(r"-?[\d,]+\.\d{2}")

CASES: Counter = Counter()
_variants = variant_factory(CASES)
_report_cases = case_report_fixture(CASES)


# ------------------------------------------------------------------ running the parsers
def run_tables(lines) -> tuple[dict, CheckLog]:
    """parse_tables + check_tables on the text, the way parse_report delimits the tables part."""
    doc = Document(PATH, list(lines), dict(META))
    parts = locate_parts(doc)
    start = parts["tables"]
    end = min((v for v in parts.values() if v and v > start), default=parts["end"])
    log = CheckLog(doc.path)
    tables = parse_tables(doc, start, end, log, META.get("unit", "元"))
    check_tables(tables, log)
    return tables, log


def run_report(lines):
    """parse_report on a temporary copy of the report folder with the given text."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz_"))
    try:
        shutil.copy(RAW / config.METADATA_FILE, folder / config.METADATA_FILE)
        (folder / META["source_file"]).write_text("\n".join(lines), encoding="utf-8")
        return parse_report(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cells(tables) -> Counter:
    return Counter((t.id, r.side, r.key, c, v) for t in tables.values() for r in t.rows
                   for c, v in r.values.items())


_LINE_REF = re.compile(r"\blines? \d+(?: and \d+)?")


def finding_key(f) -> tuple:
    """A finding without its location (lines shift when lines are inserted or dropped)."""
    return (f.check, f.severity, f.table, _LINE_REF.sub("line #", f.message), f.expected, f.found)


def new_findings(log: CheckLog, base: CheckLog) -> list:
    """Error/warning findings of ``log`` beyond those ``base`` already has."""
    left = Counter(finding_key(f) for f in base.findings if f.severity != "info")
    out = []
    for f in log.findings:
        if f.severity == "info":
            continue
        k = finding_key(f)
        if left[k] > 0:
            left[k] -= 1
        else:
            out.append(f)
    return out


def location_line(f) -> int | None:
    m = re.search(r":(\d+)$", f.location)
    return int(m.group(1)) if m else None


def facts_key(rep) -> Counter:
    ex = rep.explanation
    keys = Counter((f["section"], f["subject"], f["measure"], f["value"], f["year"])
                   for f in ex.facts)
    keys.update(("outturn", i["code"], i["initial_budget"], i["adjusted_budget"], i["actual"],
                 i["stated_completion_rate"]) for i in ex.budget_outturn)
    keys.update(("score", s["no"], s["score"]) for s in ex.project_scores)
    return keys


BASE_TABLES, BASE_LOG = run_tables(LINES)
BASE_CELLS = cells(BASE_TABLES)
BASE_REPORT = run_report(LINES)
BASE_FACTS = facts_key(BASE_REPORT)
# table id → (first line of its region, its 注 line)
SPAN = {tid: (t.start, t.end) for tid, t in BASE_TABLES.items() if t.present}


def table_of(n: int) -> str:
    return next(tid for tid, (a, b) in SPAN.items() if a <= n < b)


def fields(n: int) -> list[str]:
    return LINES[n - 1].split("\t")


def is_amount_cell(text: str) -> bool:
    return bool(AMOUNT_TOKEN.fullmatch(text.strip()))


AMOUNT_LINES = [n for n in TABLE_LINES if any(is_amount_cell(c) for c in fields(n))]


# ------------------------------------------------------------------ mutations
@dataclass(repr=False)
class Mutation:
    kind: str
    line: int                      # the original line mutated
    table: str
    lines: list[str]
    origin: list[int | None]       # per new line: its original line number (None: inserted)
    detail: str = ""

    @property
    def span(self) -> tuple[int, int]:
        """The mutated table's lines in the new numbering."""
        a, b = SPAN[self.table]
        inside = [i for i, o in enumerate(self.origin, 1) if o is not None and a <= o <= b]
        return min(inside), max(inside)

    def __str__(self) -> str:
        return f"{self.kind} at line {self.line} ({self.table}) {self.detail}"

    __repr__ = __str__


def replace(n: int, new: list[str], kind: str, detail: str, origins=None) -> Mutation:
    """Replace original line ``n`` with the ``new`` lines."""
    lines = list(LINES[:n - 1]) + new + list(LINES[n:])
    if origins is None:
        origins = [n] + [None] * (len(new) - 1) if new else []
    origin = list(range(1, n)) + origins + list(range(n + 1, len(LINES) + 1))
    return Mutation(kind, n, table_of(n), lines, origin, detail)


PAGE_LINES = ["第 {k} 页", "- {k} -", "— {k} —", "第 {k} 页，共 40 页", "2022 年度部门决算",
              "自治区工业和信息化厅 2022 年度部门决算", "{k}"]


@st.composite
def table_mutation(draw, kinds=None):
    n = draw(st.sampled_from(AMOUNT_LINES))
    kind = draw(st.sampled_from(kinds or ["drop_cell", "swap_cells", "change_digit", "page_line",
                                          "split_row", "cut_off", "duplicate"]))
    f = fields(n)
    cells_at = [i for i, c in enumerate(f) if c.strip()]
    amounts_at = [i for i in cells_at if is_amount_cell(f[i])]
    if kind == "drop_cell":                 # an amount (a lost label is not a change of the cells)
        i = draw(st.sampled_from(amounts_at))
        return replace(n, ["\t".join(f[:i] + f[i + 1:])], kind, f"cell {f[i]!r}")
    if kind == "swap_cells":                # an amount with another cell of other text (not a no-op)
        i = draw(st.sampled_from(amounts_at))
        others = [j for j in cells_at if f[j].strip() != f[i].strip()]
        if not others:
            return replace(n, ["\t".join(f[:i] + f[i + 1:])], "drop_cell", f"cell {f[i]!r}")
        j = draw(st.sampled_from(others))
        g = list(f)
        g[i], g[j] = g[j], g[i]
        return replace(n, ["\t".join(g)], kind, f"cells {f[i]!r} and {f[j]!r}")
    if kind == "change_digit":
        i = draw(st.sampled_from([i for i in cells_at if is_amount_cell(f[i])]))
        tok = f[i]
        k = draw(st.sampled_from([p for p, c in enumerate(tok) if c.isdigit()]))
        d = draw(st.sampled_from([c for c in "0123456789" if c != tok[k]]))
        g = list(f)
        g[i] = tok[:k] + d + tok[k + 1:]
        return replace(n, ["\t".join(g)], kind, f"{tok!r} → {g[i]!r}")
    if kind == "page_line":
        text = draw(st.sampled_from(PAGE_LINES)).format(k=draw(st.integers(1, 99)))
        before = draw(st.booleans())
        new = [text, LINES[n - 1]] if before else [LINES[n - 1], text]
        return replace(n, new, kind, f"{text!r} {'before' if before else 'after'}",
                       [None, n] if before else [n, None])
    if kind == "split_row":
        cuts = [k for k in range(1, len(f)) if any(c.strip() for c in f[:k])
                and any(c.strip() for c in f[k:])]
        k = draw(st.sampled_from(cuts))
        return replace(n, ["\t".join(f[:k]), "\t".join(f[k:])], kind,
                       f"before cell {k} {f[k]!r}")
    if kind == "cut_off":                   # at a line with amount lines after it in its table
        note = SPAN[table_of(n)][1]
        if not any(n < k < note for k in AMOUNT_LINES):
            earlier = [k for k in AMOUNT_LINES if table_of(k) == table_of(n) and k < n]
            if not earlier:                 # a one-row table: nothing to cut off
                return replace(n, [LINES[n - 1], LINES[n - 1]], "duplicate", "", [n, None])
            n = earlier[-1]
        lines = list(LINES[:n]) + list(LINES[note - 1:])
        origin = list(range(1, n + 1)) + list(range(note, len(LINES) + 1))
        return Mutation(kind, n, table_of(n), lines, origin, f"lines {n + 1}–{note - 1} dropped")
    assert kind == "duplicate"
    return replace(n, [LINES[n - 1], LINES[n - 1]], kind, "", [n, None])


# ------------------------------------------------------------------ table properties
def explain(m: Mutation, got: Counter, new: list) -> str:
    lost = BASE_CELLS - got
    extra = got - BASE_CELLS
    return (f"{m}: cells changed without a finding about {m.table}\n"
            f"  lost:  {sorted(lost.items(), key=str)[:8]}\n"
            f"  extra: {sorted(extra.items(), key=str)[:8]}\n"
            f"  new findings: {[(f.check, f.table, f.location, f.message) for f in new][:8]}")


def assert_parse_error_names_line(exc: ParseError) -> None:
    assert type(exc) is ParseError
    assert exc.file and exc.line is not None, str(exc)
    assert str(exc).startswith(f"{exc.file}:{exc.line}: "), str(exc)


# 公开06's 合计 row may be lost alone: other report formats have none (人员经费合计 and
# 公用经费合计 carry the total, and the 公开05-vs-06 check then uses their sum)
OPTIONAL_ROWS = {("公开06", "", "total")}


def invisible(lost: Counter, extra: Counter, tables) -> bool:
    """A change that no check can see, so it needs no finding:
    - the optional 公开06 合计 row lost, its parts still there;
    - two summands of one identity swapped in a table's only row (公开07 三公经费, e.g.
      公务用车购置费 ↔ 公务用车运行费): every identity still holds and there is no column
      sum (the explanation restates some of these figures, not all)."""
    if not extra and {k[:3] for k in lost} <= OPTIONAL_ROWS:
        t6 = tables["公开06"]
        return t6.find("personnel_total") is not None and t6.find("public_total") is not None
    rows = {k[:3] for k in lost} | {k[:3] for k in extra}
    if len(rows) != 1:
        return False
    tid = next(iter(rows))[0]
    cols = {k[3] for k in lost}
    if len(tables[tid].rows) != 1 or cols != {k[3] for k in extra} or \
            Counter(k[4] for k in lost.elements()) != Counter(k[4] for k in extra.elements()):
        return False
    return any(cols <= {n for _, n in terms} for _, terms in table_specs()[tid]["identity_list"])


def assert_no_silent_change(m: Mutation, tables, log, base_log) -> str | None:
    """The property (b); :data:`VACUOUS` when the cells did not change (the mutation was harmless)
    or changed invisibly, so that no finding was asked for.  A page line must change no cell."""
    got = cells(tables)
    if m.kind == "page_line":
        assert got == BASE_CELLS, explain(m, got, new_findings(log, base_log))
        return None
    if got == BASE_CELLS:
        return VACUOUS                  # harmless (e.g. a label cell moved, a split row joined again)
    if invisible(BASE_CELLS - got, got - BASE_CELLS, tables):
        return VACUOUS
    new = new_findings(log, base_log)
    lo, hi = m.span
    about = [f for f in new if f.table == m.table or (
        (ln := location_line(f)) is not None and lo - 3 <= ln <= hi + 3)]
    assert about, explain(m, got, new)


def table_mutation_is_caught(m):
    """A mutated table line: ParseError(file:line) or parsed; changed cells → a finding."""
    try:
        tables, log = run_tables(m.lines)
    except ParseError as exc:
        assert_parse_error_names_line(exc)
        return None
    return assert_no_silent_change(m, tables, log, BASE_LOG)


# at most this share of the cases may leave the cells as they were (measured: TABLE_VACUOUS_MEASURED)
TABLE_MAX_VACUOUS = 0.15
test_table_mutation_is_caught, test_table_mutation_is_caught_slow = _variants(
    table_mutation_is_caught, 420, 4500, max_vacuous=TABLE_MAX_VACUOUS, m=table_mutation())


def report_with_table_mutation(m):
    """The same on the whole parse_report of a folder copy (+ source_unchanged warning)."""
    try:
        rep = run_report(m.lines)
    except ParseError as exc:
        assert_parse_error_names_line(exc)
        return None
    changed = "\n".join(m.lines) != TEXT
    flagged = [f for f in rep.log.findings if f.check == "source_unchanged"]
    assert bool(flagged) == changed and all(f.severity == "warning" for f in flagged)
    return assert_no_silent_change(m, rep.tables, rep.log, BASE_REPORT.log)


test_report_with_table_mutation, test_report_with_table_mutation_slow = _variants(
    report_with_table_mutation, 50, 600, max_vacuous=TABLE_MAX_VACUOUS, m=table_mutation())


# ------------------------------------------------------------------ explanation
FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?(?=\s*(?:万元|元|%|％))")
FIGURES = [(n, m.start(), m.end()) for n in EXPLANATION_LINES
           for m in FIGURE.finditer(LINES[n - 1])]


@st.composite
def explanation_digit(draw):
    n, a, b = draw(st.sampled_from(FIGURES))
    text = LINES[n - 1]
    k = draw(st.sampled_from([p for p in range(a, b) if text[p].isdigit()]))
    d = draw(st.sampled_from([c for c in "0123456789" if c != text[k]]))
    new = text[:k] + d + text[k + 1:]
    lines = list(LINES)
    lines[n - 1] = new
    return n, text[a:b], new[a:b], lines


def explanation_change_is_seen(case):
    """A changed digit of a stated amount / percentage is seen: the report's figures agree with each
    other and with the tables, so a new error or warning finding must appear.  A figure that no
    check compares with anything (a changed digit then changes the facts only) is :data:`VACUOUS`;
    a change that neither adds a finding nor changes the facts fails."""
    n, old, new, lines = case
    try:
        rep = run_report(lines)
    except ParseError as exc:
        assert_parse_error_names_line(exc)
        return None
    new_f = [f for f in new_findings(rep.log, BASE_REPORT.log) if f.check != "source_unchanged"]
    if new_f:
        return None
    assert facts_key(rep) != BASE_FACTS, f"line {n}: {old!r} → {new!r} changed neither the facts nor the findings"
    return VACUOUS


# measured on the quick cases: EXPLANATION_VACUOUS_MEASURED; a changed stated figure no check sees
# in more than this share of the cases means the checks lost sight of the explanation
EXPLANATION_MAX_VACUOUS = 0.10
test_explanation_change_is_seen, test_explanation_change_is_seen_slow = _variants(
    explanation_change_is_seen, 100, 1200, max_vacuous=EXPLANATION_MAX_VACUOUS, case=explanation_digit())


EXPLANATION_PAGE_LINES = ["第 {k} 页", "- {k} -", "— {k} —", "第 {k} 页，共 40 页", "－{k}－"]


def strip_lines(rep) -> Counter:
    return Counter((f["section"], f["subject"], f["measure"], f["value"], f["year"], f["text"])
                   for f in rep.explanation.facts)


BASE_FACT_TEXTS = strip_lines(BASE_REPORT)


def explanation_page_line_changes_nothing(n, template, k):
    """A page header/footer line anywhere in the explanation changes no fact."""
    lines = list(LINES[:n - 1]) + [template.format(k=k)] + list(LINES[n - 1:])
    rep = run_report(lines)
    assert strip_lines(rep) == BASE_FACT_TEXTS, (n, template)


test_explanation_page_line_changes_nothing, test_explanation_page_line_changes_nothing_slow = \
    _variants(explanation_page_line_changes_nothing, 30, 300,
              n=st.sampled_from(list(range(EXPLANATION_LINES.start + 1, EXPLANATION_LINES.stop))),
              template=st.sampled_from(EXPLANATION_PAGE_LINES), k=st.integers(1, 99))


# ------------------------------------------------------------------ sanity of the set-up
def test_the_unmutated_report_is_the_baseline():
    assert len(AMOUNT_LINES) > 150 and {table_of(n) for n in AMOUNT_LINES} == {
        f"公开0{i}" for i in range(1, 8)}
    assert len(FIGURES) > 150
    assert BASE_CELLS == cells(BASE_REPORT.tables)
    assert not [f for f in BASE_REPORT.log.findings if f.check == "source_unchanged"
                and f.severity != "info"]
    assert Decimal("106054725.92") in {v for (_, _, k, _, v) in BASE_CELLS if k == "grand_total"}


def test_nonstandard_asset_threshold_is_a_finding():
    # found by explanation_change_is_seen: "单价 100 万元以上专用设备 0 台（套）" → "单价 200 万元…"
    # changed neither the facts (the count is named equipment_over_1m) nor the findings
    n = next(i for i in EXPLANATION_LINES if "单价 100 万元以上专用设备" in LINES[i - 1])
    lines = list(LINES)
    lines[n - 1] = lines[n - 1].replace("单价 100 万元", "单价 200 万元")
    rep = run_report(lines)
    f = [x for x in rep.log.findings if x.check == "text_asset_threshold"]
    assert len(f) == 1 and f[0].severity == "warning" and f[0].location.endswith(f":{n}")
    assert not [x for x in BASE_REPORT.log.findings if x.check == "text_asset_threshold"]
