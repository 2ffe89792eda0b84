"""Property-based tests (hypothesis) for the number parser (juesuan.numbers).

Properties
- an amount written with or without thousands separators, in full-width or
  ASCII digits, with spaces (ASCII, ideographic, no-break, tab) inserted
  anywhere and any minus sign variant parses to exactly the Decimal it spells;
- 万元 is exactly × 10000 (also beyond the 28 digits of the default context);
- a percentage parses to exactly value / 100 (``bare_is_percent`` accepts the
  number without ``%``, otherwise it is a ParseError);
- blank and dash tokens (with any surrounding whitespace) are ``None``;
- garbage (a letter anywhere, a look-alike digit such as ``²`` or ``٣``, any
  text at all) is either a Decimal / None or a :class:`ParseError` whose
  ``str`` starts with ``file:line:`` — never a float, never another exception;
- the display forms (fmt_yuan, fmt_pct) read back to the values they show.

Every property runs twice: a quick deterministic share (``make test``) and a
long randomised one marked ``slow`` (``make test-slow``).
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from decimal import Decimal

from hypothesis import strategies as st

from fuzzkit import case_report_fixture, variant_factory
from juesuan.errors import ParseError
from juesuan.numbers import (BLANK_TOKENS, UNIT_FACTORS, amount_str, fmt_pct, fmt_yuan, is_amount,
                             is_blank, is_rate, normalize, parse_amount, parse_rate, round_half_up,
                             to_yuan)

CASES: Counter = Counter()
_variants = variant_factory(CASES)
_report_cases = case_report_fixture(CASES)


# ------------------------------------------------------------------ helpers
FULL_WIDTH = str.maketrans("0123456789,.-%", "０１２３４５６７８９，．－％")
SPACES = [" ", "\u3000", "\xa0", "\t", "\u2002"]
MINUS = ["-", "\u2212", "－"]
# characters a real amount token may consist of (before normalisation)
TOKEN_CHARS = set("0123456789,.-%") | set("０１２３４５６７８９，．－％") | {"\u2212"}
# digits that are neither ASCII nor full-width but that NFKC or \d would read as digits
LOOKALIKE_DIGITS = sorted(
    c for c in map(chr, range(0x80, 0x20000))
    if c not in TOKEN_CHARS and (unicodedata.digit(c, None) is not None or any(
        d.isdigit() for d in unicodedata.normalize("NFKC", c))))


def shift(d: Decimal, n: int) -> Decimal:
    """d × 10**n, exactly (no context rounding)."""
    t = d.as_tuple()
    return Decimal((t.sign, t.digits, t.exponent + n))


@st.composite
def decimals(draw, max_digits: int = 40, max_places: int = 4):
    """Exact Decimals with up to ``max_digits`` integer digits (long ones included:
    the decimal context has 28 digits, parsing must stay exact beyond that)."""
    places = draw(st.integers(0, max_places))
    n = draw(st.sampled_from([k for k in (1, 2, 3, 4, 5, 7, 9, 12, 15, 20, 30, 40)
                              if k <= max_digits]))
    intpart = draw(st.text("0123456789", min_size=n, max_size=n)).lstrip("0") or "0"
    frac = draw(st.text("0123456789", min_size=places, max_size=places))
    neg = draw(st.booleans())
    return Decimal(("-" if neg else "") + intpart + (f".{frac}" if places else ""))


def spell(draw, d: Decimal, *, separators=None) -> str:
    """A way the reports may write ``d``: separators, full-width, spaces, minus variants."""
    s = format(d, "f")
    neg = s.startswith("-")
    ip, _, fp = s.lstrip("-").partition(".")
    if separators is None:
        separators = draw(st.booleans())
    if separators:
        ip = f"{int(ip):,}"
    text = ip + ("." + fp if fp else "")
    if neg:
        text = draw(st.sampled_from(MINUS)) + text
    mask = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(c.translate(FULL_WIDTH) if m else c for c, m in zip(text, mask))
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, len(text)))
        text = text[:pos] + draw(st.sampled_from(SPACES)) + text[pos:]
    return text


FILES = st.sampled_from(["data/raw/2022/x/report.txt", "t.txt", "报告.txt", "a b/c.txt"])
LINES = st.integers(1, 100_000)


def assert_parse_error(exc: ParseError, file: str, line: int) -> None:
    assert type(exc) is ParseError
    assert exc.file == file and exc.line == line
    assert str(exc).startswith(f"{file}:{line}: "), str(exc)


def outcome(fn, *args, **kw):
    """fn(*args) → ("value", result) or ("error", ParseError); anything else propagates."""
    try:
        return "value", fn(*args, **kw)
    except ParseError as exc:
        return "error", exc


# ------------------------------------------------------------------ amounts
def amount_roundtrip(d, data):
    """A spelled amount parses to exactly the Decimal (元), never a float."""
    tok = spell(data.draw, d)
    v = parse_amount(tok)
    assert type(v) is Decimal and v == d, (tok, v, d)
    assert is_amount(tok) and not is_blank(tok)


test_amount_roundtrip, test_amount_roundtrip_slow = _variants(
    amount_roundtrip, 150, 1500, d=decimals(), data=st.data())


def wan_is_exact(d, data):
    """万元 → × 10000 exactly, also for numbers longer than the decimal context."""
    tok = spell(data.draw, d)
    v = parse_amount(tok, "万元")
    assert type(v) is Decimal and v == shift(d, 4), (tok, v)
    assert v == to_yuan(parse_amount(tok), "万元")


test_wan_is_exact, test_wan_is_exact_slow = _variants(
    wan_is_exact, 100, 800, d=decimals(), data=st.data())


def rate_roundtrip(p, data):
    """"12.23%" → 0.1223 exactly; the bare number only with bare_is_percent."""
    num = spell(data.draw, p)
    pct = data.draw(st.sampled_from(["%", "％"]))
    gap = data.draw(st.sampled_from(["", " ", "\u3000"]))
    tok = num + gap + pct
    v = parse_rate(tok)
    assert type(v) is Decimal and v == shift(p, -2), (tok, v)
    assert is_rate(tok)
    if "," in normalize(num):
        kind, res = outcome(parse_rate, num, bare_is_percent=True)
        assert kind == "error"
    else:
        assert parse_rate(num, bare_is_percent=True) == v
    kind, res = outcome(parse_rate, num, "f.txt", 7)
    assert kind == "error"
    assert_parse_error(res, "f.txt", 7)


test_rate_roundtrip, test_rate_roundtrip_slow = _variants(
    rate_roundtrip, 100, 800, p=decimals(max_digits=30), data=st.data())


BLANK = st.builds(lambda a, t, b: a + t + b, st.text(st.sampled_from(SPACES), max_size=3),
                  st.sampled_from(sorted(BLANK_TOKENS)), st.text(st.sampled_from(SPACES), max_size=3))


def blank_is_none(tok, unit):
    """Blank / dash / 无 tokens are None (no value), whatever the unit."""
    assert parse_amount(tok, unit) is None
    assert parse_rate(tok) is None
    assert is_blank(tok) and not is_amount(tok) and not is_rate(tok)


test_blank_is_none, test_blank_is_none_slow = _variants(
    blank_is_none, 50, 300, tok=BLANK, unit=st.sampled_from(sorted(UNIT_FACTORS)))


LETTERS = st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo"))


def letter_is_a_parse_error(d, data, file, line):
    """An amount with a letter anywhere in it is a ParseError naming file:line."""
    tok = spell(data.draw, d)
    pos = data.draw(st.integers(0, len(tok)))
    bad = tok[:pos] + data.draw(LETTERS) + tok[pos:]
    for fn, args in ((parse_amount, (bad, "元", file, line)),
                     (parse_amount, (bad, "万元", file, line)),
                     (parse_rate, (bad, file, line)),
                     (parse_rate, (bad + "%", file, line))):
        kind, res = outcome(fn, *args)
        assert kind == "error", (fn.__name__, bad, res)
        assert_parse_error(res, file, line)
    assert not is_amount(bad) and not is_rate(bad + "%")


test_letter_is_a_parse_error, test_letter_is_a_parse_error_slow = _variants(
    letter_is_a_parse_error, 100, 800, d=decimals(max_digits=12), data=st.data(), file=FILES,
    line=LINES)


def lookalike_digit_is_a_parse_error(d, data, file, line):
    """A digit that is neither ASCII nor full-width (², ①, ٣, 𝟑 …) is not read as a digit:
    "1,234.00¹" (a footnote mark) must not become 1234.001."""
    tok = spell(data.draw, d, separators=False)
    where = [i for i, c in enumerate(tok) if c.isdigit() or normalize(c).isdigit()]
    i = data.draw(st.sampled_from(where))
    mode = data.draw(st.sampled_from(["replace", "append", "insert"]))
    c = data.draw(st.sampled_from(LOOKALIKE_DIGITS))
    bad = {"replace": tok[:i] + c + tok[i + 1:], "append": tok + c,
           "insert": tok[:i] + c + tok[i:]}[mode]
    kind, res = outcome(parse_amount, bad, "元", file, line)
    assert kind == "error", (bad, res)
    assert_parse_error(res, file, line)
    kind, res = outcome(parse_rate, bad + "%", file, line)
    assert kind == "error", (bad, res)
    assert not is_amount(bad) and not is_rate(bad + "%")


test_lookalike_digit_is_a_parse_error, test_lookalike_digit_is_a_parse_error_slow = _variants(
    lookalike_digit_is_a_parse_error, 60, 500, d=decimals(max_digits=9), data=st.data(),
    file=FILES, line=LINES)


ANY_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(st.sampled_from(sorted(TOKEN_CHARS) + SPACES + ["元", "无", "e", "E", "+", "万"]),
            max_size=14),
)


def any_text_is_a_value_or_a_parse_error(tok, unit, file, line):
    """Any text: Decimal / None or ParseError(file:line) — nothing else, never a float;
    is_amount agrees with parse_amount; a Decimal only from amount characters."""
    kind, res = outcome(parse_amount, tok, unit, file, line)
    if kind == "error":
        assert_parse_error(res, file, line)
        assert not is_amount(tok) or unit not in UNIT_FACTORS
    elif res is None:
        assert is_blank(tok) and not is_amount(tok)
    else:
        assert type(res) is Decimal and is_amount(tok)
        assert all(c in TOKEN_CHARS - {"%", "％"} or c.isspace() for c in tok), tok
    kind, res = outcome(parse_rate, tok, file, line)
    if kind == "error":
        assert_parse_error(res, file, line)
        assert not is_rate(tok)
    else:
        assert res is None or (type(res) is Decimal and is_rate(tok))


test_any_text_is_a_value_or_a_parse_error, test_any_text_is_a_value_or_a_parse_error_slow = \
    _variants(any_text_is_a_value_or_a_parse_error, 120, 1000, tok=ANY_TEXT,
              unit=st.sampled_from(["元", "万元", "千元"]), file=FILES, line=LINES)


def display_forms_read_back(d, r):
    """fmt_yuan / fmt_pct output reads back to the value shown."""
    a = d.quantize(Decimal("0.01"))
    assert parse_amount(fmt_yuan(a)) == a
    assert amount_str(parse_amount(fmt_yuan(a))) == amount_str(a if a else abs(a))
    shown = round_half_up(r * 100, 2)
    assert parse_rate(fmt_pct(r)) == shift(abs(shown) if shown == 0 else shown, -2)


test_display_forms_read_back, test_display_forms_read_back_slow = _variants(
    display_forms_read_back, 60, 400, d=decimals(max_digits=15, max_places=2),
    r=decimals(max_digits=6, max_places=6))
