"""Exact number handling: every amount becomes a ``Decimal`` (never a float).

Conventions
- Amount tokens may carry thousands separators, full-width digits, spaces
  inside the number, a leading minus sign; a lone dash or blank means "no
  value" (``None``); callers decide whether that is zero or missing.
- Units: all clean amounts are in 元.  万元 converts exactly (× 10000).
- Rates are fractions: ``"350.55%"`` → ``Decimal("3.5055")``.
- Digits are ASCII or full-width; other characters that Unicode (NFKC) would
  read as digits (superscripts such as a footnote mark "¹", circled digits,
  Arabic-Indic digits) make the token not a number, never a different one.
- Scaling (× 10000 for 万元, / 100 for rates) is exact at any length.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, Inexact, InvalidOperation, localcontext
from functools import lru_cache

from .errors import ParseError

UNIT_FACTORS = {"元": Decimal(1), "万元": Decimal(10000)}
FEN = Decimal("0.01")
BLANK_TOKENS = {"", "-", "—", "——", "－", "–", "/", "无"}

_AMOUNT_RE = re.compile(r"^-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$")
_RATE_RE = re.compile(r"^-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?%$")
_FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")


@lru_cache(maxsize=4096)
def _lookalike_digit(c: str) -> bool:
    """A non-ASCII, non-full-width character that NFKC or ``\\d`` would read as a digit."""
    if c.isascii() or c in _FULL_WIDTH_DIGITS:
        return False
    return c.isdigit() or any(x.isdigit() for x in unicodedata.normalize("NFKC", c))


def _numeric(token: str | None) -> str | None:
    """The normalised token, or None when it holds a look-alike digit."""
    if token and any(_lookalike_digit(c) for c in token):
        return None
    return normalize(token or "")


def _exact(op, a: Decimal, b: Decimal) -> Decimal:
    """a op b with enough precision to be exact (the default context has 28 digits)."""
    with localcontext() as ctx:
        ctx.prec = max(28, len(a.as_tuple().digits) + len(b.as_tuple().digits) + 2)
        ctx.traps[Inexact] = True
        return op(a, b)


def normalize(token: str) -> str:
    """Full-width → ASCII (NFKC), strip, drop spaces inside numbers."""
    t = unicodedata.normalize("NFKC", token or "").strip()
    t = t.replace("\u2212", "-")  # minus sign
    if re.fullmatch(r"[-\d,.\s%]+", t) and re.search(r"\d", t):
        t = re.sub(r"\s+", "", t)
    return t


def is_blank(token: str | None) -> bool:
    return normalize(token or "") in BLANK_TOKENS


def is_amount(token: str | None) -> bool:
    """True for a token that is a number (with optional thousands separators)."""
    t = _numeric(token)
    return t is not None and bool(_AMOUNT_RE.match(t))


def is_rate(token: str | None) -> bool:
    t = _numeric(token)
    return t is not None and bool(_RATE_RE.match(t))


def parse_amount(token: str, unit: str = "元", file: str | None = None,
                 line: int | None = None) -> Decimal | None:
    """Parse an amount token into 元.  Blank/dash → ``None``; garbage → ParseError."""
    t = normalize(token)
    if t in BLANK_TOKENS:
        return None
    if unit not in UNIT_FACTORS:
        raise ParseError(f"unknown unit {unit!r}", file, line)
    if _numeric(token) is None or not _AMOUNT_RE.match(t):
        raise ParseError(f"not a number: {token!r}", file, line)
    try:
        value = Decimal(t.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - regex guards this
        raise ParseError(f"not a number: {token!r}", file, line) from exc
    return _exact(Decimal.__mul__, value, UNIT_FACTORS[unit])


def parse_rate(token: str, file: str | None = None, line: int | None = None,
               bare_is_percent: bool = False) -> Decimal | None:
    """``"350.55%"`` → ``Decimal("3.5055")``.  Blank/dash → ``None``.

    A number without ``%`` is only accepted with ``bare_is_percent`` (a column
    whose header states it is a percentage); otherwise ParseError.
    """
    t = normalize(token)
    if t in BLANK_TOKENS:
        return None
    if _numeric(token) is not None:
        if _RATE_RE.match(t):
            return _exact(Decimal.__truediv__, Decimal(t[:-1].replace(",", "")), Decimal(100))
        if bare_is_percent and _AMOUNT_RE.match(t) and "," not in t:
            return _exact(Decimal.__truediv__, Decimal(t), Decimal(100))
    raise ParseError(f"not a percentage: {token!r}", file, line)


def percent_places(token: str) -> int:
    """Decimal places a stated percentage was given with ("350.55%" → 2)."""
    t = normalize(token).rstrip("%")
    return len(t.split(".")[1]) if "." in t else 0


def places(token: str) -> int:
    t = normalize(token)
    return len(t.split(".")[1]) if "." in t else 0


def round_half_up(value: Decimal, ndigits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_UP)


def ratio(num: Decimal | None, den: Decimal | None, ndigits: int = 6) -> Decimal | None:
    """num / den rounded half-up to ``ndigits`` places; None when undefined."""
    if num is None or den is None or den == 0:
        return None
    return round_half_up(Decimal(num) / Decimal(den), ndigits)


def to_yuan(value: Decimal | None, unit: str) -> Decimal | None:
    if value is None:
        return None
    return _exact(Decimal.__mul__, Decimal(value), UNIT_FACTORS[unit])


def amount_str(value: Decimal | None) -> str:
    """Exact decimal string in 元 with fen precision ("4527683.32"); '' for None.

    Raises ValueError if the value is not a whole number of fen (it would have
    to be rounded: never silently).
    """
    if value is None:
        return ""
    q = value.quantize(FEN)
    if q != value:
        raise ValueError(f"amount {value} is not a whole number of fen")
    return format(q, "f")


def decimal_str(value: Decimal | None) -> str:
    """Plain decimal string without exponent, trailing zeros trimmed; '' for None."""
    if value is None:
        return ""
    s = format(value, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s if s not in {"-0", ""} else "0"


def _display(value: Decimal, places: int) -> str:
    q = round_half_up(value, places)
    if q == 0:
        q = abs(q)  # no "-0.00"
    return f"{q:,.{places}f}"


def fmt_yuan(value, places: int = 2) -> str:
    """Display form with thousands separators (for notebooks and reports)."""
    if value is None:
        return "—"
    return _display(Decimal(value), places)


def fmt_wan(value, places: int = 2) -> str:
    if value is None:
        return "—"
    return _display(Decimal(value) / 10000, places)


def fmt_pct(rate, places: int = 2) -> str:
    if rate is None:
        return "—"
    return _display(Decimal(rate) * 100, places) + "%"
