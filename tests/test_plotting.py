"""The figure style: Chinese text renders with the bundled font, without glyph warnings."""
import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from juesuan import plotting  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src" / "juesuan"


@pytest.fixture
def styled():
    """Apply the style for one test and restore matplotlib's rcParams afterwards."""
    with matplotlib.rc_context():
        name = plotting.setup()
        yield name
    plt.close("all")


def _png_ok(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_setup_registers_bundled_font(styled):
    assert styled == "Noto Sans CJK SC"
    assert plotting.font_path().name == "NotoSansCJKsc-Regular.otf"
    assert plotting.font_path().parent.parent.name == "mplfonts"
    assert matplotlib.rcParams["font.sans-serif"][:2] == ["Noto Sans CJK SC", "DejaVu Sans"]
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert matplotlib.rcParams["figure.dpi"] == pytest.approx(110)
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]),
                                  fallback_to_default=False)
    assert Path(found).name == "NotoSansCJKsc-Regular.otf"
    # idempotent: no duplicate registrations
    plotting.setup()
    paths = [f.fname for f in font_manager.fontManager.ttflist if f.name == "Noto Sans CJK SC"]
    assert len(paths) == len(set(paths)) == 1


def test_chinese_figure_draws_without_glyph_warnings(styled, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.bar(["基本支出", "项目支出（万元）", "“三公”经费·接待"], [-1234.5, 30000, 56.78])
        ax.set_title("2022年度本年收入构成（公开01表）：完成率80–120% → 决算数 − 预算数")
        ax.set_xlabel("支出功能分类科目（类）")
        ax.set_ylabel("金额（万元）")
        ax.yaxis.set_major_formatter(plotting.yuan_formatter("万元"))
        ax.legend(["一般公共预算财政拨款"])
        plotting.source_note(ax, "宁夏回族自治区工业和信息化厅2022年度部门决算 公开01表")
        fig.tight_layout()
        out = tmp_path / "chinese.png"
        fig.savefig(out)
    _png_ok(out)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "30,000" in labels and "-0" not in labels


def test_every_character_used_by_the_figures_module_has_a_glyph(styled, tmp_path):
    text = (SRC / "figures.py").read_text(encoding="utf-8") if (SRC / "figures.py").exists() else ""
    chars = sorted({c for c in text if ord(c) > 127}) or list("公开表年度")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plt.figure(figsize=(8, 2))
        for i in range(0, len(chars), 60):
            fig.text(0.01, 0.9 - 0.1 * (i // 60), "".join(chars[i:i + 60]), fontsize=8)
        fig.savefig(tmp_path / "chars.png")
    _png_ok(tmp_path / "chars.png")


def test_without_the_font_chinese_labels_do_warn(tmp_path):
    """The check above can fail: DejaVu Sans alone has no CJK glyphs."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots()
            ax.set_title("本年支出合计")
            fig.savefig(tmp_path / "boxes.png")
            plt.close(fig)
    assert any(re.search(r"missing from font", str(w.message)) for w in caught)


def test_source_note_prefix_and_position(styled):
    fig, ax = plt.subplots()
    note = plotting.source_note(ax, "公开01表")
    assert note.get_text() == "资料来源：公开01表"
    assert note.figure is fig and note in fig.texts
    assert plotting.source_note(fig, "资料来源：公开02表").get_text() == "资料来源：公开02表"
    fig.canvas.draw()
    # below the axes (and their tick labels), so it never overlaps them
    renderer = fig.canvas.get_renderer()
    assert note.get_window_extent(renderer).y1 <= ax.get_tightbbox(renderer).y0


def test_yuan_formatter():
    f = plotting.yuan_formatter("万元")
    assert f(1234567.0) == "1,234,567"
    assert f(-0.2) == "0"
    assert plotting.yuan_formatter("万元", places=1)(12345.67) == "12,345.7"
    assert plotting.yuan_formatter("万元", places=2, from_yuan=True)(45276832.0) == "4,527.68"
    assert plotting.yuan_formatter("万元", from_yuan=True, suffix=True)(120000000) == "12,000万元"
    with pytest.raises(ValueError):
        plotting.yuan_formatter("美元", from_yuan=True)


def test_percent_formatter():
    assert plotting.percent_formatter()(85) == "85%"
    assert plotting.percent_formatter(places=1)(350.55) == "350.6%"
    assert plotting.percent_formatter(fraction=True)(0.85) == "85%"
    assert plotting.percent_formatter()(-0.3) == "0%"
