"""Every chapter renders, whatever a report lacks (issue 9).

The whole suite (data step, every notebook, report.html) runs in temporary roots
(JUESUAN_RAW_ROOT / JUESUAN_CLEAN_ROOT / JUESUAN_REPORTS_ROOT) on:

- the blank national template (shared/pdf/附件2：部门决算模板.pdf beside the repository, or
  JUESUAN_TEMPLATE_PDF; its tests skip with the reason where it is not found: tests/templatekit.py);
- a filled synthetic report (tests/synth, the "template" layout);
- the 2022 text report with each of the nine public tables removed in turn (``noNN``).

A crash in a chapter is a failure; every report.html must say, in Chinese, what is missing.
The quick suite runs the template, the synthetic report and one removed-table variant; the
other eight variants are ``slow`` (``make test-slow``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import templatekit
from juesuan import config

REPO = config.ROOT
TEMPLATE_PDF = templatekit.TEMPLATE_PDF
SOURCE_2022 = REPO / "data" / "raw" / "2022" / "nxgxt"
TABLE_TITLES = {"公开01": "收入支出决算总表", "公开02": "收入决算表", "公开03": "支出决算表",
                "公开04": "财政拨款收入支出决算总表", "公开05": "一般公共预算财政拨款支出决算表",
                "公开06": "一般公共预算财政拨款基本支出决算表", "公开07": "财政拨款“三公”经费支出决算表",
                "公开08": "政府性基金预算财政拨款收入支出决算表", "公开09": "国有资本经营预算财政拨款支出决算表"}
QUICK_REMOVED = "公开07"


# ------------------------------------------------------------------ variants
def table_spans(lines: list[str]) -> dict[str, tuple[int, int]]:
    """(first, end) line indexes of each public table in the 2022 text: from its title line to the
    line before the next table's title (the last table ends where 第三部分 begins)."""
    start = max(i for i, s in enumerate(lines) if s.startswith("第二部分"))   # after the contents page
    found = {}
    for tid, title in TABLE_TITLES.items():
        hit = next(i for i in range(start, len(lines)) if lines[i].strip() == title)
        found[tid] = hit
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("第三部分"))
    order = sorted(found.items(), key=lambda kv: kv[1])
    spans = {}
    for (tid, first), nxt in zip(order, [i for _, i in order[1:]] + [end]):
        spans[tid] = (first, nxt)
    return spans


def write_removed_variant(raw_root: Path, tid: str, year: int = 2022) -> Path:
    """data/raw/2022/nxgxt with the lines of table ``tid`` deleted, as <raw_root>/2022/no0N."""
    src_txt = next(SOURCE_2022.glob("*.txt"))
    text = src_txt.read_text(encoding="utf-8")
    lines = text.split("\n")
    first, end = table_spans(lines)[tid]
    folder = raw_root / str(year) / f"no{tid[-2:]}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / src_txt.name).write_text("\n".join(lines[:first] + lines[end:]), encoding="utf-8")
    meta = json.loads((SOURCE_2022 / "metadata.json").read_text(encoding="utf-8"))
    meta.pop("source_sha256", None)                    # the text is changed on purpose
    meta["department"] = folder.name
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def write_removed_variants(raw_root: Path, tables=tuple(TABLE_TITLES)) -> list[Path]:
    return [write_removed_variant(raw_root, tid) for tid in tables]


def write_template(raw_root: Path) -> Path | None:
    if not TEMPLATE_PDF.is_file():
        return None
    folder = raw_root / "2024" / "template"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATE_PDF, folder / TEMPLATE_PDF.name)
    return folder


def write_synth(raw_root: Path, seed: int = 7) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from synth import generate as g

    layout = next(lay for lay in g.layouts() if lay["name"] == "template")
    out = g.render(layout, g.model(seed), raw_root / "2024" / "synth")
    return Path(out["pdf"]).parent


# ------------------------------------------------------------------ running the suite
def run_suite(root: Path, jobs: int = 2, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = dict(os.environ, JUESUAN_RAW_ROOT=str(root / "raw"), JUESUAN_CLEAN_ROOT=str(root / "clean"),
               JUESUAN_REPORTS_ROOT=str(root / "reports"))
    return subprocess.run([sys.executable, "-m", "juesuan", "reports", "--jobs", str(jobs), "--no-progress"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def reader_text(html: str) -> str:
    """The visible text of a report (tags, styles and embedded data removed)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_rendered(root: Path, proc, reports: list[tuple[str, str]]):
    summary = json.loads((root / "reports" / "summary.json").read_text(encoding="utf-8"))
    failed = [f for f in summary["failed"] if not f.startswith("panel")]
    assert not failed, proc.stdout[-3000:]
    texts = {}
    for year, dept in reports:
        html = (root / "reports" / year / dept / "report.html")
        assert html.is_file(), f"{year}/{dept}: no report.html\n{proc.stdout[-3000:]}"
        texts[dept] = reader_text(html.read_text(encoding="utf-8"))
    return texts


_QUICK: dict = {}


def quick_suite(base: Path):
    """The quick run (once per test session, shared with tests/test_browser.py): the 2022 report,
    the 2022 report without 公开07, the blank template (when beside the repository) and a filled
    synthetic report, through the whole suite in temporary roots under ``base``."""
    if "run" not in _QUICK:
        root = base / "robust"
        raw = root / "raw"
        reports = [("2022", "nxgxt"), ("2022", f"no{QUICK_REMOVED[-2:]}")]
        shutil.copytree(SOURCE_2022, raw / "2022" / "nxgxt")
        write_removed_variant(raw, QUICK_REMOVED)
        if write_template(raw):
            reports.append(("2024", "template"))
        write_synth(raw)
        reports.append(("2024", "synth"))
        _QUICK["run"] = (root, run_suite(root), reports)
    return _QUICK["run"]


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    from test_batch import _kernel_available

    if not _kernel_available():
        pytest.skip("no Jupyter kernel")
    return quick_suite(tmp_path_factory.getbasetemp())


def test_template_synth_and_a_removed_table_render(quick_run):
    root, proc, reports = quick_run
    texts = assert_rendered(root, proc, reports)
    assert "本报告未公开财政拨款“三公”经费支出决算表（公开07）" in texts["no07"]
    assert "“三公”经费" in texts["no07"]
    assert "本报告的政府性基金预算财政拨款收入支出决算表（公开08）声明本表无数据" in texts["synth"]
    assert "本报告没有附项目支出绩效自评表" in texts["synth"]
    assert "本报告的政府性基金预算财政拨款收入支出决算表（公开08）声明本表无数据" in texts["nxgxt"]
    assert "本报告未公开" not in texts["nxgxt"]


def test_generated_reports_read_as_chinese(quick_run):
    """Every finding of every generated report has a Chinese message; the reader part (outside
    the folded appendix lists) shows no English severity word and no check id."""
    import pandas as pd

    from juesuan import messages_zh as mz

    root, proc, reports = quick_run
    assert_rendered(root, proc, reports)
    for year, dept in reports:
        f = mz.add_message_zh(pd.read_csv(root / "clean" / year / dept / "findings.csv", dtype=str,
                                          keep_default_na=False))
        left = [m for m, found in zip(f.message_zh, f.found) if mz.english_words(m, keep=found)]
        assert not left, (dept, left[:3])
        html = (root / "reports" / year / dept / "report.html").read_text(encoding="utf-8")
        text = reader_text(re.sub(r"<details\b.*?</details>", " ", html, flags=re.S))
        assert not re.search(r"\b(error|warning|info)\b", text, re.I), dept
        ids = [c for c in mz.titles() if "_" in c]
        assert not [c for c in ids if re.search(rf"(?<![\w]){re.escape(c)}(?![\w])", text)], dept


def test_the_blank_template_renders_and_says_it_is_blank(quick_run):
    if not templatekit.available():
        pytest.skip(templatekit.MISSING)
    root, proc, reports = quick_run
    assert ("2024", "template") in reports
    t = assert_rendered(root, proc, [("2024", "template")])["template"]
    assert "声明本表无数据" in t
    assert "本报告没有预算执行明细" in t or "未列出" in t
    assert "没有附项目支出绩效自评表" in t


@pytest.mark.slow
def test_every_removed_table_renders_and_says_so(tmp_path):
    from test_batch import _kernel_available

    if not _kernel_available():
        pytest.skip("no Jupyter kernel")
    tables = [t for t in TABLE_TITLES if t != QUICK_REMOVED]
    write_removed_variants(tmp_path / "raw", tables)
    proc = run_suite(tmp_path)
    texts = assert_rendered(tmp_path, proc, [("2022", f"no{t[-2:]}") for t in tables])
    for tid in tables:
        assert f"本报告未公开{TABLE_TITLES[tid]}（{tid}）" in texts[f"no{tid[-2:]}"], tid


def test_table_spans_cover_each_table_once():
    lines = next(SOURCE_2022.glob("*.txt")).read_text(encoding="utf-8").split("\n")
    spans = table_spans(lines)
    assert len(spans) == 9
    ordered = sorted(spans.values())
    assert all(a[1] == b[0] for a, b in zip(ordered, ordered[1:]))        # contiguous, no overlap
    for tid, (first, end) in spans.items():
        body = "\n".join(lines[first:end])
        assert f"公开 {tid[-2:]} 表" in body or f"{tid}表" in body, tid


def test_removed_variant_lacks_only_that_table(tmp_path):
    folder = write_removed_variant(tmp_path, "公开03")
    text = next(folder.glob("*.txt")).read_text(encoding="utf-8")
    assert "公开 03 表" not in text and "公开 02 表" in text and "公开04表" in text
    assert (SOURCE_2022 / "metadata.json").read_text(encoding="utf-8").count("nxgxt") >= 1
    assert json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["department"] == "no03"


# ------------------------------------------------------------------ two budgets (issue 18 item 1)
def _outturn(rows, full_columns=True):
    """An inline budget_outturn: (code, name, 年初预算, 全年预算, 决算) per item, in 元."""
    import pandas as pd
    from decimal import Decimal as D

    from juesuan.numbers import ratio
    out = []
    for code, name, init, full, actual in rows:
        init, full, actual = (None if v is None else D(v) for v in (init, full, actual))
        row = {"code": code, "name": name, "initial_budget_yuan": init, "adjusted_budget_yuan": None,
               "actual_yuan": actual, "deviation_yuan": (actual - init) if init is not None else None,
               "completion_rate": ratio(actual, init) if init else None, "stated_completion_rate": None,
               "explanation": None, "reason_category": None}
        if full_columns:
            row.update(full_budget_yuan=full, full_completion_rate=ratio(actual, full) if full else None,
                       stated_rate_basis="full" if full and not init else "initial", code_source="text",
                       table_name=None)
        out.append(row)
    return pd.DataFrame(out)


def _dataset(bo):
    import pandas as pd

    import helpers as h
    li = pd.DataFrame({"table": ["公开01"], "amount_yuan": [1], "row_key": ["x"], "column": ["amount"],
                       "side": ["收入"], "code": [""]})
    tables = {"line_items": li, "budget_outturn": bo, "findings": pd.DataFrame(columns=["check", "table", "severity"]),
              "projects": pd.DataFrame({"project": ["p"]}), "prior_year": pd.DataFrame({"label": ["x"]})}
    return h.Dataset(2024, "x", Path("."), {}, tables)


FOUNDED = [("2010301", "行政运行", "0", "520000", "513200"), ("2010302", "一般行政管理事务", "0", "3210200", "3100000"),
           (None, "机关事业单位退休人员活动费支出", None, "8800", "8800")]


def test_a_unit_founded_in_the_year_gets_the_full_budget_view_and_no_band_noise():
    from juesuan import analysis as an, method
    bo = _outturn(FOUNDED)
    view = an.execution_view(bo)
    assert view["basis"] == "full" and view["budget_label"] == "全年预算" and view["pi1_band"] == "—"
    assert (view["full_items"], view["initial_items"], view["none_items"]) == (3, 0, 0)
    s = an.execution_sentence(view, 2024)
    assert "全年预算 **373.90 万元**" in s and "完成全年预算的 **96.87%**" in s
    assert "PEFA PI-1 按年初预算计，不适用" in s and "年初预算的" not in s
    assert list(an.with_bands(bo).band) == [method.FULL_ONLY] * 3
    lacks = "".join(an.missing_parts(_dataset(bo)))
    assert "年初预算" not in lacks and "预算执行明细" not in lacks       # no "无年初预算" noise
    assert an.band_sentence(0, 0, "80%", "120%", 0) == ""             # no band claim without 年初预算
    one = an.with_basis(bo).iloc[0]
    assert one.basis == "full" and str(one.basis_rate) == "0.986923"   # 完成全年预算数的 98.69%
    assert an.full_sentence(bo) == "各项都没有年初预算、只有全年预算（调整后预算），按全年预算计，完成全年预算的 96.57%至100.00%。"


def test_mixed_items_keep_pefa_on_the_original_budget():
    from juesuan import analysis as an
    bo = _outturn([("2010301", "行政运行", "1000000", "1100000", "1050000"), *FOUNDED[:1],
                   ("2010350", "事业运行", None, None, "20000")])
    view = an.execution_view(bo)
    assert view["basis"] == "initial" and view["budget_yuan"] == 1000000      # PI-1: 年初预算 only
    assert (view["initial_items"], view["full_items"], view["none_items"]) == (1, 1, 1)
    assert list(an.outturn(bo).basis) == ["initial", "full", "none"]
    assert an.full_sentence(bo).startswith("另有 1 项没有年初预算、只有全年预算")
    lacks = an.missing_parts(_dataset(bo))
    assert "预算执行明细中有 1 项既没有年初预算也没有全年预算（完成率无法计算）。" in lacks
    dev = an.largest_deviations(bo, n=3)
    assert dev.set_index("name").loc["行政运行", "movement_yuan"].tolist() == [50000, -6800]   # vs 年初 / 全年


def test_older_clean_data_without_the_new_columns():
    from juesuan import analysis as an
    bo = _outturn([("2010301", "行政运行", "1000000", None, "900000"), ("2010302", "x", None, None, "5")],
                  full_columns=False)
    assert list(an.with_basis(bo).basis) == ["initial", "none"]
    assert an.execution_view(bo)["basis"] == "initial"
    assert an.full_sentence(bo) == "" and an.reason_groups(bo).empty


def test_no_details_never_claims_bands():
    """'本报告没有预算执行明细' and '各项完成率都在年初预算的…之间' never stand together."""
    from juesuan import analysis as an
    bo = _outturn([])
    lacks = "".join(an.missing_parts(_dataset(bo)))
    assert "本报告没有预算执行明细" in lacks
    ob = an.outturn(an.usable_outturn(bo))
    assert an.band_sentence(0, 0, "80%", "120%", int((ob.basis == "initial").sum()) if len(ob) else 0) == ""
    assert an.execution_sentence(an.execution_view(bo), 2024) == ""


def test_a_stated_rate_names_its_budget():
    from juesuan import analysis as an
    bo = _outturn([("2010301", "行政运行", "500000", "520000", "513200")])
    bo["stated_rate_basis"] = ["full"]
    row = an.with_basis(bo).iloc[0]
    assert row.basis == "initial" and row.stated_basis == "全年预算"
    assert an.stated_rate_text("0.986900", row.stated_basis) == "原文按全年预算 98.69%"
    assert an.stated_rate_text("1.0264", "initial") == "原文 102.64%"
    assert an.with_basis(bo.drop(columns="stated_rate_basis")).stated_basis.tolist() == [""]


def write_founded_variant(clean_root: Path, source: Path) -> Path:
    """The 2022 report's clean data as a unit founded during the year would have it: every item with
    年初预算 0 and a 全年预算 (budget_outturn with the columns of helper h18a: full_budget_yuan,
    full_completion_rate, stated_rate_basis, code_source, table_name; one item without a code), the
    stated 年初预算 total 0 and a 全年预算 total."""
    import csv
    from decimal import Decimal as D

    from juesuan.numbers import ratio
    folder = clean_root / "2022" / "founded"
    shutil.copytree(source, folder)
    path = folder / "budget_outturn.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = list(rows[0]) + ["full_budget_yuan", "full_completion_rate", "stated_rate_basis", "code_source", "table_name"]
    total = D(0)
    for i, r in enumerate(rows):
        actual = D(r["actual_yuan"] or "0")
        full = D(r["initial_budget_yuan"] or "0") + D(r["adjusted_budget_yuan"] or "0") or actual + 100
        total += full
        r.update(department="founded", initial_budget_yuan="0.00", deviation_yuan="", completion_rate="",
                 full_budget_yuan=f"{full:.2f}", full_completion_rate=str(ratio(actual, full)),
                 stated_rate_basis="full", code_source="text" if i else "", table_name="")
        if i == 0:
            r["code"] = ""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    facts = folder / "stated_facts.csv"
    text = facts.read_text(encoding="utf-8-sig").replace("2022,nxgxt,", "2022,founded,")
    text = text.replace("gpb_budget,budget,79593445.7,", "gpb_budget,budget,0,")
    facts.write_text(text + f"2022,founded,五(三),gpb_budget,full_budget,{total},,2022,全年预算,417\n",
                     encoding="utf-8-sig")
    for name in folder.glob("*.csv"):
        if name.name not in ("budget_outturn.csv", "stated_facts.csv"):
            name.write_text(name.read_text(encoding="utf-8-sig").replace(",nxgxt,", ",founded,"), encoding="utf-8-sig")
    return folder


def test_chapters_of_a_unit_founded_in_the_year(tmp_path):
    """Only 全年预算: the chapters show execution against it and name it, never a band or
    '无年初预算', never two contradicting sentences, never None for the item without a code."""
    import os

    from test_reader_text import leaks, run_chapters, visible_text
    source = Path(os.environ["JUESUAN_CLEAN_ROOT"]) / "2022" / "nxgxt"
    write_founded_variant(tmp_path / "clean", source)
    nbs, html = run_chapters(tmp_path / "reports", 2022, "founded", tmp_path / "clean", "x2022年度部门决算分析报告")
    t = {stem[:2]: visible_text(nb) for stem, nb in nbs.items()}
    for stem, text in t.items():
        assert not leaks(text), (stem, leaks(text)[:5])
    assert "完成全年预算的 **" in t["03"] and "PEFA PI-1 按年初预算计，不适用" in t["03"]
    assert "22 项只有全年预算（调整后预算），按全年预算计" in t["03"]
    assert "各项都没有年初预算、只有全年预算（调整后预算）" in t["06"]
    assert "（本报告没有年初预算，按全年预算计）" in t["06"]
    for text in (t["03"], t["06"]):
        assert "无年初预算" not in text and "各项完成率都在年初预算" not in text
        assert "本报告没有预算执行明细" not in text and "既没有年初预算也没有全年预算" not in text
    assert "其他制造业支出（2150299）全年预算 1,300,000.00 元，决算 0.00 元，完成全年预算的 0.00%" in t["03"]
