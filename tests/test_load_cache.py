"""helpers.load reads a report's CSVs once per process while none of its files changes (the
chapters of one report in one warm kernel): what it gives back is a copy, and a file written
since is read again."""
from __future__ import annotations

import os
import time
from decimal import Decimal

import pytest

import helpers as h
from juesuan import config, safety



def test_a_second_load_is_equal_and_its_own_copy():
    a = h.load(2022, "nxgxt", exact=True)
    b = h.load(2022, "nxgxt", exact=True)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), name
    # the 职业年金 outturn the prose checks: 4,527,683.32 元 (公开05 of the PDF)
    row = b.budget_outturn[b.budget_outturn.name.astype(str).str.contains("职业年金")].iloc[0]
    assert row.actual_yuan == Decimal("4527683.32")
    a.budget_outturn.loc[:, "actual_yuan"] = Decimal("0")         # a chapter changes its frame …
    a.meta["department_name"] = "改名"
    c = h.load(2022, "nxgxt", exact=True)
    assert c.budget_outturn.actual_yuan.equals(b.budget_outturn.actual_yuan)   # … the next load does not see it
    assert c.meta["department_name"] != "改名"


def test_exact_and_native_are_kept_apart():
    exact = h.load(2022, "nxgxt", exact=True)
    native = h.load(2022, "nxgxt")
    assert isinstance(exact.line_items.amount_yuan.dropna().iloc[0], Decimal)
    assert str(native.line_items.amount_yuan.dtype) == "float64"


def test_a_file_written_since_is_read_again(tmp_path, monkeypatch):
    import shutil
    src = config.clean_dir(2022, "nxgxt")
    clean = tmp_path / "clean"
    shutil.copytree(src, clean / "2022" / "nxgxt")
    monkeypatch.setattr(config, "CLEAN", clean)
    first = h.load(2022, "nxgxt", exact=True)
    f = clean / "2022" / "nxgxt" / "budget_outturn.csv"
    text = f.read_text(encoding="utf-8-sig")
    assert "4527683.32" in text
    f.write_text(text.replace("4527683.32", "4527683.33"), encoding="utf-8-sig")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))   # a later mtime, whatever the clock
    second = h.load(2022, "nxgxt", exact=True)
    assert Decimal("4527683.33") in set(second.budget_outturn.actual_yuan)
    assert Decimal("4527683.33") not in set(first.budget_outturn.actual_yuan)


def test_report_text_is_registered_again_after_forget():
    d = h.load(2022, "nxgxt", exact=True)
    h.load(2022, "nxgxt", exact=True)
    texts = {v for v in d.findings.message.tolist() if isinstance(v, str) and safety._MARKUP.search(v)}
    safety.forget()
    h.load(2022, "nxgxt", exact=True)            # a cache hit
    assert texts and texts <= safety.registered()


def test_the_second_load_reads_no_csv(monkeypatch):
    h.load(2022, "nxgxt", exact=True)
    calls = []
    real = h.read_table
    monkeypatch.setattr(h, "read_table", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    h.load(2022, "nxgxt", exact=True)
    assert calls == []
    h._LOADED.clear()
    h.load(2022, "nxgxt", exact=True)
    assert "line_items" in calls and "budget_outturn" in calls
