"""The generated corpus the scale benchmarks share (scale.py: final accounts; scale_pages.py:
final accounts and budgets mixed): reports drawn once by the layout generator in a process pool
and kept, a size's first ``n`` copied to a raw root of its own, and the driver's peak memory."""
from __future__ import annotations

import resource
import shutil
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable


def draw(todo: list, render_one: Callable, jobs: int, every: int, total: int | None = None) -> None:
    """``render_one(item)`` for each item of ``todo`` in a pool of ``jobs`` processes (fork), a line
    of progress every ``every`` reports (``total``: the corpus's size, when part was drawn before)."""
    if not todo:
        return
    total = total or len(todo)
    before = total - len(todo)
    t0 = time.perf_counter()
    with get_context("fork").Pool(jobs) as pool:
        for k, _ in enumerate(pool.imap_unordered(render_one, todo, chunksize=4), 1):
            if k % every == 0:
                print(f"  corpus: {before + k} of {total} reports drawn ({time.perf_counter() - t0:.0f} s)",
                      flush=True)


def copy_reports(raw_all: Path, raw: Path, folders: Iterable[tuple[int, str]]) -> Path:
    """The report folders ``(year, department)`` of ``raw_all`` copied to ``raw``, a raw root of
    its own made anew (symbolic links are refused as report folders: copies)."""
    shutil.rmtree(raw, ignore_errors=True)
    for year, dept in folders:
        shutil.copytree(raw_all / str(year) / dept, raw / str(year) / dept)
    return raw


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports ``ru_maxrss`` in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
