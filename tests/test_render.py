"""Executed notebooks → offline, code-free HTML."""
import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from juesuan import render  # noqa: E402

CODE = "SECRET_INPUT_CODE = df.describe()  # 输入代码不应出现"
STDERR = "STDERR_NOISE: FutureWarning 不应出现"


def _png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([1, 3, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def make_notebook(heading: str = "第一章 收入支出决算总体情况", title: str | None = "部门决算分析（元数据标题）"):
    df = pd.DataFrame({"项目": ["基本支出", "项目支出"], "金额（万元）": [1234.56, 7890.12]})
    nb = new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    if title:
        nb.metadata["title"] = title
    nb.cells = [
        new_markdown_cell(f"# {heading}\n\n本年收入合计、本年支出合计均来自公开01表。公式 $a+b$ 保持为文本。"),
        new_code_cell(CODE, execution_count=1, outputs=[
            new_output("stream", name="stderr", text=STDERR + "\n"),
            new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure size 200x150>"}),
            new_output("execute_result", execution_count=1,
                       data={"text/html": df._repr_html_(), "text/plain": repr(df)}),
        ]),
        new_code_cell("print('ok')", execution_count=2,
                      outputs=[new_output("stream", name="stdout", text="REMOVED_CELL_OUTPUT\n")],
                      metadata={"tags": ["remove-cell"]}),
        new_code_cell("x = 1  # EMPTY_CELL_CODE", execution_count=3, outputs=[]),
    ]
    return nb


def assert_offline(html: str) -> None:
    # embedded data (PNG figures, the subset font) may contain any letters by chance
    low = re.sub(r"data:[a-z]+/[a-z0-9.+-]+;base64,[a-z0-9+/=]+", "", html.lower())
    for needle in ("<script src", "cdn", "require.js", "mathjax", "<script"):
        assert needle not in low, needle
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)


def test_render_html_is_offline_and_shows_outputs_only(tmp_path):
    nb_path = tmp_path / "01-overview.ipynb"
    nbformat.write(make_notebook(), nb_path)
    out = render.render_html(nb_path, tmp_path / "out" / "01-overview.html")
    assert out == tmp_path / "out" / "01-overview.html"
    html = out.read_text(encoding="utf-8")
    assert_offline(html)
    assert '<html lang="zh-CN">' in html
    assert "<title>部门决算分析（元数据标题）</title>" in html
    assert "第一章 收入支出决算总体情况" in html and "本年收入合计" in html
    assert "基本支出" in html and "1234.56" in html                          # the DataFrame
    assert re.search(r'<img[^>]+src="data:image/png;base64,iVBORw0KGgo', html)  # embedded PNG
    assert "SECRET_INPUT_CODE" not in html and "EMPTY_CELL_CODE" not in html   # no code
    assert "STDERR_NOISE" not in html                                          # no stderr
    assert "REMOVED_CELL_OUTPUT" not in html                                   # remove-cell
    assert not re.search(r'<div class="jp-(In|Out)putPrompt', html)                 # no prompts
    assert "<style" in html                                                    # CSS inline
    assert not list(tmp_path.glob("out/*.tmp"))


def test_title_argument_wins_and_file_name_is_the_fallback(tmp_path):
    nb_path = tmp_path / "02-budget.ipynb"
    nbformat.write(make_notebook(title=None), nb_path)
    html = render.render_html(nb_path, tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<title>02-budget</title>" in html
    html = render.render_html(nb_path, tmp_path / "b.html", title="预算执行").read_text(encoding="utf-8")
    assert "<title>预算执行</title>" in html


def test_combine_html_keeps_chapter_order_in_one_document(tmp_path):
    paths = []
    for i, heading in enumerate(["第一章 总体情况", "第二章 预算执行", "第三章 项目绩效"], start=1):
        p = tmp_path / f"0{i}-chapter.ipynb"
        nbformat.write(make_notebook(heading, title=f"chapter {i}"), p)
        paths.append(p)
    out = render.combine_html(paths, tmp_path / "report.html", "宁夏回族自治区工业和信息化厅2022年度部门决算分析")
    html = out.read_text(encoding="utf-8")
    assert_offline(html)
    assert html.count("<html") == 1 and html.count("</body>") == 1
    assert "<title>宁夏回族自治区工业和信息化厅2022年度部门决算分析</title>" in html
    positions = [html.index(h) for h in ("第一章 总体情况", "第二章 预算执行", "第三章 项目绩效")]
    assert positions == sorted(positions)
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == 3
    assert "STDERR_NOISE" not in html and "SECRET_INPUT_CODE" not in html


def test_combine_makes_cell_ids_unique():
    a, b = make_notebook(), make_notebook()
    nb = render.combine([a, b])
    ids = [c["id"] for c in nb.cells]
    assert len(ids) == len(set(ids)) == len(a.cells) + len(b.cells)
    nbformat.validate(nb)


def test_the_plain_lab_template_would_not_be_offline():
    """Why the offline template exists: nbconvert's lab template loads scripts from a CDN."""
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(template_name="lab").from_notebook_node(make_notebook())
    assert "<script src" in html and "cdn" in html.lower()
    with pytest.raises(render.NotOfflineError):
        render.check_offline(html)


def test_outputs_that_need_javascript_fall_back_to_html():
    nb = new_notebook()
    nb.cells = [new_code_cell("w", execution_count=1, outputs=[new_output(
        "display_data", data={"application/javascript": "require(['x'], function () {});",
                              "text/html": "<b>静态表格</b>", "text/plain": "w"})])]
    html = render.export_html(nb, title="t")
    assert_offline(html)
    assert "静态表格" in html and "require(" not in html


def test_chinese_text_is_covered_by_the_embedded_font():
    """The report carries a subset of the bundled CJK font: every Chinese character of the page
    has a glyph, so it renders on a machine with no CJK font installed."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from juesuan.render import embed_cjk_font

    html = "<html><head><title>t</title></head><body><p>部门决算：职业年金 350.55%（元）</p></body></html>"
    out = embed_cjk_font(html)
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", out)
    assert m, "no embedded font"
    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "部门决算：职业年金（元）")
    assert "JuesuanCJK" in out.split("<body>")[0]
    assert embed_cjk_font("<html><head></head><body>plain</body></html>").count("@font-face") == 0
