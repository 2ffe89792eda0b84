"""PDF ingest: the 2024 普陀区财政局 report, the blank national template, damaged and scanned PDFs."""
from decimal import Decimal as D

import pytest
from conftest import cell
import templatekit

from juesuan import config
from juesuan.errors import ParseError
from juesuan.extract.tabular.grid import parse_pdf_tables
from juesuan.extract.reading.pdf import PdfDocument, PdfTable, read_pdf
from juesuan.findings import CheckLog

RAW = config.raw_dir(2024, "ptczj")
TEMPLATE = templatekit.TEMPLATE_PDF
W = D(10000)


def test_totals_reconcile_in_yuan(frames):
    li = frames["line_items"]
    assert cell(li, "公开01", "income_total", side="收入") == D("2946.25") * W
    assert cell(li, "公开01", "expenditure_total", side="支出") == D("2940.05") * W
    assert cell(li, "公开01", "grand_total", side="收入") == cell(li, "公开01", "grand_total", side="支出") == D("2995.39") * W
    assert cell(li, "公开02", "total", "total") == D("2946.25") * W
    assert cell(li, "公开05", "total", "basic") == D("2336.91") * W


def test_codes_levels_and_blank_cells(frames):
    li = frames["line_items"]
    t3 = li[(li.table == "公开03") & (li.column == "total")]
    assert {"201", "20106", "2010601", "221", "22102", "2210203"} <= set(t3.code)
    assert set(t3[t3.code == "20106"].level) == {"款"} and set(t3[t3.code == "2010601"].level) == {"项"}
    blank = li[li.status == "blank"]
    assert len(blank) > 100 and (blank.amount_yuan == 0).all()
    # the 6-column 06 table: class + 款 codes joined, both panels read
    t6 = li[li.table == "公开06"]
    assert cell(li, "公开06", "econ:30101") == D("262.33") * W
    assert cell(li, "公开06", "econ:310") == D("13.58") * W
    assert cell(li, "公开06", "personnel_total") == D("2152.26") * W
    assert len(t6) > 60


def test_all_tables_present_and_empty_ones_declared(rep):
    assert all(t.present for t in rep.tables.values())
    assert rep.tables["公开08"].declared_empty and rep.tables["公开09"].declared_empty
    assert rep.log.counts["table_present"].failed == 0


def test_budget_outturn_with_stated_and_recomputed_rates(frames, rep):
    bo = frames["budget_outturn"]
    assert len(bo) == 11 and bo.code.notna().all()
    first = bo.iloc[0]
    assert (first.code, first.initial_budget_yuan, first.actual_yuan) == ("2010601", D("1560.05") * W, D("1511.89") * W)
    assert first.completion_rate == D("0.969129")  # 1511.89 / 1560.05
    facts = frames["stated_facts"]
    stated = facts[(facts.subject == "gpb_budget") & (facts.measure == "completion_rate")].value.iloc[0]
    assert stated == D("0.982")
    assert rep.log.counts["text_completion_rate"].failed == 0


def test_source_findings(frames):
    f = frames["findings"]
    err = f[f.severity == "error"]
    # 说明四 states 财政拨款收入支出总计 0.3 万元; 公开04 gives 2,961.68 万元 — one figure, one finding
    # (validate/consolidate.py): 支出总计 is named inside it as a consequence
    assert len(err) == 1 and set(err.check) == {"text_vs_table"} and "财政拨款支出总计" in err.iloc[0].message
    assert all(e.expected == "29616800" and e.found == "3000" for e in err.itertuples())
    assert all(":p21:" in loc for loc in err.location)
    # 五(二) states 一般公共服务 71.73 %; 2106.66 / 2940.05 = 71.65 %
    share = f[f.check == "text_share"]
    assert len(share) == 1 and share.iloc[0].found == "71.73%" and share.iloc[0].expected == "71.65%"
    # sums off by 0.01 万元 are rounding-size warnings, never errors
    assert set(f[f.check == "sum_to_total"].severity) == {"warning"}


def test_locations_name_page_and_line(frames):
    loc = frames["findings"].location
    assert loc.str.match(r"^data/raw/2024/ptczj/.+\.pdf(:p\d+:\d+)?$").all()


def test_template_headers_are_all_known():
    if not TEMPLATE.exists():
        pytest.skip(templatekit.MISSING)
    doc = read_pdf(TEMPLATE)
    log = CheckLog(doc.path, locate=doc.where)
    tables = parse_pdf_tables(doc, log)
    assert all(t.present for t in tables.values())
    assert not [f for f in log.findings if f.check == "unknown_header"]
    assert [c for c, _ in tables["公开08"].columns[""]] == [
        "carryover_begin", "income", "total", "basic", "project", "carryover_end"]
    assert len(tables["公开07"].columns[""]) == 12


def test_truncated_pdf_is_a_clear_error(tmp_path):
    data = next(RAW.glob("*.pdf")).read_bytes()
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(data[:20000])
    with pytest.raises(ParseError) as e:
        read_pdf(bad)
    assert "truncated.pdf" in str(e.value)


def test_scanned_pdf_has_no_text_layer(tmp_path, monkeypatch):
    """With --no-ocr a scanned PDF is refused; with OCR, an image without any text is an error too."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig = plt.figure(figsize=(3, 3))
    fig.figimage(np.random.default_rng(0).random((50, 50)))
    scan = tmp_path / "scan.pdf"
    fig.savefig(scan)
    plt.close(fig)
    monkeypatch.setenv("JUESUAN_NO_OCR", "1")
    with pytest.raises(ParseError, match="no text layer"):
        read_pdf(scan)
    monkeypatch.delenv("JUESUAN_NO_OCR")
    with pytest.raises(ParseError, match="OCR found no text"):
        read_pdf(scan, cache_dir=tmp_path / "cache")


def grid_doc(tables):
    lines, origins, pts = [], [], []
    for page, above, rows in tables:
        for a in above:
            lines.append(a)
            origins.append(f"p{page}:{len(lines)}")
        pt = PdfTable(page=page, top=0, above=list(above))
        for cells in rows:
            lines.append("\t".join(c or "" for c in cells))
            origins.append(f"p{page}:{len(lines)}")
            pt.rows.append((len(lines), cells))
        pts.append(pt)
    return PdfDocument(path="x.pdf", lines=lines, origins=origins, tables=pts, pages=2, text_pages=2)


def test_grid_by_function_with_continuation():
    head = [["项目", None, None, None, "合计", "基本支出", "项目支出"],
            ["类", "款", "项", "合计", "3.00", "1.00", "2.00"],
            ["201", "", "", "一般公共服务支出", "3.00", "1.00", "2.00"],
            ["201", "06", "", "财政事务", "3.00", "1.00", "2.00"],
            ["201", "06", "01", "行政运行", "1.00", "1.00", ""]]
    cont = [["201", "06", "02", "一般行政管理事务", "2.00", "", "2.00"]]
    doc = grid_doc([(1, ["一般公共预算财政拨款支出决算表", "单位：万元"], head), (2, [], cont)])
    log = CheckLog("x.pdf", locate=doc.where)
    t = parse_pdf_tables(doc, log)["公开05"]
    assert [r.code for r in t.details()] == ["201", "20106", "2010601", "2010602"]
    row = t.find("func:2010602")
    assert row.values == {"total": D(20000), "basic": D(0), "project": D(20000)}
    assert row.status["basic"] == "blank"
    assert t.find("total").values["total"] == D(30000)
    from juesuan.validate.tables import check_tables
    check_tables({"公开05": t}, log)
    assert log.counts["hierarchy_sum"].failed == 0 and log.counts["hierarchy_sum"].run > 0
    absent = [f for f in log.findings if f.check == "table_present"]
    assert len(absent) == 8 and absent[0].location == "x.pdf"


def test_a_final_accounts_table_page_printed_twice_is_read_once():
    """Real PDFs can carry duplicated pages: a continuation page equal cell for cell to the page
    before is read once (a note), so 公开05's amounts are not counted twice (no false sum error)."""
    head = [["项目", None, None, None, "合计", "基本支出", "项目支出"],
            ["类", "款", "项", "合计", "3.00", "1.00", "2.00"],
            ["201", "", "", "一般公共服务支出", "3.00", "1.00", "2.00"],
            ["201", "06", "", "财政事务", "3.00", "1.00", "2.00"],
            ["201", "06", "01", "行政运行", "1.00", "1.00", ""]]
    cont = [["201", "06", "02", "一般行政管理事务", "2.00", "", "2.00"]]
    doc = grid_doc([(1, ["一般公共预算财政拨款支出决算表", "单位：万元"], head), (2, [], cont), (3, [], cont)])
    log = CheckLog("x.pdf", locate=doc.where)
    t = parse_pdf_tables(doc, log)["公开05"]
    assert [r.code for r in t.details()] == ["201", "20106", "2010601", "2010602"]
    notes = [f for f in log.findings if f.check == "page_repeated"]
    assert len(notes) == 1 and "page 3 repeats the table of page 2" in notes[0].message
    from juesuan.validate.tables import check_tables
    check_tables({"公开05": t}, log)
    assert log.counts["sum_to_total"].failed == 0 and log.counts["hierarchy_sum"].failed == 0


def test_grid_unparseable_cell_is_an_error_at_its_page():
    rows = [["项目", None, None, None, "合计", "基本支出", "项目支出"],
            ["201", "06", "01", "行政运行", "1.O0", "1.00", ""]]
    doc = grid_doc([(3, ["一般公共预算财政拨款支出决算表"], rows)])
    log = CheckLog("x.pdf", locate=doc.where)
    parse_pdf_tables(doc, log)
    f = [x for x in log.findings if x.check == "unparseable_cell"]
    assert f and f[0].severity == "error" and f[0].location.startswith("x.pdf:p3:")
    assert any(x.check == "table_unit" for x in log.findings)  # no 单位 line: default unit noted


def test_extraction_cache_round_trip(tmp_path, monkeypatch):
    import juesuan.extract.reading.pdf as pdfmod
    src = next(RAW.glob("*.pdf"))
    cold = read_pdf(src, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("pdf-*.json"))) == 1

    def boom(*a, **k):
        raise AssertionError("pdfplumber should not run on a cache hit")
    monkeypatch.setattr(pdfmod, "_extract", boom)
    warm = read_pdf(src, cache_dir=tmp_path)
    assert warm.lines == cold.lines and warm.origins == cold.origins
    assert [(t.page, t.rows) for t in warm.tables] == [(t.page, [tuple(r) for r in t.rows]) for t in cold.tables]
    # a different file (other bytes) is not served from this cache
    other = tmp_path / "other.pdf"
    other.write_bytes(src.read_bytes()[:20000])
    # (it is read afresh: the extraction runs, or the damaged file is refused before it)
    with pytest.raises((AssertionError, ParseError), match="cache hit|not a readable PDF"):
        read_pdf(other, cache_dir=tmp_path)


def test_grid_codes_in_one_column_lanci_row_and_repeated_header():
    """The national template's layout: 功能分类科目编码 | 科目名称, a 栏次 row, 合计 last, the header
    repeated on the continuation page, a blank cell as zero, economic codes 30101 and 301 01."""
    head = [["项目", None, "合计", "基本支出", "项目支出"],
            ["功能分类\n科目编码", "科目名称", None, None, None],
            ["栏次", None, "1", "2", "3"]]
    first = head + [["201", "一般公共服务支出", "3.00", "1.00", "2.00"],
                    ["20106", "财政事务", "3.00", "1.00", "2.00"],
                    ["2010601", "行政运行", "1.00", "1.00", ""]]
    cont = head[:2] + [["2010602", "一般行政管理事务", "2.00", "0.00", "2.00"],
                       ["合计", None, "3.00", "1.00", "2.00"]]
    econ = [["经济分类\n科目编码", "科目名称", "决算数", "经济分类\n科目编码", "科目名称", "决算数"],
            ["301", "工资福利支出", "1.00", "302", "商品和服务支出", ""],
            ["30101", "基本工资", "1.00", "302 01", "办公费", ""],
            ["人员经费合计", None, "1.00", "公用经费合计", None, "0.00"]]
    doc = grid_doc([(1, ["一般公共预算财政拨款支出决算表", "单位：万元"], first), (2, [], cont),
                    (3, ["一般公共预算财政拨款基本支出决算表", "单位：元"], econ)])
    log = CheckLog("x.pdf", locate=doc.where)
    tables = parse_pdf_tables(doc, log)
    t = tables["公开05"]
    assert [r.code for r in t.details()] == ["201", "20106", "2010601", "2010602"]
    assert t.find("total").values == {"total": D(30000), "basic": D(10000), "project": D(20000)}
    assert t.find("func:2010601").status["project"] == "blank"
    assert t.find("func:2010602").status["basic"] == "reported"
    assert [f.check for f in log.findings if f.severity != "info" and f.table == "公开05"] == []
    assert len([f for f in log.findings if f.check == "header_repeated"]) == 2
    t6 = tables["公开06"]
    assert t6.value("econ:30101") == D("1.00") and t6.value("econ:30201") == D(0)
    assert t6.value("personnel_total") == D("1.00") and t6.find("public_total").status["amount"] == "reported"
    from juesuan.validate.tables import check_tables
    check_tables({"公开05": t, "公开06": t6}, log)
    assert log.counts["sum_to_total"].failed == 0 and log.counts["hierarchy_sum"].run > 0
    assert log.counts["econ_class_sum"].failed == 0


def _page_running_off_its_box(path, engine_note=""):
    """A reportlab page whose table ruling runs below the page's bottom edge and whose last text
    line lies outside the page box (a real provincial budget PDF failed on such a page:
    “Bounding box (0.0, -0.05, 595.3, 1179.4) is not fully within parent page bounding box”)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595.3, 841.9))
    c.setFont("STSong-Light", 10)
    c.drawString(40, 800, "2025年部门收入预算总表")
    for y in (700, 680, 660, 20, -40):
        c.line(40, y, 400, y)
    for x in (40, 200, 400):
        c.line(x, 700, x, -40)
    c.drawString(45, 685, "项目")
    c.drawString(205, 685, "合计")
    c.drawString(45, 665, "201 一般公共服务支出")
    c.drawString(205, 665, "1,000.00")
    c.drawString(45, 5, "合计")
    c.drawString(205, 5, "1,000.00")
    c.drawString(450, -25, "页面之外的一行")      # outside the page box
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_a_page_whose_content_runs_outside_its_box_is_read_not_refused(tmp_path, engine):
    from juesuan.extract.reading import pdf as pdfmod
    pdf = _page_running_off_its_box(tmp_path / "outside.pdf")
    doc = pdfmod._extract(pdf, engine=engine)
    assert doc.lines[0] == "2025年部门收入预算总表"
    rows = [cells for t in doc.tables for _, cells in t.rows]
    assert rows == [["项目", "合计"], ["201 一般公共服务支出", "1,000.00"], ["合计", "1,000.00"]]
    assert doc.pages == 1 and doc.origins[0] == "p1:1"


def test_within_clips_a_box_to_the_page():
    from juesuan.extract.reading.pdf import _within
    page = (0, 0, 595.3, 841.9)
    assert _within((0.0, -0.05, 595.3, 1179.4), page) == (0.0, 0, 595.3, 841.9)
    assert _within((10, 900, 20, 950), page) is None
    assert _within((10, 20, 30, 40), page) == (10, 20, 30, 40)


def test_cells_by_bisection_are_pdfplumbers_cells_on_the_real_pdfs():
    """_extract_cells (rows' characters found by bisection) gives Table.extract()'s texts."""
    import pdfplumber

    from juesuan.extract.reading.pdf import _extract_cells
    pdfs = [next(RAW.glob("*.pdf")), next(config.raw_dir(2023, "wanli-yusuan").glob("*.pdf")),
            next(config.raw_dir(2025, "shczj-yusuan").glob("*.pdf"))]
    grids = 0
    for f in pdfs:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                for t in page.find_tables():
                    assert _extract_cells(t) == t.extract(), (f.name, page.page_number)
                    grids += 1
    assert grids > 40
