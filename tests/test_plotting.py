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


def _place_labels_reference(ax, xs, ys, texts, fontsize=7.5, color="#333333", marker_px=6.0):
    """The measured placement: a real annotation laid out (with its clipped leader line) for every
    candidate, after a full draw.  place_labels must land every label exactly where this does."""
    from matplotlib import transforms
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    pts = [ax.transData.transform((x, y)) for x, y in zip(xs, ys)]
    pad = 1.5
    taken = [transforms.Bbox.from_extents(px - marker_px, py - marker_px, px + marker_px, py + marker_px)
             for px, py in pts]
    skipped = []
    for i, (x, y, text) in enumerate(zip(xs, ys, texts)):
        placed = False
        for dx, dy in plotting._LABEL_OFFSETS:
            far = abs(dx) > 6 or dy > 5 or dy < -12
            ann = ax.annotate(str(text), (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                              color=color, ha="left" if dx > 0 else "right" if dx < 0 else "center",
                              va="bottom" if dy >= 0 else "top", zorder=5,
                              arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#888888",
                                          "shrinkA": 0, "shrinkB": 3} if far else None)
            bb = ann.get_window_extent(renderer)
            bb = transforms.Bbox.from_extents(bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            inside = bb.x0 >= box.x0 and bb.x1 <= box.x1 and bb.y0 >= box.y0 and bb.y1 <= box.y1
            own = taken[i]
            if inside and not any(bb.overlaps(t) for t in taken if t is not own):
                taken.append(bb)
                placed = True
                break
            ann.remove()
        if not placed:
            skipped.append(i)
    return skipped


def _labels_drawn(ax):
    renderer = ax.figure.canvas.get_renderer()
    return [(a.get_text(), tuple(a.xy), tuple(a.xyann), a.arrow_patch is not None,
             tuple(round(v, 6) for v in a.get_window_extent(renderer).extents)) for a in ax.texts]


def _scatter(seed: int, n: int, figsize=(6, 4), labels=None):
    import random
    rng = random.Random(seed)
    fig, ax = plt.subplots(figsize=figsize)
    xs = [rng.choice([rng.uniform(-5, 105), rng.gauss(50, 4), rng.uniform(95, 101)]) for _ in range(n)]
    ys = [rng.choice([rng.uniform(78, 101.5), rng.gauss(92, 1.5), rng.uniform(99, 103)]) for _ in range(n)]
    for i in range(1, n):                                  # small crowds at one place (100%, 100 分)
        if rng.random() < 0.4:
            j = rng.randrange(i)
            xs[i], ys[i] = xs[j] + rng.choice([-1, 1]) * rng.uniform(1.5, 4), ys[j] + rng.uniform(-1, 1)
    ax.scatter(xs, ys)
    ax.set_xlim(-5, 108)
    ax.set_ylim(77, 101.5)                                 # some points above the top: never labelled
    ax.set_title("标题")
    fig.tight_layout()
    texts = labels or [rng.choice(["", "", "", "P", "项目", "专项资金 85%"]) + str(i) for i in range(n)]
    return fig, ax, xs, ys, texts


@pytest.mark.parametrize("seed,n,figsize", [(1, 12, (6, 4)), (2, 40, (8, 5)), (3, 70, (8, 5)), (4, 25, (4, 3)),
                                            (5, 60, (7, 4.6))])
def test_place_labels_lands_where_measuring_every_candidate_does(styled, seed, n, figsize):
    fig, ax, xs, ys, texts = _scatter(seed, n, figsize)
    skipped = plotting.place_labels(ax, xs, ys, texts)
    fast = _labels_drawn(ax)
    plt.close(fig)
    fig, ax, xs, ys, texts = _scatter(seed, n, figsize)
    ref_skipped = _place_labels_reference(ax, xs, ys, texts)
    assert (skipped, fast) == (ref_skipped, _labels_drawn(ax))
    assert skipped and len(fast) >= n // 4                 # crowded: some skipped, many placed


def _crowds():
    """Points each ringed by four neighbours 15 px away diagonally: its near places are taken by their
    markers, so its label goes further out on a leader line."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    fig.tight_layout()
    inv = ax.transData.inverted()
    centres = [(150, 150), (300, 200), (450, 120), (330, 330), (52, 45)]
    pix = [c for c in centres] + [(cx + sx * 15, cy + sy * 15) for cx, cy in centres for sx in (-1, 1)
                                  for sy in (-1, 1)]
    xs, ys = zip(*(inv.transform(p) for p in pix))
    ax.scatter(xs, ys)
    return fig, ax, list(xs), list(ys), [f"P{i}" for i in range(len(xs))]


@pytest.mark.parametrize("marker_px", [4.0, 6.0])
def test_place_labels_leader_lines_land_where_measuring_does(styled, marker_px):
    fig, ax, xs, ys, texts = _crowds()
    skipped = plotting.place_labels(ax, xs, ys, texts, marker_px=marker_px)
    fast = _labels_drawn(ax)
    plt.close(fig)
    fig, ax, xs, ys, texts = _crowds()
    assert (skipped, fast) == (_place_labels_reference(ax, xs, ys, texts, marker_px=marker_px), _labels_drawn(ax))
    assert sum(a[3] for a in fast) >= 4                    # leader lines



def test_place_labels_decides_close_calls_on_a_real_annotation(styled, monkeypatch):
    """With the margin so wide that every candidate is "too close to call", every decision is a
    measured one, and the result is still the reference's."""
    monkeypatch.setattr(plotting, "_EPS", 1e6)
    fig, ax, xs, ys, texts = _scatter(7, 30)
    skipped = plotting.place_labels(ax, xs, ys, texts)
    fast = _labels_drawn(ax)
    plt.close(fig)
    fig, ax, xs, ys, texts = _scatter(7, 30)
    assert (skipped, fast) == (_place_labels_reference(ax, xs, ys, texts), _labels_drawn(ax))


def test_decide():
    from matplotlib.transforms import Bbox
    box = Bbox.from_extents(0, 0, 100, 100)
    other = [Bbox.from_extents(50, 50, 60, 60)]
    assert plotting._decide(10, 10, 20, 20, box, other) is True
    assert plotting._decide(-5, 10, 20, 20, box, other) is False           # outside the axes
    assert plotting._decide(55, 55, 70, 70, box, other) is False           # overlaps
    assert plotting._decide(60.1, 10, 70, 20, box, other) is True          # beside it (y apart)
    assert plotting._decide(60.1, 55, 70, 58, box, other) is None          # 0.1 px from touching
    assert plotting._decide(0.1, 10, 20, 20, box, other) is None           # 0.1 px from the edge
    assert plotting._decide(0.1, 55, 55, 58, box, other) is False          # overlaps whatever the edge


def _annotated_figure(suptitle=False, pie=False):
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
    axes[0].barh(["基本支出", "项目支出（很长的名称）", "“三公”经费"], [12345.6, 30000, -56.78], label="决算数")
    axes[0].xaxis.set_major_formatter(plotting.yuan_formatter("万元"))
    axes[0].set_title("2022年度本年支出构成（公开03表）：一个比坐标轴宽得多的标题，伸到图的左边")
    axes[0].set_xlabel("金额（万元）")
    axes[0].legend(loc="best")
    if pie:
        axes[1].pie([3, 5], labels=["人员经费\n1,234.00万元", "公用经费\n56.00万元"], autopct="%1.1f%%")
    else:
        axes[1].plot([0, 1, 2], [5, 1e5, 3])
        axes[1].set_ylabel("决算数（万元）")
    if suptitle:
        fig.suptitle("2022年度12个项目的执行率与自评得分分布")
    plotting.source_note(fig, "宁夏回族自治区工业和信息化厅2022年度部门决算 公开03表；第三部分五(三)")
    fig.tight_layout()
    return fig


def _png(fig, **kw):
    import io

    import numpy as np
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **kw)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")).astype(int)


@pytest.mark.parametrize("suptitle,pie", [(False, False), (True, True)])
def test_fit_canvas_draws_what_a_tight_save_crops_to(styled, suptitle, pie):
    assert matplotlib.rcParams["savefig.bbox"] is None             # setup: plain saves
    tight = _png(_annotated_figure(suptitle, pie), bbox_inches="tight")
    fig = plotting.fit_canvas(_annotated_figure(suptitle, pie))
    plain = _png(fig)
    assert plain.shape == tight.shape
    assert abs(plain - tight).max() <= 8 and (abs(plain - tight).max(axis=2) > 0).mean() < 0.002
    # and a tight save of the fitted figure crops nothing more: everything drawn is on the canvas
    assert _png(fig, bbox_inches="tight").shape == plain.shape
    renderer = fig.canvas.get_renderer()
    drawn = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
    inside = fig.bbox.padded(-0.1 * fig.dpi)                        # the canvas less the 0.1 in pad
    assert max(abs(a - b) for a, b in zip(drawn.extents, inside.extents)) < 1, (drawn, inside)
    note = fig.texts[-1].get_window_extent(renderer)
    assert note.y0 >= 0 and note.x0 >= 0 and all(a.get_in_layout() for a in fig.axes)
    assert fig.get_layout_engine() is None                          # no layout pass at save time


def test_fit_canvas_without_fitting_the_note_is_cut_off(styled):
    """The check above can fail: a plain save of an unfitted figure loses the note below the canvas."""
    fig = _annotated_figure()
    renderer = fig.canvas.get_renderer()
    assert fig.texts[-1].get_window_extent(renderer).y1 < 0
    assert _png(fig).shape != _png(_annotated_figure(), bbox_inches="tight").shape


def test_fit_canvas_refuses_what_would_not_follow(styled):
    fig, ax = plt.subplots(layout="constrained")
    with pytest.raises(ValueError, match="layout engine"):
        plotting.fit_canvas(fig)
    fig, ax = plt.subplots()
    ax.plot([1, 2], label="a")
    fig.legend()
    with pytest.raises(ValueError, match="legends"):
        plotting.fit_canvas(fig)


def _suite_figures():
    import helpers as h
    from juesuan import figures as fg
    for year, dept in [(2022, "nxgxt"), (2024, "ptczj")]:
        d = h.load(year, dept)
        for name in ("findings_overview", "income_sources", "expenditure_by_class", "year_on_year",
                     "completion_rates", "budget_vs_actual_amounts", "rate_vs_amount", "reason_categories",
                     "personnel_public", "economic_classes", "sangong", "projects_scatter", "project_distributions"):
            yield f"{year}/{dept} {name}", (lambda f=getattr(fg, name), d=d: f(d))
        yield f"{year}/{dept} pefa_outturn", (lambda d=d: fg.pefa_outturn(d, d.fact("gpb_budget", "budget"),
                                                                         d.fact("gpb_budget", "actual")))
    p = h.load_panel()
    for name in ("panel_structure", "panel_completion", "panel_sangong"):
        yield f"panel {name}", (lambda f=getattr(fg, name): f(p))


def test_every_figure_of_the_suite_fits_its_canvas(styled):
    """What the reports show: each figure, saved as it is (no tight crop), holds everything it draws
    — titles, tick labels, legends, labels and the source note — within the 0.1 in pad."""
    drawn_figures = 0
    for label, make in _suite_figures():
        fig = make()
        if fig is None:
            continue
        drawn_figures += 1
        renderer = fig.canvas.get_renderer()
        canvas = fig.bbox.padded(-0.1 * fig.dpi)
        drawn = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
        assert max(abs(a - b) for a, b in zip(drawn.extents, canvas.extents)) < 1, label
        note = [t for t in fig.texts if t.get_text().startswith(plotting.SOURCE_PREFIX)]
        assert len(note) == 1 and fig.bbox.contains(*note[0].get_window_extent(renderer).p0), label
        assert fig.get_layout_engine() is None, label
        plt.close(fig)
    assert drawn_figures >= 25


def test_text_metrics_are_shared_and_exact(styled):
    from matplotlib import text as mtext
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties
    shared = mtext._get_text_metrics_with_cache
    assert shared.shared_across_canvases and plotting.share_text_metrics()      # installed once
    for dpi in (72, 110, 220):
        for size in (7.5, 12):
            for text in ("2022年度本年收入构成（公开01表）", "12,345", "lp", "资料来源：公开03表", "Wg"):
                prop = FontProperties(family=["sans-serif"], size=size)
                own = RendererAgg(50, 30, dpi).get_text_width_height_descent(text, prop, False)
                assert shared(RendererAgg(640, 480, dpi), text, prop, False, dpi) == own
    text = f"基本支出 {id(object())}"                       # not measured before in this process
    prop = FontProperties(family=["sans-serif"], size=9)
    before = shared.cache_info()
    first = shared(RendererAgg(300, 200, 110), text, prop, False, 110)
    assert shared(RendererAgg(400, 100, 110), text, prop, False, 110) == first   # another canvas
    after = shared.cache_info()
    assert (after.misses, after.hits) == (before.misses + 1, before.hits + 1)    # measured once
    # the font settings are part of the key: without the CJK font the same text measures otherwise
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert shared(RendererAgg(300, 200, 110), text, prop, False, 110) != first


def test_figures_draw_the_same_with_shared_text_metrics(styled, monkeypatch):
    from matplotlib import text as mtext
    shared = _png(plotting.fit_canvas(_annotated_figure(True)))
    monkeypatch.setattr(mtext, "_get_text_metrics_with_cache", mtext._get_text_metrics_with_cache.__wrapped__)
    assert (_png(plotting.fit_canvas(_annotated_figure(True))) == shared).all()
