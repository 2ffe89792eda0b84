"""A department's 部门预算 linked with the 单位预算 of its own unit (issue 25 item 4): juesuan.clean.link (d).

1. The two real pairs under data/raw (read into a clean root of their own): 上海市普陀区人民政府办公室 and
   上海市普陀区商务委员会, 2025, each a 部门预算 and the 单位预算 of its one budget unit.  Every literal
   below was read in the PDFs (pypdfium2): the 部门预算 lists its units in “机构设置” (zfb p4: “1.上海市
   普陀区人民政府办公室本部。 2.下属事业单位上海市普陀区交流服务中心不单列预算，并入本部。”; swj p5:
   “1. 商务委本部，…  2. 上海市普陀区中小企业服务中心，不单列预算。”) — one unit with a budget of its
   own, so the department's figures equal the unit's; 收支总表 收入总计 / 支出总计 91,016,775.35 (zfb,
   部门 p8, 单位 p8) and 371,514,655.00 (swj, p9 both); “三公”经费 867.50 万元 (839.00 + 28.50) and
   机关运行经费 213.28 万元 (zfb p20 both); “三公” 1.00 万元 and 机关运行经费 171.01 万元 (swj p21 both).
2. Inline clean folders: a difference is a finding quoting both documents; a department of several
   units is at least each unit; a unit whose department is not in the data gets a note, no finding.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan import config
from juesuan.clean import data_task, link, task_for

from test_link import folder

PAIRS = {"ptzfb": "上海市普陀区人民政府办公室", "ptswj": "上海市普陀区商务委员会"}


# ------------------------------------------------------------------ the real pairs
@pytest.fixture(scope="module")
def real(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean-units")
    saved = config.CLEAN
    config.CLEAN = root
    try:
        for slug in ("ptzfb-yusuan", "ptzfb-dw-yusuan", "ptswj-yusuan", "ptswj-dw-yusuan"):
            res = data_task(task_for(2025, slug, config.raw_dir(2025, slug), root))["result"]
            assert res["ok"], res
        yield link.link_frames(root)
    finally:
        config.CLEAN = saved


def _cmp(frames, dept: str, label: str):
    c = frames["link_comparisons"]
    rows = c[(c.check == "link_unit_equal") & (c.left_doc == f"2025年部门预算（{dept}-yusuan）")
             & (c.label == f"2025年{label}")]
    assert len(rows) == 1, (dept, label, c[c.check.str.startswith("link_unit")].label.tolist())
    return rows.iloc[0]


def test_each_unit_is_linked_with_its_department_as_its_one_budget_unit(real):
    u = real["link_units"].set_index("unit_department")
    for dept, name in PAIRS.items():
        r = u.loc[f"{dept}-dw-yusuan"]
        assert (r.department, r.department_name, r.unit_name) == (f"{dept}-yusuan", name, name)
        # two units listed, one of them 不单列预算: the department's figures equal the unit's
        assert (r.units_stated, r.units_separate, r.relation) == (2, 1, "equal")
        assert r.compared > 40 and r.disagree == 0
    assert u.loc["ptzfb-dw-yusuan"].unit_location.endswith("2025年部门预算.pdf:p4:43")
    assert u.loc["ptswj-dw-yusuan"].unit_location.endswith("2025年部门预算.pdf:p5:88")


@pytest.mark.parametrize("dept,label,amount,dept_page,unit_page", [
    ("ptzfb", "收入总计（预算01）", "91016775.35", "p8", "p8"),
    ("ptzfb", "支出总计（预算01）", "91016775.35", "p8", "p8"),
    ("ptzfb", "“三公”经费合计预算", "8675000.00", "p20", "p20"),
    ("ptzfb", "因公出国（境）费预算", "8390000.00", "p20", "p20"),
    ("ptzfb", "公务接待费预算", "285000.00", "p20", "p20"),
    ("ptzfb", "机关运行经费预算", "2132800.00", "p20", "p20"),
    ("ptswj", "收入总计（预算01）", "371514655.00", "p9", "p9"),
    ("ptswj", "支出总计（预算01）", "371514655.00", "p9", "p9"),
    ("ptswj", "“三公”经费合计预算", "10000.00", "p21", "p21"),
    ("ptswj", "机关运行经费预算", "1710100.00", "p21", "p21"),
])
def test_the_totals_of_each_pair_agree_as_the_pdfs_print_them(real, dept, label, amount, dept_page, unit_page):
    r = _cmp(real, dept, label)
    assert Decimal(str(r.left_yuan)) == Decimal(amount) == Decimal(str(r.right_yuan))
    assert r.agrees == "是" and Decimal(str(r.difference_yuan)) == 0
    # each side quotes its own document, page and line
    assert f"data/raw/2025/{dept}-yusuan/" in r.left_location and f":{dept_page}:" in r.left_location
    assert f"data/raw/2025/{dept}-dw-yusuan/" in r.right_location and f":{unit_page}:" in r.right_location


def test_function_classes_of_both_tables_are_compared(real):
    c = real["link_comparisons"]
    c = c[c.check == "link_unit_equal"]
    for dept in PAIRS:
        mine = c[c.left_doc == f"2025年部门预算（{dept}-yusuan）"]
        codes = {s.split(":")[0]: set() for s in mine.subject if ":func:" in s}
        for s in mine.subject:
            if ":func:" in s:
                codes[s.split(":")[0]].add(s.rsplit(":", 1)[1])
        assert set(codes) == {"预算03", "预算05"}
        assert {"201", "208", "210", "221"} <= codes["预算03"]          # the classes both print
    r = _cmp(real, "ptzfb", "支出预算“一般公共服务支出”（201，预算03）")
    assert Decimal(str(r.left_yuan)) == Decimal("82096797.42") == Decimal(str(r.right_yuan))


def test_the_pairs_raise_no_finding_and_their_notes_say_what_was_compared(real):
    f = real["link_findings"]
    assert not f.check.str.startswith("link_unit").any()
    d = real["link_documents"].set_index("department")
    for dept in PAIRS:
        note = d.loc[f"{dept}-dw-yusuan"].note
        assert "部门的数字应等于单位的数字" in note and "全部一致" in note
        assert d.loc[f"{dept}-yusuan"].doc_level == "部门" and d.loc[f"{dept}-dw-yusuan"].doc_level == "单位"
        # the unit does not count as a second budget of the department (“链接只用……”): it is its unit
        assert "链接只用" not in d.loc[f"{dept}-yusuan"].note
        assert f"同一年度另有单位预算：2025年单位预算（{dept}-dw-yusuan）" in d.loc[f"{dept}-yusuan"].note


# ------------------------------------------------------------------ inline folders
DEPT = "甲区民政局"


def _level(f: Path, level: str, text: list[str] | None = None) -> Path:
    meta = json.loads((f / "metadata_inferred.json").read_text(encoding="utf-8"))
    meta["used"]["doc_level"] = level
    (f / "metadata_inferred.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if text is not None:
        (f / "extracted_text.txt").write_text("\n".join(f"p{1 + i // 10}:{i + 1}\t{t}" for i, t in enumerate(text)),
                                              encoding="utf-8")
    return f


def _budget(root, slug, name, total, c208, sangong="10000.00", line=50):
    return folder(root, 2025, slug, name, "budget", "元", items=[
        ("预算01", "grand_total", "amount", total, line, "收入"),
        ("预算01", "grand_total", "amount", total, line, "支出"),
        ("预算03", "total", "total", total, line + 10),
        ("预算03", "func:201", "total", str(Decimal(total) - Decimal(c208)), line + 11, "", "一般公共服务支出"),
        ("预算03", "func:208", "total", c208, line + 12, "", "社会保障和就业支出"),
        ("预算07", "sangong", "total", sangong, line + 20),
    ])


ONE_UNIT = ["目录", "二、部门机构设置 ……… 3", "甲区民政局机构设置", "甲区民政局部门预算包括本部。",
            "1.甲区民政局本部。", "2.下属事业单位甲区婚姻登记中心不单列预算，并入本部。", "名词解释"]
TWO_UNITS = ["甲区民政局机构设置", "具体包括：", "1. 甲区民政局本部。", "2. 甲区社会福利院。", "名词解释"]


def test_a_one_unit_department_that_differs_from_its_unit_is_an_error_quoting_both(tmp_path):
    _level(_budget(tmp_path, "mz-yusuan", DEPT, "1000000.00", "300000.00"), "部门", ONE_UNIT)
    _level(_budget(tmp_path, "mz-dw-yusuan", DEPT, "1000000.00", "290000.00", line=70), "单位", ["甲区民政局"])
    fr = link.link_frames(tmp_path)
    u = fr["link_units"].iloc[0]
    assert (u.relation, u.units_stated, u.units_separate, u.disagree) == ("equal", 2, 1, 2)   # 201 and 208
    f = fr["link_findings"]
    f = f[f.check == "link_unit_equal"]
    assert len(f) == 2 and set(f.severity) == {"error"}
    m = f[f.message.str.contains("（208，预算03）")].message.iloc[0]
    assert "2025年部门预算（mz-yusuan）为 30.00 万元（data/raw/2025/mz-yusuan/mz-yusuan.pdf:62）" in m
    assert "2025年单位预算（mz-dw-yusuan）为 29.00 万元（data/raw/2025/mz-dw-yusuan/mz-dw-yusuan.pdf:82）" in m
    assert "相差 1.00 万元" in m and "只列出一个单独编制预算的单位" in m and "1.甲区民政局本部。" in m


def test_a_department_of_several_units_is_at_least_each(tmp_path):
    _level(_budget(tmp_path, "mz-yusuan", DEPT, "1000000.00", "300000.00", sangong="5000.00"), "部门", TWO_UNITS)
    _level(_budget(tmp_path, "fly-yusuan", "甲区社会福利院", "400000.00", "250000.00", sangong="8000.00"), "单位")
    fr = link.link_frames(tmp_path)
    u = fr["link_units"].set_index("unit_department").loc["fly-yusuan"]
    assert (u.department, u.relation, u.units_stated, u.units_separate) == ("mz-yusuan", "at_least", 2, 2)
    assert u.unit_location.endswith("mz-yusuan.pdf:p1:4")          # “2. 甲区社会福利院。”
    c = fr["link_comparisons"]
    c = c[c.check == "link_unit_at_least"].set_index("subject")
    assert c.loc["grand_income"].agrees == "是"                   # 100 万 ≥ 40 万
    assert c.loc["sangong_total"].agrees == "否"                  # 0.50 万 < 0.80 万
    f = fr["link_findings"]
    f = f[f.check == "link_unit_at_least"]
    assert len(f) == 1 and "不小于" in f.message.iloc[0] and f.severity.iloc[0] == "error"


def test_a_unit_whose_department_is_not_in_the_data_gets_a_note_not_an_error(tmp_path):
    _level(_budget(tmp_path, "fly-yusuan", "甲区社会福利院", "400000.00", "250000.00"), "单位")
    fr = link.link_frames(tmp_path)
    u = fr["link_units"].iloc[0]
    assert u.department == "" and u.relation == "" and u.compared == 0
    assert "所属部门的2025年部门预算不在数据中" in u.note
    assert "不在数据中" in fr["link_documents"].note.iloc[0]
    assert not len(fr["link_findings"]) and not len(fr["link_comparisons"])


def test_a_department_without_a_list_of_units_is_at_least_its_unit(tmp_path):
    _level(_budget(tmp_path, "mz-yusuan", DEPT, "1000000.00", "300000.00"), "部门")      # no extracted text
    _level(_budget(tmp_path, "mz-dw-yusuan", DEPT, "900000.00", "300000.00"), "单位")
    fr = link.link_frames(tmp_path)
    u = fr["link_units"].iloc[0]
    assert u.relation == "at_least" and pd_isna(u.units_stated) and u.disagree == 0
    assert "没有读到所属单位的清单" in u.note


def pd_isna(v) -> bool:
    import pandas as pd
    return bool(pd.isna(v))
