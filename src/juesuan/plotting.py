"""One look for every figure: a bundled Chinese font, a seaborn theme, axis formatters.

The machine running the notebooks usually has no CJK font installed, so matplotlib
would draw Chinese labels as empty boxes (and warn "Glyph … missing from font(s)").
:func:`setup` registers the Noto Sans CJK SC font shipped inside the pinned
``mplfonts`` package (no network, nothing installed system-wide) and makes it the
first sans-serif font, with DejaVu Sans as the per-glyph fallback.

    from juesuan import plotting
    plotting.setup()
    ax.yaxis.set_major_formatter(plotting.yuan_formatter("万元"))
    plotting.source_note(fig, "宁夏回族自治区工业和信息化厅2022年度部门决算 公开01表")
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib
from matplotlib import font_manager, transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import FuncFormatter

from .config import font_path  # noqa: F401 - plotting.font_path stays the public name

FONT_NAME = "Noto Sans CJK SC"
FALLBACK_FONT = "DejaVu Sans"
DPI = 110
SOURCE_PREFIX = "资料来源："

UNIT_FACTORS = {"元": 1, "千元": 1_000, "万元": 10_000, "百万元": 1_000_000, "亿元": 100_000_000}


def register_font() -> str:
    """Add the bundled font to matplotlib's font manager (once per process); return its name."""
    path = font_path()
    registered = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    if path.resolve() not in registered:
        font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    if name != FONT_NAME:  # pragma: no cover - a different mplfonts build
        raise RuntimeError(f"{path.name} reports the family {name!r}, expected {FONT_NAME!r}")
    return name


def setup(style: bool = True) -> str:
    """Register the Chinese font and apply the suite's figure style; return the font name.

    With ``style=True`` a seaborn ``whitegrid`` theme is applied first (it resets the
    rcParams it owns); the font settings are applied in both cases.  Calling it again is
    harmless.
    """
    name = register_font()
    rc = {
        "font.family": ["sans-serif"],
        "font.sans-serif": [name, FALLBACK_FONT],
        "axes.unicode_minus": False,     # ASCII hyphen-minus: no dependence on U+2212
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "savefig.bbox": "standard",      # figures are cropped when drawn (fit_canvas): no tight pass
        "figure.figsize": (8.0, 4.0),
        "axes.titlesize": 12,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    share_text_metrics()
    if style:
        import seaborn as sns

        sns.set_theme(context="notebook", style="whitegrid", palette="deep", font="sans-serif", rc=rc)
    else:
        matplotlib.rcParams.update(rc)
    return name


# what a text's size depends on besides the text, its font properties and the dpi: which files
# the font families name, and how glyphs are hinted and kerned
_METRIC_RC = tuple(k for k in ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace",
                               "text.hinting", "text.hinting_factor", "text.kerning_factor")
                   if k in matplotlib.rcParams)


def share_text_metrics() -> bool:
    """Measure each text once per process, not once per canvas.

    matplotlib caches the size of a text per *renderer*, and an Agg renderer lives as long as the
    canvas keeps its size: laying a figure out, cropping it and saving it measure every title, tick
    and label again on each new canvas size — with a CJK font, the largest single cost of drawing
    the report's figures.  An Agg renderer's measurement depends only on the text, its font
    properties, the dpi and the font settings (never on the canvas), so one cache keyed on exactly
    those serves every Agg canvas; other renderers and mathtext keep matplotlib's own cache.
    Installed by :func:`setup` (once per process); returns False, changing nothing, if this
    matplotlib's text module does not have the expected (private) hook."""
    import functools
    import inspect

    from matplotlib import text as mtext
    from matplotlib.backends.backend_agg import RendererAgg

    current = getattr(mtext, "_get_text_metrics_with_cache", None)
    if current is None:
        return False
    if getattr(current, "shared_across_canvases", False):
        return True
    try:
        if list(inspect.signature(current).parameters) != ["renderer", "text", "fontprop", "ismath", "dpi"]:
            return False
    except (TypeError, ValueError):
        return False
    probes: dict = {}

    @functools.lru_cache(maxsize=16384)
    def measure(text, fontprop, ismath, dpi, state):
        probe = probes.get(dpi)
        if probe is None:
            probe = probes[dpi] = RendererAgg(1, 1, dpi)
        return probe.get_text_width_height_descent(text, fontprop, ismath)

    def metrics(renderer, text, fontprop, ismath, dpi):
        if ismath is False and type(renderer) is RendererAgg and renderer.dpi == dpi:
            values = [dict.__getitem__(matplotlib.rcParams, k) for k in _METRIC_RC]   # no validation: fast
            state = (tuple(tuple(v) if isinstance(v, list) else v for v in values), id(font_manager.fontManager),
                     len(font_manager.fontManager.ttflist))
            return measure(text, fontprop.copy(), ismath, dpi, state)
        return current(renderer, text, fontprop, ismath, dpi)

    metrics.shared_across_canvases = True
    metrics.__wrapped__ = current
    metrics.cache_info = measure.cache_info
    mtext._get_text_metrics_with_cache = metrics
    return True


def _figure_of(target: Axes | Figure | SubFigure) -> Figure | SubFigure:
    if isinstance(target, Axes):
        return target.figure
    return target


def source_note(target: Axes | Figure | SubFigure, text: str, fontsize: float = 7.5):
    """Put a small grey "资料来源：…" note just below the bottom left corner of the figure.

    ``target`` is a Figure or an Axes (its figure gets the note).  The prefix is added
    unless ``text`` already starts with it.  The note sits outside the canvas, so it
    never collides with tick or axis labels whatever layout the figure uses; it is
    included when the figure is saved with ``bbox_inches="tight"``, or once
    :func:`fit_canvas` has grown the canvas round it (what :mod:`juesuan.figures` does; the
    rc set by :func:`setup` and the notebooks' inline backend then save the canvas as it is).
    Returns the Text.
    """
    fig = _figure_of(target)
    text = str(text).strip()
    if not text.startswith((SOURCE_PREFIX, "资料来源:")):
        text = SOURCE_PREFIX + text
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    below = transforms.offset_copy(fig.transSubfigure, fig=root, x=0, y=-4, units="points")
    return fig.text(0.0, 0.0, text, ha="left", va="top", fontsize=fontsize, color="#666666",
                    transform=below)


def fit_canvas(fig: Figure, pad_inches: float | None = None) -> Figure:
    """Make the canvas exactly what ``savefig(bbox_inches="tight")`` would crop to: the box round
    everything drawn (the source note below the axes included), padded by ``pad_inches``
    (default :rc:`savefig.pad_inches`).  Nothing moves on the page: the figure is resized and the
    axes and figure texts are shifted by the crop, so a plain save (``bbox_inches=None``, what
    :func:`setup` sets) draws the same picture as a tight save, without a tight save's extra
    layout pass and draw.  Call it once the layout is final (after ``tight_layout``); anything
    added later must stay inside the axes.  Returns ``fig``.

    A figure drawn by a layout engine at every draw (constrained layout) or holding
    figure-level artists other than axes and texts is refused (ValueError): they would not follow.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
        raise ValueError(f"fit_canvas: the figure has a layout engine ({type(engine).__name__}) "
                         "that would lay it out again at every draw")
    others = [kind for kind in ("lines", "patches", "images", "legends", "subfigs") if getattr(fig, kind)]
    if others:
        raise ValueError(f"fit_canvas: figure-level {', '.join(others)} are not supported")
    if engine is not None and not (matplotlib.rcParams["figure.autolayout"]
                                   or matplotlib.rcParams["figure.constrained_layout.use"]):
        fig.set_layout_engine(None)    # a placeholder left by tight_layout makes every save lay out again
    renderer = fig.canvas.get_renderer()
    pad = matplotlib.rcParams["savefig.pad_inches"] if pad_inches is None else pad_inches
    crop = fig.get_tightbbox(renderer).padded(pad)            # inches, as savefig computes it
    dpi = fig.dpi
    w, h = fig.get_size_inches()
    shift = (crop.x0 * dpi, crop.y0 * dpi)
    axes = [(ax, ax.get_position(original=True).frozen(), ax.get_position(original=False).frozen())
            for ax in fig.axes]
    texts = [(t, t.get_transform().transform(t.get_unitless_position())) for t in fig.texts]
    fig.set_size_inches(crop.width, crop.height, forward=False)

    def moved(pos):    # figure fractions of the old canvas → of the cropped one
        return transforms.Bbox.from_extents((pos.x0 * w - crop.x0) / crop.width, (pos.y0 * h - crop.y0) / crop.height,
                                            (pos.x1 * w - crop.x0) / crop.width, (pos.y1 * h - crop.y0) / crop.height)

    for ax, original, active in axes:
        in_layout = ax.get_in_layout()      # set_position takes an axes out of the layout: not this move
        ax.set_position(moved(original), which="original")
        ax.set_position(moved(active), which="active")
        ax.set_in_layout(in_layout)
    for t, (x, y) in texts:
        t.set_position(t.get_transform().inverted().transform((x - shift[0], y - shift[1])))
    return fig


def yuan_formatter(unit: str = "万元", places: int = 0, from_yuan: bool = False,
                   suffix: bool = False) -> FuncFormatter:
    """Tick labels for amounts with thousands separators: ``12,345`` (or ``12,345.6``).

    By default the plotted values are already in ``unit`` (the figures convert 元 to
    万元 before drawing, and the axis label names the unit).  With ``from_yuan=True``
    the values are in 元 and are divided by the unit's factor (元, 千元, 万元, 百万元,
    亿元).  ``suffix=True`` appends the unit to every label.
    """
    if from_yuan and unit not in UNIT_FACTORS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNIT_FACTORS)}")
    factor = UNIT_FACTORS[unit] if from_yuan else 1
    tail = unit if suffix else ""

    def fmt(value: float, pos=None) -> str:
        v = value / factor
        label = f"{v:,.{places}f}"
        if label.lstrip("-").strip("0.,") == "":  # -0 → 0
            label = label.lstrip("-")
        return label + tail

    return FuncFormatter(fmt)


def percent_formatter(places: int = 0, fraction: bool = False) -> FuncFormatter:
    """Tick labels ``85%``: values in percent by default, or fractions with ``fraction=True``."""
    scale = 100 if fraction else 1

    def fmt(value: float, pos=None) -> str:
        label = f"{value * scale:,.{places}f}"
        if label.lstrip("-").strip("0.,") == "":
            label = label.lstrip("-")
        return label + "%"

    return FuncFormatter(fmt)


# offsets (points) tried in turn for a point's label: near first, then further out with a leader line
_LABEL_OFFSETS = [(5, 4), (5, -11), (-5, 4), (-5, -11), (0, 9), (0, -15), (12, 10), (12, -17), (-12, 10),
                  (-12, -17), (22, 2), (-22, 2), (18, 20), (18, -26), (-18, 20), (-18, -26), (0, 26), (0, -32),
                  (34, 12), (-34, 12), (34, -20), (-34, -20), (0, 40), (0, -46)]


def place_labels(ax: Axes, xs, ys, texts, fontsize: float = 7.5, color: str = "#333333",
                 marker_px: float = 6.0) -> list[int]:
    """Label points without overlaps: each label (in the given order, most important first) takes
    the first offset around its point where it stays inside the axes and overlaps neither an
    earlier label nor a point; a label placed away from its point gets a thin leader line.
    Returns the indexes of the labels that found no free place (not drawn).

    Call after the figure's layout is final (e.g. after ``tight_layout``).

    The candidate places are tested in display coordinates from one measurement of each label's
    text (its size does not depend on where it goes) and, for a leader line, the end the line
    would have (3 points short of the point, on the line to the label's centre): no annotation is
    made, laid out, clipped and removed per candidate.  A candidate within a fraction of a pixel
    of a decision boundary is decided by a real annotation, as before, so the labels land exactly
    where measuring every candidate would put them; only the chosen ones are drawn."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    box = ax.get_window_extent(renderer)
    pts = [tuple(ax.transData.transform((x, y))) for x, y in zip(xs, ys)]
    pad = 1.5
    ppt = fig.get_figure(root=True).dpi / 72          # pixels per point
    shrink = 3 * ppt                                   # the leader's shrinkB, in pixels
    taken = [transforms.Bbox.from_extents(px - marker_px, py - marker_px, px + marker_px, py + marker_px)
             for px, py in pts]
    skipped = []

    def annotate(text, x, y, dx, dy, far):
        return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                           color=color, ha="left" if dx > 0 else "right" if dx < 0 else "center",
                           va="bottom" if dy >= 0 else "top", zorder=5,
                           arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#888888",
                                       "shrinkA": 0, "shrinkB": 3} if far else None)

    def measured(ann):
        bb = ann.get_window_extent(renderer)
        return transforms.Bbox.from_extents(bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)

    def free(bb, own):
        inside = bb.x0 >= box.x0 and bb.x1 <= box.x1 and bb.y0 >= box.y0 and bb.y1 <= box.y1
        return inside and not any(bb.overlaps(t) for t in taken if t is not own)

    for i, (x, y, text) in enumerate(zip(xs, ys, texts)):
        text = str(text)
        own = taken[i]
        px, py = pts[i]
        if not ax.contains_point((px, py)):    # an annotation of a point outside the axes is not drawn:
            skipped.append(i)                   # no place is ever free for it
            continue
        probe = annotate(text, x, y, 0, 0, False)
        tb = probe.get_window_extent(renderer)
        probe.remove()
        w, h = tb.width, tb.height
        chosen = None
        for dx, dy in _LABEL_OFFSETS:
            far = abs(dx) > 6 or dy > 5 or dy < -12
            ox, oy = px + dx * ppt, py + dy * ppt
            x0 = ox if dx > 0 else ox - w if dx < 0 else ox - w / 2
            y0 = oy if dy >= 0 else oy - h
            x1, y1 = x0 + w, y0 + h
            if far:                             # the leader line's end joins the label's extent
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                dist = math.hypot(cx - px, cy - py)
                ex, ey = (px + shrink * (cx - px) / dist, py + shrink * (cy - py) / dist) if dist > shrink \
                    else (px, py)
                x0, y0, x1, y1 = min(x0, ex), min(y0, ey), max(x1, ex), max(y1, ey)
            x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
            verdict = _decide(x0, y0, x1, y1, box, [t for t in taken if t is not own])
            if verdict is None:                 # too close to call: measure a real annotation
                ann = annotate(text, x, y, dx, dy, far)
                bb = measured(ann)
                if free(bb, own):
                    taken.append(bb)
                    chosen = ann
                    break
                ann.remove()
            elif verdict:
                chosen = annotate(text, x, y, dx, dy, far)
                taken.append(measured(chosen))
                break
        if chosen is None:
            skipped.append(i)
    return skipped


_EPS = 0.25   # pixels: a computed edge this close to another is checked on a real annotation


def _decide(x0, y0, x1, y1, box, others) -> bool | None:
    """True: the box [x0, x1] × [y0, y1] is clearly inside ``box`` and clear of every box in
    ``others`` (Bbox.overlaps counts touching edges as overlapping); False: clearly not; None: an
    edge lies within _EPS of deciding it."""
    margin = min(x0 - box.x0, box.x1 - x1, y0 - box.y0, box.y1 - y1)
    if margin < -_EPS:
        return False
    ambiguous = margin <= _EPS
    for t in others:
        # they overlap when all four gaps are >= 0 (touching counts), are clear when one is < 0
        low = min(t.x1 - x0, x1 - t.x0, t.y1 - y0, y1 - t.y0)
        if low > _EPS:
            return False
        if low >= -_EPS:
            ambiguous = True
    return None if ambiguous else True
