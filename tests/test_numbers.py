"""Unit tests: exact number parsing."""
from decimal import Decimal

import pytest

from juesuan.errors import ParseError
from juesuan.numbers import (amount_str, decimal_str, fmt_pct, fmt_yuan, is_amount, parse_amount,
                             parse_rate, percent_places, ratio, round_half_up, to_yuan)


@pytest.mark.parametrize("token,expected", [
    ("4,527,683.32", Decimal("4527683.32")),
    ("581900.00", Decimal("581900.00")),
    ("0.00", Decimal("0.00")),
    ("１２３.４５", Decimal("123.45")),          # full-width digits
    (" 1 234.50 ", Decimal("1234.50")),          # spaces inside a number
    ("-12.5", Decimal("-12.5")),
])
def test_parse_amount(token, expected):
    assert parse_amount(token) == expected


@pytest.mark.parametrize("token", ["", "-", "—", "  "])
def test_blank_is_none(token):
    assert parse_amount(token) is None


def test_wan_yuan_exact():
    assert parse_amount("405.76", unit="万元") == Decimal("4057600")
    assert parse_amount("0.91", unit="万元") == Decimal("9100")
    assert to_yuan(Decimal("8241.63"), "万元") == Decimal("82416300")


def test_garbage_names_file_and_line():
    with pytest.raises(ParseError) as e:
        parse_amount("12a.00", file="x.txt", line=7)
    assert str(e.value).startswith("x.txt:7:")
    assert "12a.00" in str(e.value)


def test_is_amount():
    assert is_amount("1,979,261.21")
    assert not is_amount("一般公共服务支出")
    assert not is_amount("1,97,261.21")


def test_rates():
    assert parse_rate("350.55%") == Decimal("3.5055")
    assert percent_places("350.55%") == 2
    assert parse_rate("100", bare_is_percent=True) == Decimal("1")
    with pytest.raises(ParseError):
        parse_rate("100")


def test_ratio_and_rounding():
    assert ratio(Decimal("4527683.32"), Decimal("1291600")) == Decimal("3.505484")
    assert round_half_up(Decimal("350.5484"), 2) == Decimal("350.55")
    assert ratio(Decimal(1), Decimal(0)) is None


def test_strings():
    assert amount_str(Decimal("4527683.32")) == "4527683.32"
    assert amount_str(Decimal("4057600")) == "4057600.00"
    with pytest.raises(ValueError):
        amount_str(Decimal("1.005"))
    assert decimal_str(Decimal("3.50550")) == "3.5055"
    assert fmt_yuan(Decimal("4527683.32")) == "4,527,683.32"
    assert fmt_pct(Decimal("3.5055")) == "350.55%"


def test_long_amounts_are_exact():
    # found by tests/test_fuzz_numbers.py: the default decimal context (28 digits) rounded
    # "10000000000000000000000000001" to 1.000…E+28, also in × 1 (元) and × 10000 (万元)
    n = "10000000000000000000000000001"
    assert parse_amount(n) == Decimal(n)
    assert parse_amount(n, unit="万元") == Decimal(n + "0000")
    assert parse_rate(n + ".5%") == Decimal("100000000000000000000000000.015")


def test_rate_with_thousands_separators():
    # found by the fuzz tests: fmt_pct writes "1,000.00%", parse_rate rejected it
    assert parse_rate("1,234.56%") == Decimal("12.3456")
    assert parse_rate(fmt_pct(Decimal(10))) == Decimal(10)
    with pytest.raises(ParseError):
        parse_rate("1,234.56", bare_is_percent=True)


@pytest.mark.parametrize("token", ["1,234.00¹", "²", "①2.00", "٣.00", "𝟑.00"])
def test_lookalike_digits_are_not_numbers(token):
    # found by the fuzz tests: NFKC turned a footnote mark "¹" into a digit (1234.001)
    assert not is_amount(token)
    with pytest.raises(ParseError) as e:
        parse_amount(token, file="x.txt", line=3)
    assert str(e.value).startswith("x.txt:3:")
    with pytest.raises(ParseError):
        parse_rate(token + "%")
