"""The data dictionary (``data/dictionary.csv``: every clean table's columns, types, units and
Chinese labels) and the check descriptions (``data/checks.csv``), read once per process.

A base module: the clean tables (:mod:`juesuan.clean.frames`), the CSV guard
(:mod:`juesuan.safety`), the panel and ``helpers`` all read the same dictionary.
"""
from __future__ import annotations

import csv
from functools import lru_cache

import pandas as pd

from .config import PACKAGE_DATA


@lru_cache(maxsize=None)
def dictionary() -> pd.DataFrame:
    with open(PACKAGE_DATA / "dictionary.csv", encoding="utf-8", newline="") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


@lru_cache(maxsize=None)
def _specs() -> dict[tuple[str, str], dict[str, str]]:
    """(table, column) → its dictionary row (the first one where a pair is listed twice)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for row in dictionary().to_dict("records"):
        out.setdefault((row["table"], row["column"]), row)
    return out


def field_spec(table: str, column: str, fallback: tuple[str, ...] = ("*",)) -> dict[str, str] | None:
    """The dictionary row of ``column`` in ``table``; else its row in the first ``fallback`` table
    that lists it (``*``: the columns every table shares); None when none does.  A lookup in a dict
    built once per process (the clean writer asks it for every column of every table)."""
    specs = _specs()
    for name in (table, *fallback):
        row = specs.get((name, column))
        if row is not None:
            return row
    return None


@lru_cache(maxsize=None)
def check_descriptions() -> dict[str, str]:
    with open(PACKAGE_DATA / "checks.csv", encoding="utf-8", newline="") as fh:
        return {r["check"]: r["description"] for r in csv.DictReader(fh)}


def columns_of(table: str) -> list[str]:
    """The columns of a clean table: year, department, then its own (dictionary order)."""
    d = dictionary()
    own = d[d.table == table].column.tolist()
    return ["year", "department"] + own
