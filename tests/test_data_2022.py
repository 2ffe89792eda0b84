"""Data validation on the whole 2022 report: row counts, reconciled totals, known findings."""
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import cell

from juesuan import config
from juesuan.clean.pipeline import amount_cells_in_source, parse_report

RAW = config.raw_dir(2022, "nxgxt")


def test_every_amount_cell_is_accounted_for(rep, frames):
    li = frames["line_items"]
    # 602 amount tokens in the text of the nine tables: 594 read into line_items, plus a second
    # reading of the 公开02 合计 row (7 agreeing values + 1 spurious 0.00); one lost cell (公开05 合计
    # 本年支出合计) is reconstructed.
    assert amount_cells_in_source(rep) == 602
    assert len(li) == 595
    assert li.status.value_counts().to_dict() == {"reported": 594, "reconstructed": 1}
    assert li.groupby("table").size().to_dict() == {
        "公开01": 42, "公开02": 126, "公开03": 132, "公开04": 125, "公开05": 66, "公开06": 92, "公开07": 12}


def test_reconciled_totals(frames):
    li = frames["line_items"]
    assert cell(li, "公开01", "income_total", side="收入") == D("95032215.28")
    assert cell(li, "公开01", "expenditure_total", side="支出") == D("93404992.41")
    assert cell(li, "公开01", "grand_total", side="收入") == cell(li, "公开01", "grand_total", side="支出") == D("106054725.92")
    assert cell(li, "公开02", "total", "total") == D("95032215.28")
    assert cell(li, "公开03", "total", "total") == D("93404992.41")
    assert cell(li, "公开04", "grand_total", "total", side="支出") == D("99819938.56")
    recon = li[li.status == "reconstructed"].iloc[0]
    assert (recon.table, recon.row_key, recon.column, recon.amount_yuan) == ("公开05", "total", "total", D("91254414.24"))
    assert cell(li, "公开06", "total") == D("64694834.19")
    # sums recomputed here, independently of the checks module
    t3 = li[(li.table == "公开03") & (li.code != "") & (li.column == "total")]
    assert sum(t3.amount_yuan) == D("93404992.41")
    t5 = li[(li.table == "公开05") & (li.code != "") & (li.column == "basic")]
    assert sum(t5.amount_yuan) == D("64694834.19")


def test_budget_outturn(frames):
    bo = frames["budget_outturn"]
    assert len(bo) == 22
    assert bo.code.tolist()[:7] == ["2010402", "2050899", "2080116", "2080501", "2080502", "2080505", "2080506"]
    pension = bo[bo.code == "2080506"].iloc[0]
    assert pension.initial_budget_yuan == D("1291600") and pension.actual_yuan == D("4527683.32")
    assert pension.stated_completion_rate == D("3.5055")
    assert pension.completion_rate == D("3.505484") and "band" not in bo.columns  # bands: analysis, not data
    from juesuan import analysis
    assert analysis.with_bands(bo).set_index("code").band["2080506"] == ">120%"
    no_budget = bo[bo.initial_budget_yuan.isna()]
    assert no_budget.code.tolist() == ["2100410", "2150299", "2150899", "2159999"]
    unspent = bo[bo.code == "2150299"].iloc[0]
    assert unspent.adjusted_budget_yuan == D("1300000") and unspent.actual_yuan == 0
    assert sum(v for v in bo.initial_budget_yuan if v is not None) == D("79593445.70")
    assert sum(bo.actual_yuan) == D("91254414.24")
    assert (bo.actual_yuan == bo.actual_table_yuan).all()


def test_projects(frames):
    pr = frames["projects"]
    assert len(pr) == 30 and pr.project_no.tolist() == list(range(1, 31))
    assert (pr.score == pr.stated_list_score).all()
    p1 = pr.iloc[0]
    assert p1.project == "工业稳增长及专项业务经费"
    assert (p1.annual_budget_yuan, p1.executed_yuan) == (D("4057600"), D("3137600"))
    assert p1.stated_execution_rate == D("0.7733") and p1.score == D("96.7")
    assert sum(pr.annual_budget_yuan) == D("111000500")
    assert len(frames["project_indicators"]) == 360


def test_known_source_inconsistencies_are_reported(frames):
    f = frames["findings"]
    errors = f[f.severity == "error"]
    found = {(r.check, r.location.rsplit(":", 1)[1]) for r in errors.itertuples()}
    assert ("row_identity", "351") in found           # 公开07 budget total ≠ parts (因公出国 0.00 vs 147900)
    assert ("text_vs_table", "499") in found          # text 因公出国 budget 147900 vs table 0.00
    assert ("project_fund_sources", "796") in found   # 168 平台: sources executed 5.29 vs total 4.99 万元
    assert ("project_fund_sources", "822") in found
    assert ("text_perf_summary", "533") in found      # 14 carry-over projects 736.03 万元 vs tables
    warnings = set(f[f.severity == "warning"].check)
    assert {"row_ordinals", "project_execution_rate", "text_unit_word", "text_project_names",
            "text_procurement_sme_consistency", "cell_placement"} <= warnings
    info = f[f.severity == "info"]
    assert ((info.check == "reconstructed") & (info.table == "公开05")).sum() == 1
    assert (info.check == "table_declared_empty").sum() == 2


def test_checks_table(frames):
    c = frames["checks"].set_index("check")
    assert (c.run == c.passed + c.failed).all()
    assert c.loc["sum_to_total", "run"] == 16 and c.loc["sum_to_total", "failed"] == 0
    assert c.loc["x03_05", "failed"] == 0 and c.loc["x04_05", "failed"] == 0
    assert c.loc["text_completion_rate", "failed"] == 0
    assert (c.description != "").all(), c[c.description == ""].index.tolist()


def test_findings_have_locations(frames):
    f = frames["findings"]
    assert f.location.str.match(r"^data/raw/2022/nxgxt/000_5cdd05a1ee12ee26\.txt(:\d+)?$").all()


def mutated_report(tmp_path: Path, line_no: int, old: str, new: str) -> Path:
    folder = tmp_path / "2022" / "nxgxt"
    folder.mkdir(parents=True)
    meta = json.loads((RAW / "metadata.json").read_text(encoding="utf-8"))
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    lines = (RAW / meta["source_file"]).read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    (folder / meta["source_file"]).write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.mark.parametrize("line_no,old,new", [
    (189, "4,454,127.07\t4,454,127.07", "4,454,127.07\t4,454,177.07"),  # 公开03 basic of 2080505
    (301, "47,453,880.86", "47,453,980.86"),                              # 公开06 301 class total
    (227, "29,038,045.45\t29,038,045.45", "29,038,045.45\t29,038,046.45"),  # 公开04 208 gpb column
])
def test_one_changed_digit_gives_an_error_at_that_line(tmp_path, line_no, old, new):
    rep = parse_report(mutated_report(tmp_path, line_no, old, new))
    errors = [f for f in rep.log.findings if f.severity == "error"]
    assert any(f.location.endswith(f":{line_no}") for f in errors), [(f.check, f.location) for f in errors]
    assert any(f.check == "source_unchanged" for f in rep.log.findings)


def test_clean_outputs_validate_against_the_datapackage():
    frictionless = pytest.importorskip("frictionless")
    pkg = config.clean_dir(2022, "nxgxt") / "datapackage.json"
    assert pkg.exists(), "run make data first"
    report = frictionless.validate(str(pkg))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    names = {r["name"] for r in json.loads(pkg.read_text(encoding="utf-8"))["resources"]}
    assert {"line-items", "budget-outturn", "projects", "findings", "checks", "sangong",
            "basic-expenditure", "prior-year", "procurement", "assets", "project-indicators"} <= names
