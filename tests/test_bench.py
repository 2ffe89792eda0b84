"""The cheap pieces of ``make bench`` (the benchmark itself is never run here)."""
import json
import os
import sys
import types

import pytest

from juesuan import config
from juesuan.clean.pipeline import discover, parse_report

sys.path.insert(0, str(config.ROOT / "benchmarks"))   # the harness lives outside the package
import bench  # noqa: E402

SRC = config.raw_dir(2022, "nxgxt")


def test_median():
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4, 1, 3, 2]) == 2.5
    assert bench.median([0.25]) == 0.25
    assert bench.median([]) is None


def test_timed_counts_runs(monkeypatch):
    calls = []
    clock = iter([10.0, 10.5, 20.0, 20.25, 30.0, 31.0])         # perf_counter before and after each run
    monkeypatch.setattr(bench, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))
    times, result = bench.timed(lambda: calls.append(1) or len(calls), 3)
    assert times == [0.5, 0.25, 1.0]
    assert result == 3 and calls == [1, 1, 1]


def test_prose_speed_gives_seconds_shares_and_ratios_of_both_parsers():
    """The speed checks that were unit tests (issue 26) run in `make bench`, as ratios."""
    import prose_speed

    res = prose_speed.measure(repeat=1)
    assert res["report"] == "2022/nxgxt" and res["parse_report_s"] > 0
    for name, target in (("parse_explanation", 0.05), ("parse_projects", 0.1)):
        r = res[name]
        assert r["target_s"] == target
        assert r["share_of_parse_report"] == round(r["seconds"] / res["parse_report_s"], 3)
        assert r["ratio_to_target"] == round(r["seconds"] / target, 2)


def test_copy_names():
    assert bench.copy_names(1) == ["nxgxt"]
    assert bench.copy_names(4) == ["nxgxt", "copy01", "copy02", "copy03"]
    assert len(set(bench.copy_names(16))) == 16


@pytest.fixture(scope="module")
def original():
    return parse_report(SRC)


def test_copy_parses_like_the_original(tmp_path, original):
    names = bench.make_raw_root(SRC, tmp_path, 2)
    assert names == ["nxgxt", "copy01"]
    found = discover(root=tmp_path)
    assert [(y, d) for y, d, _ in found] == [(2022, "copy01"), (2022, "nxgxt")]
    folder = tmp_path / "2022" / "copy01"
    meta = json.loads((folder / config.METADATA_FILE).read_text(encoding="utf-8"))
    orig_meta = json.loads((SRC / config.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["department"] == "copy01"
    assert {k: v for k, v in meta.items() if k not in ("department", "source_sha256")} == \
        {k: v for k, v in orig_meta.items() if k not in ("department", "source_sha256")}
    from juesuan import identity
    assert identity.problems(tmp_path) == {}          # distinct sources: not one report counted twice
    assert (folder / meta["source_file"]).read_bytes() == (SRC / meta["source_file"]).read_bytes() + b"\n"
    copy = parse_report(folder)
    assert copy.department == "copy01"
    from juesuan.clean.frames import build_frames
    assert len(build_frames(copy)["line_items"]) == len(build_frames(original)["line_items"])
    # the original is untouched
    assert json.loads((SRC / config.METADATA_FILE).read_text(encoding="utf-8"))["department"] == "nxgxt"


def test_roots_env_is_restored(tmp_path, monkeypatch):
    for k in bench.ENV_ROOTS:
        monkeypatch.delenv(k, raising=False)
    before = config.RAW, config.CLEAN, config.REPORTS
    with bench.roots_env(tmp_path / "raw", tmp_path / "clean", tmp_path / "reports"):
        assert os.environ["JUESUAN_CLEAN_ROOT"] == str(tmp_path / "clean")
        assert os.environ["JUESUAN_RAW_ROOT"] == str(tmp_path / "raw")
        assert config.clean_dir(2022, "x") == tmp_path / "clean" / "2022" / "x"
    assert not any(k in os.environ for k in bench.ENV_ROOTS)
    assert (config.RAW, config.CLEAN, config.REPORTS) == before
    with bench.clean_root(tmp_path):
        assert config.CLEAN == tmp_path
    assert config.CLEAN == before[1]


def test_is_pdf(tmp_path):
    assert not bench.is_pdf(SRC)
    (tmp_path / "metadata.json").write_text(json.dumps({"source_file": "报告.PDF"}), encoding="utf-8")
    assert bench.is_pdf(tmp_path)
    assert not bench.is_pdf(tmp_path / "missing")


def test_config_reads_the_env_roots(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, JUESUAN_CLEAN_ROOT=str(tmp_path / "c"), JUESUAN_RAW_ROOT=str(tmp_path / "r"))
    out = subprocess.run([sys.executable, "-c", "from juesuan import config; "
                          "print(config.clean_dir(2022, 'x')); print(config.raw_dir(2022, 'x'))"],
                         env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(tmp_path / "c" / "2022" / "x"), str(tmp_path / "r" / "2022" / "x")]


def fake_rows():
    return [
        bench.Row("1", "parse + validate 2022/nxgxt", [0.05, 0.04, 0.06], result="9 tables",
                  target="≤ 0.3 s", met=True),
        bench.Row("2", "suite 2022/nxgxt, jobs=1 (warm)", [19.0, 20.0, 21.0], target="≤ 10 s", met=False),
        bench.Row("4", "batch 16 reports, jobs=2", [200.0], result="4.8 reports/min; 2 jobs / 1 job 1.55×",
                  target="≥ 1.6×", met=False),
        bench.Row("3", "combine_html", error="RuntimeError: boom | pipe"),
    ]


def test_text_table():
    text = bench.text_table(fake_rows())
    lines = text.splitlines()
    assert lines[0].startswith("§") and set(lines[1]) <= {"-", " "}
    assert "50 ms" in text and "40 ms – 60 ms" in text and "met" in text
    assert "20.00 s" in text and "MISSED" in text and "FAILED" in text
    assert len(lines) == 2 + 4


def test_write_markdown(tmp_path):
    machine = {"date": "2026-01-01T00:00:00+00:00", "nproc": "2", "cpu": "Fake CPU", "memory": "23.4 GiB",
               "python": "3.11.7", "platform": "Linux", "packages": "papermill 2.7.0", "load": "0.1 / 0.2 / 0.3"}
    path = bench.write_markdown(tmp_path / "BENCHMARKS.md", machine, fake_rows(),
                                ["kernels start slowly"], ["a note"], repeat=5, elapsed_s=600)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "make bench" in text and "median" in text
    for needle in ("Fake CPU", "23.4 GiB", "3.11.7", "2026-01-01", "| nproc | 2 |", "0.1 / 0.2 / 0.3"):
        assert needle in text
    assert "| 1 | parse + validate 2022/nxgxt | 3 | 50 ms | 40 ms – 60 ms | 9 tables | ≤ 0.3 s met |" in text
    assert "boom \\| pipe" in text                    # a "|" cannot break the table
    assert "Targets missed: suite 2022/nxgxt, jobs=1 (warm), batch 16 reports, jobs=2." in text
    assert "- kernels start slowly" in text and "- a note" in text
    assert "10.0 min" in text
    # overwritten, not appended
    bench.write_markdown(path, machine, fake_rows()[:1], [], [], repeat=1)
    again = path.read_text(encoding="utf-8")
    assert again.count("# Benchmarks") == 1 and "Targets missed: none." in again


def test_cell_breakdown(tmp_path):
    nb = {"metadata": {"papermill": {"duration": 3.0}}, "cells": [
        {"cell_type": "code", "source": "import helpers as h\nh.setup()", "metadata": {"papermill": {"duration": 0.7}}},
        {"cell_type": "code", "source": ["x = 1"], "metadata": {"papermill": {"duration": 0.2}}},
        {"cell_type": "markdown", "source": "# t", "metadata": {}},
    ], "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "01-x.ipynb"
    p.write_text(json.dumps(nb), encoding="utf-8")
    b = bench.cell_breakdown(p)
    assert b == {"setup": 0.7, "cells": 0.2, "papermill": 3.0}


def test_step_seconds_median():
    runs = [{"reports": [{"steps": [{"step": "01.ipynb", "ok": True, "seconds": s},
                                    {"step": "report.html", "ok": False, "seconds": 9.0}]}]}
            for s in (1.0, 3.0, 2.0)]
    assert bench.step_seconds(runs) == {"01.ipynb": 2.0}


def test_disturbance_warning():
    quiet = [{"other_cores": 0.05}, {"other_cores": 0.1}, {"other_cores": None}]
    busy = [{"other_cores": 0.8}, {"other_cores": 0.6}, {}]
    assert bench.disturbance(quiet, "2") == ""
    assert bench.disturbance([], "2") == ""
    msg = bench.disturbance(busy, "2")
    assert "0.70 cores" in msg and "max 0.80" in msg and "of the 2" in msg


def test_floor_injects_the_parameters_after_the_parameters_cell(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    sys.path.insert(0, str(config.ROOT / "benchmarks"))
    import floor

    nb = new_notebook(cells=[new_markdown_cell("# t"),
                             new_code_cell("year = 1\ndepartment = 'x'\nbands = None", metadata={"tags": ["parameters"]}),
                             new_code_cell("print(year, department, bands)")])
    nbformat.write(nb, tmp_path / "01-a.ipynb")
    assert floor.chapter_code(tmp_path / "01-a.ipynb", 2022, "nxgxt") == [
        "year = 1\ndepartment = 'x'\nbands = None", "year = 2022\ndepartment = 'nxgxt'",
        "print(year, department, bands)"]
    import matplotlib
    matplotlib.use("Agg")
    (tmp_path / "02-b.ipynb").write_text(nbformat.writes(new_notebook(cells=[
        new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\n6 * 7")])), encoding="utf-8")
    times = floor.run_report(2022, "nxgxt", notebooks=tmp_path)
    assert set(times) == {"01-a.ipynb", "02-b.ipynb"}


def test_phases_of_a_run():
    summary = {"started": 100.0, "wall_s": 6.0, "reports": [{"steps": [
        {"step": "data", "started": 100.1, "seconds": 1.0},
        {"step": "01.ipynb", "started": 101.5, "seconds": 2.0},
        {"step": "02.ipynb", "started": 101.6, "seconds": 3.0},
        {"step": "report.html", "started": 104.6, "seconds": 0.4}]}]}
    p = bench.phases_of(summary)
    assert p["before"] == pytest.approx(1.5) and p["chapters"] == pytest.approx(3.1)
    assert p["chapter_sum"] == pytest.approx(5.0) and p["idle"] == pytest.approx(1.2)
    assert p["after"] == pytest.approx(1.4)
    assert bench.phases_of({"reports": []}) == {}
