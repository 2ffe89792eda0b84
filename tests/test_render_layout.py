"""Reader layout: tables sized by their content, numbers right and text left, long lists folded,
labels that do not overlap, what a report lacks said in Chinese (issue 9)."""
from decimal import Decimal
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import helpers as h  # noqa: E402
from juesuan import analysis as an, plotting, render  # noqa: E402


def test_table_aligns_numbers_right_and_text_left():
    df = pd.DataFrame({"table": ["公开02", "公开10"], "message": ["应为 2,961.68 万元，原文为 0.30 万元" * 2, "短"],
                       "amount_yuan": [Decimal("1.00"), Decimal("2.50")], "count": [1, 22]})
    html = h.table(df, labels={"table": "表", "message": "发现", "amount_yuan": "金额（元）", "count": "项"}).to_html()
    css = html.split("</style>")[0]
    right = css.count("text-align: right")
    left = css.count("text-align: left")
    assert right >= 3 and left >= 3                      # numeric columns right, text columns left (cells, headers)
    assert "white-space: nowrap" in css and "min-width: 14em" in css   # the long text column has room


def test_offline_template_lets_tables_size_to_content():
    css = (render.TEMPLATES / "offline" / "index.html.j2").read_text(encoding="utf-8")
    assert "table-layout: auto" in css and "details > summary" in css


def test_details_folds_a_table_with_an_escaped_summary(capsys):
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401
    shown = []
    import IPython.display as disp
    orig = disp.display
    disp.display = lambda obj: shown.append(obj)
    try:
        h.details(h.table(pd.DataFrame({"a": ["x"]})), "全部 <1> 条", open_=True)
    finally:
        disp.display = orig
    html = shown[0].data
    assert html.startswith("<details open><summary>全部 &lt;1&gt; 条</summary>") and "<table" in html


def test_place_labels_never_overlap():
    plotting.setup(style=False)
    fig, ax = plt.subplots(figsize=(4, 3))
    xs = [1, 1.02, 1.04, 1.06, 1.08, 5, 5.05, 9]
    ys = [1, 1.01, 1.02, 1.0, 1.03, 5, 5.02, 9]
    ax.scatter(xs, ys)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    fig.tight_layout()
    skipped = plotting.place_labels(ax, xs, ys, [f"项目{i}" for i in range(len(xs))])
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) + len(skipped) == len(xs) and len(boxes) >= 4
    inside = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert a.x0 >= inside.x0 and a.x1 <= inside.x1 and a.y0 >= inside.y0 and a.y1 <= inside.y1
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    plt.close(fig)


def test_natural_order():
    assert sorted(["项目11", "项目2", "项目1", "公开02", "说明"], key=an.natural_key) == \
        ["公开02", "说明", "项目1", "项目2", "项目11"]
    df = pd.DataFrame({"table": ["项目10", "项目9", None]})
    assert an.natural_sorted(df, "table").table.tolist()[:2] == ["项目9", "项目10"]     # missing last


def test_band_sentence_is_natural_when_there_are_none():
    assert an.band_sentence(0, 0, "80%", "120%", 5) == "各项完成率都在年初预算的80%至120%之间。"
    assert an.band_sentence(2, 0, "80%", "120%", 5) == "共 2 项超过年初预算的120%，没有低于80%的项目。"
    assert an.band_sentence(2, 1, "80%", "120%", 5) == "共 2 项超过年初预算的120%，1 项低于80%。"
    assert an.band_sentence(0, 0, "80%", "120%", 0) == ""


def _dataset(li_rows=(), findings=(), bo=None, projects=1, prior=1):
    li = pd.DataFrame(list(li_rows), columns=["table", "row_key", "column", "amount_yuan", "side", "code"])
    f = pd.DataFrame(list(findings), columns=["check", "severity", "table", "message"])
    if bo is None:
        bo = pd.DataFrame({"initial_budget_yuan": [Decimal(100)], "actual_yuan": [Decimal(90)]})
    return SimpleNamespace(tables={"line_items": li, "findings": f, "budget_outturn": bo,
                                   "projects": pd.DataFrame({"project_no": list(range(projects))}),
                                   "prior_year": pd.DataFrame({"label": ["x"] * prior})})


FULL = [(f"公开{i:02d}", "total", "amount", Decimal(5), "", "") for i in range(1, 10)]


def test_missing_parts_of_a_complete_report_is_empty():
    assert an.missing_parts(_dataset(FULL)) == []
    assert all(v == "ok" for v in an.table_status(_dataset(FULL)).values())


def test_missing_parts_names_absent_empty_and_zero_tables():
    li = [r for r in FULL if r[0] not in ("公开07", "公开08", "公开09")]
    li.append(("公开09", "total", "amount", Decimal(0), "", ""))
    d = _dataset(li, findings=[("table_present", "error", "公开07", "公开07 … is absent from the report"),
                               ("table_declared_empty", "info", "公开08", "公开08 … is declared empty")])
    out = an.missing_parts(d)
    assert out == ["本报告未公开财政拨款“三公”经费支出决算表（公开07）。",
                   "本报告的政府性基金预算财政拨款收入支出决算表（公开08）声明本表无数据。",
                   "本报告的国有资本经营预算财政拨款支出决算表（公开09）金额全部为零。"]
    assert not an.has_table(d, "公开07") and an.has_table(d, "公开01")
    assert an.table_note(d, "公开01") == ""


def test_missing_parts_of_the_explanation_and_appendix():
    bo = pd.DataFrame({"initial_budget_yuan": [None, Decimal(100)], "actual_yuan": [Decimal(5), None]})
    out = an.missing_parts(_dataset(FULL, bo=bo, projects=0, prior=0))
    assert out == ["预算执行明细中有 1 项没有年初预算（完成率无法计算）。", "本报告没有附项目支出绩效自评表。",
                   "说明部分没有给出可比的上年金额。"]
    empty = pd.DataFrame({"initial_budget_yuan": [None], "actual_yuan": [None]})
    assert an.missing_parts(_dataset(FULL, bo=empty))[0].startswith("本报告没有预算执行明细")
    none = pd.DataFrame({"initial_budget_yuan": [None, None], "actual_yuan": [Decimal(1), Decimal(2)]})
    assert an.missing_parts(_dataset(FULL, bo=none)) == ["预算执行明细各项都没有年初预算，无法计算完成率。"]


def test_figures_without_data_are_not_drawn():
    from juesuan import figures as fg
    d = _dataset()
    d.year, d.name = 2024, "测试局"
    d.line_items, d.findings, d.budget_outturn = d.tables["line_items"], d.tables["findings"], \
        pd.DataFrame(columns=["code", "name", "initial_budget_yuan", "actual_yuan", "completion_rate",
                              "deviation_yuan", "reason_category", "adjusted_budget_yuan"])
    d.basic_expenditure = pd.DataFrame(columns=["name", "initial_budget_yuan", "actual_yuan", "prior_yuan"])
    d.sangong = pd.DataFrame({"category": ["total"], "label": ["合计"], "budget_yuan": [None], "budget_text_yuan": [None],
                              "actual_yuan": [None], "prior_yuan": [None]})
    d.projects = pd.DataFrame(columns=["project_no", "project", "execution_rate", "score", "annual_budget_yuan"])
    d.prior_year = pd.DataFrame(columns=["label", "current_yuan", "prior_yuan", "change_rate"])
    before = plt.get_fignums()
    for name in ("income_sources", "expenditure_by_class", "completion_rates", "budget_vs_actual_amounts",
                 "rate_vs_amount", "reason_categories", "economic_classes", "personnel_public", "sangong",
                 "projects_scatter", "project_distributions", "year_on_year", "findings_overview", "pefa_outturn"):
        assert getattr(fg, name)(d) is None, name
    assert plt.get_fignums() == before                    # nothing drawn, nothing left open


def test_signed_labels_have_no_negative_zero():
    from juesuan.figures import _signed
    assert [_signed(v) for v in (-0.04, 0.04, 12.34, -1234.56)] == ["0.0", "0.0", "+12.3", "-1,234.6"]


def test_identity_rows_show_what_the_document_states_and_where():
    info = {"document": {"department_name": "上海市普陀区财政局", "year": 2024, "scope": None, "unit": "万元",
                         "sources": {"year": {"line": 3, "location": "p1:3"},
                                     "unit": {"line": 86, "location": "p6:86"}}},
            "metadata_json": {"year": 2024, "department_name": "上海市普陀区财政局"}}
    rows = an.identity_rows(info).set_index("field")
    assert rows.loc["年度"].tolist() == ["2024", "p1:3", "2024"]
    assert rows.loc["金额单位"].tolist() == ["万元", "p6:86", ""]
    assert rows.loc["编制范围", "document"] == ""
    assert an.identity_rows({}).empty and an.identity_rows(None).empty
