"""Property tests on synthetic explanation sections (tests/synth/prose.py, issue 18): on a
consistent section every stated fact is read back with 0 errors and 0 warnings; one changed figure
gives exactly one finding, at its line.  A quick share runs in `make test`, more under -m slow."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.extract.prose.explanation import parse_explanation
from juesuan.findings import CheckLog
from juesuan.source import Document
from juesuan.validate import crosscheck as xc
from juesuan.validate import document as dc
from synth import prose

VARIANTS = prose.VARIANTS


def run(text: str, table05):
    doc = Document.from_text(text)
    log = CheckLog("t.txt")
    res = parse_explanation(doc, 1, len(doc.lines), log, prose.YEAR)
    dc.check_directions(res, log)
    tables = {"公开05": table05}
    xc.resolve_outturn_codes(res.budget_outturn, tables, log)
    xc.check_outturn_vs_tables(res.budget_outturn, tables, log)
    return res, log


def bad(log):
    return [f for f in log.findings if f.severity != "info"]


def check_consistent(seed: int, variant: dict) -> None:
    p = prose.section(seed, variant)
    res, log = run(p.text, p.table05)
    assert bad(log) == [], (variant["name"], seed, [(f.check, f.message, f.location) for f in bad(log)])
    read = {(f["subject"], f["measure"], f["value"]) for f in res.facts}
    missing = [f for f in p.facts if f not in read]
    assert not missing, (variant["name"], seed, missing)
    assert len(res.budget_outturn) == len(p.items)
    for got, want in zip(res.budget_outturn, p.items):
        for k, v in want.items():
            assert got.get(k) == v, (variant["name"], seed, k, got.get(k), v)
    unparsed = [f for f in log.findings if f.check in ("text_parse", "unparsed")]
    assert unparsed == []


def check_mutations(seed: int, variant: dict) -> int:
    p = prose.section(seed, variant)
    for k in range(len(p.mutable)):
        text, line, check = prose.mutate(p, k)
        _, log = run(text, p.table05)
        got = [(f.check, f.location) for f in bad(log)]
        assert got == [(check, f"t.txt:{line}")], (variant["name"], seed, p.mutable[k], got)
    return len(p.mutable)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v["name"] for v in VARIANTS])
def test_every_variant_reads_back_clean(variant):
    for seed in range(3):
        check_consistent(seed, variant)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v["name"] for v in VARIANTS])
def test_one_changed_figure_is_one_finding_at_its_line(variant):
    assert check_mutations(1, variant) >= 3


def test_the_variants_cover_the_forms():
    text = "".join(prose.section(0, v).text for v in VARIANTS)
    for form in ("年初预算", "全年预算", "调整预算", "上年", "上一年度", "2023年度", "万元", "（类）",
                 "（项）", "相关经费", "年初预算为0.00"):
        assert form in text, form


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), v=st.sampled_from(VARIANTS))
def test_slow_consistent_and_mutated(seed, v):
    check_consistent(seed, v)
    check_mutations(seed, v)


# ---------------------------------------------------------------- the whole report (PDF)
def render_and_parse(tmp_path, monkeypatch, seed: int, variant: dict, text: str | None = None):
    """The layout generator's PDF of ``seed`` with this prose as its 第三部分, through the
    whole pipeline (tables, text vs tables, document checks)."""
    from juesuan import config
    from juesuan.clean.pipeline import parse_report
    from synth import generate as g
    monkeypatch.setattr(config, "CLEAN", tmp_path / "clean")
    p = prose.section(seed, variant, dept="上海市合成测试局")
    lines = (text.rstrip("\n").split("\n") if text is not None else p.lines)
    out = g.render(g.layouts()[0], g.model(seed), tmp_path / "raw" / "2024" / "synth", explanation=lines)
    return p, parse_report(out["pdf"].parent)


def check_whole_report(tmp_path, monkeypatch, seed, variant):
    p, rep = render_and_parse(tmp_path, monkeypatch, seed, variant)
    assert bad(rep.log) == [], [(f.check, f.message, f.location) for f in bad(rep.log)]
    read = {(f["subject"], f["measure"], f["value"]) for f in rep.explanation.facts}
    assert [f for f in p.facts if f not in read] == []
    assert rep.log.counts["text_vs_table"].run >= 4 and rep.log.counts["outturn_vs_05"].failed == 0
    # one changed figure: one finding, of the check the change concerns
    text, _, check = prose.mutate(p, len(p.mutable) // 2)
    _, rep2 = render_and_parse(tmp_path / "m", monkeypatch, seed, variant, text)
    assert [f.check for f in bad(rep2.log)] == [check]


def test_whole_report_with_prose_is_clean(tmp_path, monkeypatch):
    check_whole_report(tmp_path, monkeypatch, 0, VARIANTS[3])      # founded in the year


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS, ids=[v["name"] for v in VARIANTS])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slow_whole_report_with_prose_is_clean(tmp_path, monkeypatch, variant, seed):
    check_whole_report(tmp_path, monkeypatch, seed, variant)
