"""Method parameters of the chapters: completion-rate bands and PEFA bands (one place).

The clean data keeps the facts (budget, actual, recomputed rate); which band a rate falls in is
a choice of method, made here and passed to the chapters as papermill parameters::

    completion_bands = None   # None: COMPLETION_BANDS; e.g. [0.9, 1.1]
    pi1_bands = None          # None: PI1_BANDS; e.g. {"A": [0.95, 1.05], "B": [0.9, 1.1], "C": [0.85, 1.15]}
    pi2_bands = None          # None: PI2_BANDS; e.g. {"A": 0.05, "B": 0.1, "C": 0.15}
    m = method.from_params(completion_bands, pi1_bands, pi2_bands)

Thresholds are exact ``Decimal`` fractions (0.8 = 80 %); parameters given as floats or strings
are read through their decimal text, so 0.8 means exactly 0.8.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Completion rate (actual ÷ initial budget) of a budget line: below LOW, LOW..HIGH, above HIGH.
COMPLETION_BANDS = (Decimal("0.8"), Decimal("1.2"))
# PEFA 2016 PI-1 (aggregate expenditure outturn): A within 95–105 %, B 90–110 %, C 85–115 %, else D.
PI1_BANDS = (("A", Decimal("0.95"), Decimal("1.05")), ("B", Decimal("0.90"), Decimal("1.10")),
             ("C", Decimal("0.85"), Decimal("1.15")))
# PEFA 2016 PI-2.1/2.2 (composition variance): A < 5 %, B < 10 %, C < 15 %, else D.
PI2_BANDS = (("A", Decimal("0.05")), ("B", Decimal("0.10")), ("C", Decimal("0.15")))

NO_BUDGET = "无年初预算"
FULL_ONLY = "仅有全年预算"   # an item without 年初预算 measured against its 全年预算 (调整后预算): no band
BAND_KINDS = ("low", "mid", "high", "none")


def _dec(value, name: str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"method parameter {name}: {value!r} is not a number") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"method parameter {name}: {value!r} must be a non-negative number")
    return d


def pct_label(v: Decimal) -> str:
    """0.8 → '80%', 0.825 → '82.5%'."""
    s = format((v * 100).normalize(), "f")
    return (s.rstrip("0").rstrip(".") if "." in s else s) + "%"


@dataclass(frozen=True)
class Method:
    completion_bands: tuple = COMPLETION_BANDS
    pi1_bands: tuple = PI1_BANDS
    pi2_bands: tuple = PI2_BANDS

    def __post_init__(self):
        low, high = self.completion_bands
        if not low < high:
            raise ValueError(f"method parameter completion_bands: low {low} must be below high {high}")
        for name, lo, hi in self.pi1_bands:
            if not lo <= Decimal(1) <= hi:
                raise ValueError(f"method parameter pi1_bands: band {name} [{lo}, {hi}] must contain 1 (= 100 %)")
        his = [hi for _, hi in self.pi2_bands]
        if his != sorted(his):
            raise ValueError("method parameter pi2_bands: thresholds must increase from A to C")

    # ---------------------------------------------------------------- completion bands
    @property
    def labels(self) -> dict[str, str]:
        """Band label by kind: low / mid / high / none."""
        low, high = self.completion_bands
        return {"low": f"<{pct_label(low)}", "mid": f"{pct_label(low)}–{pct_label(high)}",
                "high": f">{pct_label(high)}", "none": NO_BUDGET}

    def band_kind(self, rate) -> str:
        if rate is None:
            return "none"
        low, high = self.completion_bands
        rate = Decimal(rate)
        return "low" if rate < low else "mid" if rate <= high else "high"

    def band(self, rate) -> str:
        """The band label of a completion rate (``None``: no initial budget)."""
        return self.labels[self.band_kind(rate)]

    # ---------------------------------------------------------------- PEFA
    def pi1_band(self, rate) -> str:
        if rate is None:
            return "—"
        for name, lo, hi in self.pi1_bands:
            if lo <= rate <= hi:
                return name
        return "D"

    def pi2_band(self, variance) -> str:
        if variance is None:
            return "—"
        for name, hi in self.pi2_bands:
            if variance < hi:
                return name
        return "D"

    def pi1_text(self) -> str:
        return "；".join(f"{n}：{pct_label(lo)}–{pct_label(hi)}" for n, lo, hi in self.pi1_bands) + "；其余为D"

    def pi2_text(self) -> str:
        return "、".join(f"{n} < {pct_label(hi)}" for n, hi in self.pi2_bands) + "，其余为D"

    def note(self) -> str:
        """The method note shown in the reports (Chinese Markdown)."""
        lb = self.labels
        return ("**方法说明（本章参数）**：完成率 = 决算数 ÷ 年初预算数，分为"
                f"“{lb['low']}”“{lb['mid']}”“{lb['high']}”三个区间（没有年初预算的项目单列：有全年预算"
                "（调整后预算）的按全年预算计算完成率，不分区间）；"
                f"PEFA PI-1 总体支出执行区间为 {self.pi1_text()}；"
                f"PI-2 结构偏离区间为 {self.pi2_text()}。"
                "这些区间是分析方法的选择，不是原文数据，可作为 notebook 参数"
                "（completion_bands、pi1_bands、pi2_bands）修改后重新运行。")


DEFAULT = Method()


def from_params(completion_bands=None, pi1_bands=None, pi2_bands=None) -> Method:
    """A Method from papermill parameters (``None``: the defaults above)."""
    cb = COMPLETION_BANDS
    if completion_bands is not None:
        if len(completion_bands) != 2:
            raise ValueError(f"method parameter completion_bands: {completion_bands!r} must be [low, high]")
        cb = tuple(_dec(v, "completion_bands") for v in completion_bands)
    p1 = PI1_BANDS
    if pi1_bands is not None:
        items = pi1_bands.items() if isinstance(pi1_bands, dict) else pi1_bands
        try:
            p1 = tuple((str(n), _dec(lo, "pi1_bands"), _dec(hi, "pi1_bands")) for n, (lo, hi) in items)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"method parameter pi1_bands: {pi1_bands!r} must map a band to [low, high] ({exc})") \
                from None
    p2 = PI2_BANDS
    if pi2_bands is not None:
        items = pi2_bands.items() if isinstance(pi2_bands, dict) else pi2_bands
        try:
            p2 = tuple((str(n), _dec(hi, "pi2_bands")) for n, hi in items)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"method parameter pi2_bands: {pi2_bands!r} must map a band to a threshold ({exc})") \
                from None
    return Method(cb, p1, p2)
