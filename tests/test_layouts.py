"""Every layout of the national format, read back from synthetic PDFs (tests/synth).

For each layout of ``tests/synth/layouts.csv`` the generator renders known, consistent
amounts; every amount must read back exactly, the checks must raise no error, nothing may be
left unparsed, and one amount changed in the rendered table must make the right check fire
at the right cell.  Property tests draw the amounts at random (quick share in ``make test``,
a bigger one behind the ``slow`` marker)."""
import json
import shutil
import time
from collections import Counter
from decimal import Decimal as D

import pytest
from fuzzkit import case_report_fixture, variant_factory
import templatekit
from hypothesis import strategies as st

from juesuan import config
from juesuan.extract.reading.words import Word, WordTableReader, columns_of, group_lines
from juesuan.clean.pipeline import parse_report
from synth import generate as g

LAYOUTS = {lay["name"]: lay for lay in g.layouts()}
TEMPLATE = templatekit.TEMPLATE_PDF
TWO_SIDED = ("公开01", "公开04")
# findings that would mean a line or a cell of a table was not understood
PARSE_TROUBLE = {"unparsed_line", "unparsed_cell", "unparseable_cell", "unknown_header", "unknown_row_label",
                 "cell_missing", "cell_placement", "table_no_rows", "total_row_missing"}

cases: Counter = Counter()
variants = variant_factory(cases)
_report_cases = case_report_fixture(cases)


@pytest.fixture
def clean_in_tmp(tmp_path, monkeypatch):
    """Keep the PDF extraction cache out of data/clean."""
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    return tmp_path


def build(layout: dict, seed: int, folder, mutate=None):
    m = g.model(seed)
    out = g.render(layout, m, folder / "raw" / "2024" / "synth", mutate=mutate)
    t0 = time.perf_counter()
    rep = parse_report(out["pdf"].parent)
    return out, rep, time.perf_counter() - t0


def read_cells(rep) -> dict:
    got = {}
    for tid, t in rep.tables.items():
        for r in t.rows:
            for col, v in r.values.items():
                got[(tid, r.side if tid in TWO_SIDED else "", r.key, col)] = v
    return got


def assert_reads_back(out, rep):
    got = read_cells(rep)
    wrong = {k: (v, got.get(k)) for k, v in out["cells"].items() if got.get(k) != v}
    assert not wrong, f"{len(wrong)} cells differ, e.g. {list(wrong.items())[:5]}"
    errors = [f for f in rep.log.findings if f.severity != "info"]       # no error, no warning either
    assert not errors, [f"{f.check} {f.location} {f.message}" for f in errors]
    assert sum(c.run for c in rep.log.counts.values()) > 400
    trouble = [f for f in rep.log.findings if f.check in PARSE_TROUBLE]
    assert not trouble, [f"{f.check} {f.location} {f.message}" for f in trouble]
    for tid in ("公开02", "公开03", "公开05", "公开06"):    # names, wrapped ones joined again
        for r in rep.tables[tid].details():
            assert r.item == out["names"][r.code], (tid, r.code, r.item)
    for tid in g.TITLES:
        assert rep.tables[tid].present
    assert rep.tables["公开08"].declared_empty and rep.tables["公开09"].declared_empty
    assert "公开08" not in rep.tables["公开09"].empty_statement.replace("政府性基金预算", "公开08")


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_every_amount_reads_back(name, clean_in_tmp):
    out, rep, _ = build(LAYOUTS[name], 2024, clean_in_tmp)
    assert_reads_back(out, rep)
    # the blank/0.00 style is what the cells say
    blank = [r.status[c] for t in rep.tables.values() for r in t.rows for c, v in r.values.items() if v == 0]
    assert blank and set(blank) == ({"blank"} if LAYOUTS[name]["zero_style"] == "blank" else {"reported"})
    units = {t.unit for tid, t in rep.tables.items() if tid in g.TITLES}
    assert units == set(out["units"].values())


def _row(rep, tid, key, side=None):
    row = rep.tables[tid].find(key, side)
    assert row is not None, (tid, key)
    return rep.log.loc(row.line)


MUTATIONS = [
    # changed cell (table, side, row, column, +hundreds of 元) → (check, table, row that names it, text)
    (("公开05", "", "func:2010601", "basic", 100), ("row_identity", "公开05", ("公开05", "func:2010601"), "total = basic")),
    (("公开05", "", "func:2010601", "basic", 100), ("hierarchy_sum", "公开05", ("公开05", "func:20106"), "基本支出")),
    (("公开06", "", "econ:30101", "amount", 100), ("econ_class_sum", "公开06", ("公开06", "econ:301"), "301")),
    (("公开07", "", "sangong", "actual_reception", 100), ("row_identity", "公开07", ("公开07", "sangong"), "actual_total")),
    (("公开01", "收入", "business", "amount", 100), ("income_sources_sum", "公开01", ("公开01", "income_total", "收入"), "本年收入合计")),
]


@pytest.mark.parametrize("name,mutation,expect", [
    ("template" if i % 2 == 0 else "plain_middle_wrapped", m, e) for i, (m, e) in enumerate(MUTATIONS)],
    ids=[f"{m[0]}-{m[2]}-{m[3]}-{e[0]}" for m, e in MUTATIONS])
def test_one_changed_amount_fires_at_its_cell(name, mutation, expect, clean_in_tmp):
    out, rep, _ = build(LAYOUTS[name], 7, clean_in_tmp, mutate=mutation)
    got = read_cells(rep)
    assert got[mutation[:4]] == out["cells"][mutation[:4]] + D(mutation[4]) * 100   # read as printed
    check, table, where, text = expect
    loc = _row(rep, *where)
    hits = [f for f in rep.log.findings if f.severity == "error" and f.check == check and f.table == table
            and f.location == loc and text in f.message]
    if not hits:        # one source fault, one finding (validate/consolidate.py): named as its consequence
        from juesuan.validate.consolidate import CONSEQUENCE, _titles
        named = f"{table}“{_titles()[check]}”（第 {loc.rsplit(':', 1)[-1]} 行）"
        hits = [f for f in rep.log.findings if f.severity == "error" and CONSEQUENCE in f.message
                and named in f.message.split(CONSEQUENCE, 1)[1]]
    assert hits, [f"{f.check} {f.location} {f.message}" for f in rep.log.findings if f.severity == "error"]
    # every error is about the changed amount: it names the changed row, a row that sums it, or a
    # table comparing with it (never an unrelated table)
    tables = {f.table for f in rep.log.findings if f.severity == "error"}
    assert tables <= {mutation[0], "公开01", "公开02", "公开03", "公开04", "公开05", "公开06", "说明"}


def _property(layout_name, seed):
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp(prefix="juesuan-layout-"))
    old = config.CLEAN
    config.CLEAN = folder / "clean"
    try:
        out, rep, _ = build(LAYOUTS[layout_name], seed, folder)
        assert_reads_back(out, rep)
    finally:
        config.CLEAN = old
        shutil.rmtree(folder, ignore_errors=True)


def _random_layout_reads_back(layout_name, seed):
    """Random consistent amounts in a random layout: exact read-back, no error."""
    _property(layout_name, seed)


test_random_amounts_read_back, test_random_amounts_read_back_slow = variants(
    _random_layout_reads_back, 3, 40, layout_name=st.sampled_from(sorted(LAYOUTS)),
    seed=st.integers(0, 10**9))


MUTABLE_TABLES = ("公开02", "公开03", "公开05", "公开06", "公开07")


def _random_change_fires_at_its_row(layout_name, seed, pick):
    """One random amount of 公开02/03/05/06/07 changed by 1 万元: an error at its row (a 06 item: at
    its class row, which sums it), and the cell reads as printed."""
    import tempfile
    from pathlib import Path
    cells = sorted(k for k in g.sums(g.model(seed)) if k[0] in MUTABLE_TABLES
                   and not k[2].startswith(("personnel", "public")))
    key = cells[pick % len(cells)]
    folder = Path(tempfile.mkdtemp(prefix="juesuan-layout-"))
    old = config.CLEAN
    config.CLEAN = folder / "clean"
    try:
        out, rep, _ = build(LAYOUTS[layout_name], seed, folder, mutate=key + (100,))
        assert read_cells(rep)[key] == out["cells"][key] + 10000
        row_key = key[2] if not (key[0] == "公开06" and len(key[2]) == 10) else key[2][:8]
        loc = _row(rep, key[0], row_key)
        hits = [f for f in rep.log.findings if f.severity == "error" and f.table == key[0] and f.location == loc]
        assert hits, (key, [f"{f.check} {f.location} {f.message}" for f in rep.log.findings if f.severity == "error"])
    finally:
        config.CLEAN = old
        shutil.rmtree(folder, ignore_errors=True)


test_random_change_fires, test_random_change_fires_slow = variants(
    _random_change_fires_at_its_row, 2, 30, layout_name=st.sampled_from(sorted(LAYOUTS)),
    seed=st.integers(0, 10**9), pick=st.integers(0, 10**6))


def test_blank_template_reads_without_errors(clean_in_tmp):
    """The blank national template: every table found, empty (a blank form), nothing unparsed."""
    if not TEMPLATE.exists():
        pytest.skip(templatekit.MISSING)
    folder = clean_in_tmp / "raw" / "2024" / "template"
    folder.mkdir(parents=True)
    shutil.copy(TEMPLATE, folder / "template.pdf")
    (folder / "metadata.json").write_text(json.dumps({
        "department": "template", "department_name": "上海市XX局", "year": 2024, "source_file": "template.pdf",
        "source_format": "pdf", "unit": "万元"}, ensure_ascii=False), encoding="utf-8")
    rep = parse_report(folder)
    assert all(t.present and t.declared_empty for t in rep.tables.values())
    table_errors = [f for f in rep.log.findings if f.severity == "error" and f.table.startswith("公开")]
    assert not table_errors, [f.message for f in table_errors]
    assert not [f for f in rep.log.findings if f.check in PARSE_TROUBLE]
    placeholders = [f for f in rep.log.findings if f.check == "placeholder_row"]
    assert placeholders and all("…" in f.message for f in placeholders)


# ---------------------------------------------------------------------------- words.py units
def W(text, x0, top, size=8.0, page=1):
    return Word(text, x0, x0 + size * len(text) * (0.55 if text.isascii() else 1), top, top + size, page)


def test_columns_from_header_and_data_with_a_blank_column():
    """A header word with no data under it heads a column of blank cells; right-aligned amounts
    under centred headers belong to the header nearest them."""
    header = group_lines([W("科目名称", 60, 10), W("合计", 160, 10), W("基本支出", 212, 10), W("项目支出", 272, 10)])
    data = group_lines([W("行政运行", 50, 30), W("12.00", 172, 30), W("12.00", 236, 30),
                        W("培训支出", 50, 45), W("5.50", 176, 45), W("5.50", 240, 45)])
    cols = columns_of(header, data)
    assert len(cols) == 4
    reader = WordTableReader()
    title = [W("一般公共预算财政拨款支出决算表", 100, 0), W("单位：万元", 300, 10)]
    words = title + [Word(w.text, w.x0, w.x1, w.top + 20, w.bottom + 20, 1)
                     for ln in header + data for w in ln.words]
    tables = reader.read_page(1, words)
    assert len(tables) == 1
    rows = tables[0].rows
    assert rows[0] == ["科目名称", "合计", "基本支出", "项目支出"]
    assert rows[1] == ["行政运行", "12.00", "12.00", ""] and rows[2] == ["培训支出", "5.50", "5.50", ""]
    assert reader.open is tables[0]            # reached the page end: may continue on the next page


def test_wrapped_label_joins_the_row_above_and_a_note_ends_the_table():
    words = [W("收入决算表", 100, 0), W("项目", 40, 20), W("本年收入合计", 150, 20),
             W("2080505", 10, 40), W("机关事业单位基本", 50, 40), W("9.00", 170, 40),
             W("养老保险缴费支出", 50, 50),
             W("2080506", 10, 65), W("职业年金缴费支出", 50, 65), W("1.00", 170, 65),
             W("注：本表反映部门本年度取得的各项收入情况。", 10, 90)]
    tables = WordTableReader().read_page(1, words)
    rows = tables[0].rows
    assert rows[1] == ["2080505", "机关事业单位基本养老保险缴费支出", "9.00"]
    assert rows[2] == ["2080506", "职业年金缴费支出", "1.00"] and len(rows) == 3


def test_a_contents_page_is_not_a_table():
    words = [W("目录", 100, 0), W("收入决算表", 40, 20), W("支出决算表", 40, 35), W("第三部分", 40, 50)]
    assert WordTableReader().read_page(1, words) == []


AMOUNT_HEADERS = ["合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出", "本年收入合计",
                  "财政拨款收入", "事业收入", "其他收入"]
NAMES = "行政运行 一般行政管理事务 财政委托业务支出 机关事业单位基本养老保险缴费 住房公积金 购房补贴 培训支出".split()


def _words_grid_reads_back(widths, data):
    """Random column geometry (centred headers, left-aligned codes and names, right-aligned amounts,
    blank cells, blank columns): the positioned words give back every cell."""
    fs = 8.0
    cw = lambda t: fs * len(t) * (0.55 if t.isascii() else 1)  # noqa: E731
    heads = ["科目编码", "科目名称"] + AMOUNT_HEADERS[:len(widths) - 2]
    xs = [20.0]
    for w in widths:
        xs.append(xs[-1] + w)
    words = [Word("支出决算表", 200, 200 + 5 * fs, 0, fs), Word("单位：万元", 400, 400 + 5 * fs, 12, 12 + fs)]
    for j, h in enumerate(heads):
        mid = (xs[j] + xs[j + 1]) / 2
        words.append(Word(h, mid - cw(h) / 2, mid + cw(h) / 2, 30, 30 + fs))
    expect = []
    for i, (code, name, amounts) in enumerate(data):
        top = 50 + 15 * i
        cells = [code, name] + [a for a in amounts[:len(widths) - 2]]
        cells += [""] * (len(widths) - len(cells))
        expect.append(cells)
        for j, c in enumerate(cells):
            if not c:
                continue
            x0 = xs[j] + 3 if j < 2 else xs[j + 1] - 3 - cw(c)
            words.append(Word(c, x0, x0 + cw(c), top, top + fs))
    tables = WordTableReader().read_page(1, words)
    assert len(tables) == 1
    assert tables[0].rows[0] == heads
    assert tables[0].rows[1:] == expect


_amount = st.builds(lambda n, blank: "" if blank else f"{n // 100:,}.{n % 100:02d}",
                    st.integers(1, 10**9), st.booleans())
test_words_grid, test_words_grid_slow = variants(
    _words_grid_reads_back, 60, 2000,
    widths=st.integers(3, 8).flatmap(lambda n: st.tuples(
        st.integers(50, 70), st.integers(130, 200), *[st.integers(68, 100) for _ in range(n)])).map(list),
    data=st.lists(st.tuples(st.from_regex(r"2[0-9]{2}([0-9]{2}){0,2}", fullmatch=True), st.sampled_from(NAMES),
                            st.lists(_amount, min_size=8, max_size=8)), min_size=1, max_size=6))
