"""The ledger on every real report of data/raw: read + unread = printed (tables and text, amounts
and rates), each unread figure with its page:line, the line's text and a reason of the vocabulary;
and a figure known to be unread today is in the ledger where the PDF prints it.

The PDFs' extraction is cached in the suite's clean root (first run slow, later runs fast)."""
import re

import pytest

from juesuan.clean.frames import build_frames
from juesuan.clean.pipeline import discover, parse_report
from juesuan.errors import ParseError
from juesuan.numbers import normalize
from juesuan.validate.ledger import reasons

REPORTS = [(y, d) for y, d, _ in discover()]
_cache: dict = {}


def ledger_of(year: int, dept: str):
    if (year, dept) not in _cache:
        folder = next(f for y, d, f in discover() if (y, d) == (year, dept))
        try:
            rep = parse_report(folder)
        except ParseError as exc:           # a folder the suite refuses (named in its own tests)
            _cache[(year, dept)] = exc
        else:
            _cache[(year, dept)] = (rep, build_frames(rep))
    got = _cache[(year, dept)]
    if isinstance(got, Exception):
        pytest.skip(f"{year}/{dept} is refused: {got}")
    return got


@pytest.mark.parametrize("year, dept", REPORTS, ids=[f"{y}-{d}" for y, d in REPORTS])
def test_read_plus_unread_is_printed(year, dept):
    rep, fr = ledger_of(year, dept)
    cov, unread = fr["coverage"], fr["unread"]
    parts = cov[cov["where"] != "all"]
    total = cov[cov["where"] == "all"].iloc[0]
    assert (parts.read + parts.unread == parts.printed).all()
    assert total.printed == parts.printed.sum() and total.read == parts.read.sum()
    assert total.printed > 50                                   # every report prints figures
    for (where, kind), n in unread.groupby(["where", "kind"]).size().items():
        row = parts[(parts["where"] == where) & (parts["kind"] == kind)].iloc[0]
        assert row.unread == n
    assert len(unread) == total.unread


@pytest.mark.parametrize("year, dept", REPORTS, ids=[f"{y}-{d}" for y, d in REPORTS])
def test_each_unread_figure_has_its_place_text_and_reason(year, dept):
    rep, fr = ledger_of(year, dept)
    unread = fr["unread"]
    known = set(reasons())
    pdf = bool(rep.doc.origins)
    for r in unread.itertuples():
        assert r.reason in known and r.reason_zh == reasons()[r.reason]
        assert r.location == rep.doc.where(r.source_line)
        if pdf:
            assert re.fullmatch(r"(?:.+\.pdf:)?p\d+:\d+", r.location), r.location
            assert r.page >= 1
        line = normalize(rep.doc.line(r.source_line)).replace("\t", "").replace(" ", "")
        number = re.match(r"[\d,.]+", r.printed).group(0)
        assert number in line, (r.location, r.printed, line[:80])   # printed where it says


def test_a_known_unread_figure_is_in_the_ledger():
    """2024 上海市普陀区财政局 决算, page 24: “中：货物采购金额4.79万元、工程采购金额0万元、服务采购金额
    246.47万元。” (read in the PDF) — no fact of the suite holds the goods figure today."""
    rep, fr = ledger_of(2024, "ptczj")
    u = fr["unread"]
    row = u[(u.location == "p24:403") & (u.printed == "4.79万元")]
    assert len(row) == 1
    assert row.iloc[0]["where"] == "text" and row.iloc[0]["kind"] == "amount"
    assert "货物采购金额4.79万元" in row.iloc[0].text
    assert row.iloc[0].reason in ("no_sentence_form", "form_seen_not_placed")


def test_tables_of_an_older_provincial_form_not_read_are_in_the_ledger():
    """2017 江苏省高级人民法院: the 收支预算总表 prints 28,849.38 (收入合计, p12:269); when its cells are
    not read, the figure is in the ledger at its page:line, as a table seen but not read — or it is read."""
    rep, fr = ledger_of(2017, "jsfy-yusuan")
    li, u = fr["line_items"], fr["unread"]
    line = next(n for n in range(1, len(rep.doc.lines) + 1) if rep.doc.where(n) == "p12:269")
    assert "28,849.38" in rep.doc.line(line)
    in_ledger = u[(u.source_line == line) & (u.printed == "28,849.38")]
    in_data = li[li.source_line == line]
    assert len(in_ledger) + len(in_data) >= 1
    assert len(in_ledger) == 0 or set(in_ledger.reason) <= {"table_seen_not_read", "cell_not_placed"}


def test_a_cell_printed_on_a_wrapped_rows_other_line_is_counted_once():
    """2019 江苏省高级人民法院 预算02, page 9: the row of 一般公共预算资金 wraps; its 37,188.34 is printed
    on the sub-line p9:191 (“\t\t\t\t37,188.34”, read in the PDF) while the grid places the row at the
    next line.  It is one printed figure, a table cell: not also a figure of the text at p9:191
    (the ledger counted it twice, as text and as table, before).  Likewise p12:297/306/312."""
    rep, fr = ledger_of(2019, "jsfy-yusuan")
    u = fr["unread"]
    at = {loc: u[u.location == loc] for loc in ("p9:191", "p12:297", "p12:306", "p12:312")}
    for loc, rows in at.items():
        assert (rows["where"] == "text").sum() == 0, (loc, rows[["where", "printed"]].values.tolist())
    line = next(n for n in range(1, len(rep.doc.lines) + 1) if rep.doc.where(n) == "p9:191")
    assert rep.doc.line(line).strip() == "37,188.34"
    cov = fr["coverage"]
    text = cov[(cov["where"] == "text")].printed.sum()
    table = cov[(cov["where"] == "table")].printed.sum()
    assert (int(text), int(table)) == (124, 215)          # 128 text figures before: 4 counted twice


def test_a_grid_after_a_table_with_no_role_does_not_continue_the_table_before_it():
    """2017 江苏省高级人民法院: 预算04 (财政拨款收支总表) ends at p13:302; the 财政拨款支出预算表 (“五、…”, a
    table with no national role) follows on p13 and goes on to p14, whose first grid row is
    “2210202 提租补贴 1,959.99” (p14:321, read in the PDF).  The ledger grouped that row with 预算04 (the
    table readers do not), judged 预算04 read in part and so kept budget_x04_01 from running."""
    from juesuan.validate.ledger import grid_tables
    rep, fr = ledger_of(2017, "jsfy-yusuan")
    line = next(n for n in range(1, len(rep.doc.lines) + 1) if rep.doc.where(n) == "p14:321")
    assert "1,959.99" in rep.doc.line(line)
    where = grid_tables(rep.doc, "budget")
    assert where[line][0] is None
    assert max(n for n, (t, _) in where.items() if t == "预算04") == line - 19      # p13:302, its 合计 row
    c = rep.log.counts["budget_x04_01"]
    assert c.run > 0 and c.failed == 0, c
