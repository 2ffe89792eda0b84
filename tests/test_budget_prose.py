"""The budget's item sentences read by the prose engine, on generated documents (tests/synth/prose.py
``budget_items``) in every heading form real budgets print (quoted 类（类）款（款）项（项）, codes in the brackets
（201类）, dash-joined names, a code alone, a class) and every clause form (当年预算执行数 / 上年执行数 / 上年预算(数) /
none), wrapped across lines and across a page's footer.

On a consistent document every item is read and matched to its 预算05 row with its amount, prior-year figure,
rate and direction, with 0 errors and 0 warnings; one changed figure gives exactly one finding, at its line."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan.extract.prose.budget_text import parse_budget_text
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate.budget import check_items_cover, check_text_internal, check_text_vs_tables, check_text_years
from synth import prose as sp

CASES = [(f, c) for f in sp.BUDGET_FORMS for c in sp.BUDGET_CLAUSES]


def read(lines, table05, year=sp.BUDGET_YEAR):
    log = CheckLog("synth.pdf")
    tables = {"预算05": table05}
    bt = parse_budget_text(Document("synth.pdf", list(lines)), set(), tables, log, year)
    check_text_vs_tables(bt.facts, tables, log)
    check_text_internal(bt.facts, bt.items, tables, log)
    check_items_cover(bt.items, tables, log)
    check_text_years(bt.facts, year, log)
    return bt, log


def problems(log):
    return [(f.check, f.severity, f.location, f.message[:120]) for f in log.findings if f.severity != "info"]


def assert_read_back(p: sp.BudgetProse, bt, log):
    assert problems(log) == []
    got = [(i["no"], i["code"], i["value"], i["line"]) for i in bt.items]
    assert got == [(i["no"], i["code"], i["value"], i["line"]) for i in p.items]
    assert all(i["match"] in ("code", "names") for i in bt.items)          # never by class and amount alone
    for want, it in zip(p.items, bt.items):
        if want["prior_measure"] is None:
            assert (it["prior_execution"], it["prior_budget"], it["rate"]) == (None, None, None)
            continue
        assert it[want["prior_measure"]] == want["prior"]
        assert it["rate"] == want["rate"] and it["direction"] == want["direction"]
        assert it["rate_base"] == want["prior_measure"]


@pytest.mark.parametrize("form,clause", CASES)
def test_every_item_is_read_and_matched_with_no_finding(form, clause):
    for seed in range(3):
        p = sp.budget_items(seed, form, clause, page_break=True)
        bt, log = read(p.lines, p.table05)
        assert_read_back(p, bt, log)


@pytest.mark.parametrize("form,clause", CASES)
def test_one_changed_figure_gives_exactly_one_finding_at_its_line(form, clause):
    p = sp.budget_items(5, form, clause, width=200)
    assert p.mutable, "the document has figures to change"
    for k in range(len(p.mutable)):
        lines, at, check, severity = sp.mutate_budget(p, k)
        _, log = read(lines, p.table05)
        assert [(f.check, f.severity, f.location) for f in log.findings if f.severity != "info"] == [
            (check, severity, f"synth.pdf:{at}")], (p.mutable[k], problems(log))


@settings(derandomize=True, deadline=None, max_examples=60)
@given(seed=st.integers(0, 10_000), case=st.sampled_from(CASES), width=st.integers(17, 90),
       page_break=st.booleans())
def test_property_consistent_documents_read_back_exactly(seed, case, width, page_break):
    p = sp.budget_items(seed, *case, width=width, page_break=page_break)
    bt, log = read(p.lines, p.table05)
    assert_read_back(p, bt, log)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(seed=st.integers(0, 10_000), case=st.sampled_from(CASES), k=st.integers(0, 1000))
def test_property_one_changed_figure_one_finding(seed, case, k):
    p = sp.budget_items(seed, *case, width=200)
    if not p.mutable:
        return
    lines, at, check, severity = sp.mutate_budget(p, k % len(p.mutable))
    _, log = read(lines, p.table05)
    assert [(f.check, f.severity, f.location) for f in log.findings if f.severity != "info"] == [
        (check, severity, f"synth.pdf:{at}")]


def test_the_generated_forms_are_the_real_ones():
    """Each heading form and clause reads as printed (a sample line of each, checked by eye against the PDFs
    named in tests/synth/prose.py)."""
    heads = {f: sp.budget_items(1, f, "execution", width=400).lines[3] for f in sp.BUDGET_FORMS}
    assert "（类）" in heads["quoted"] and "“" in heads["quoted"]
    assert "类）" in heads["codes"] and "“" not in heads["codes"] and "项）" in heads["codes"]
    assert heads["dashes"].count("-") >= 2 and "科目" in heads["dashes"]
    assert "当年预算执行数为" in heads["codes"] and "预算安排" in heads["codes"]
    p = sp.budget_items(1, "quoted", "prior_budget", width=400)
    assert any("预算" in x and "比" in x for x in p.lines[3:-1])
    assert D(0) <= abs(next(i["rate"] for i in p.items if i["rate"] is not None)) < 1
