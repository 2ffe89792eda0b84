"""``make reports`` twice: steps keyed by their inputs (issue 20).  Tiny raw reports, a stand-in
data step and panel (the batch's own logic is what is tested), two tiny chapters and a comparison
chapter in real kernels; every folder temporary.  The tests run in order on one project."""
import io
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from juesuan import config
from juesuan.run import batch, plan

from test_batch import needs_kernel

KS = {"name": "python3", "display_name": "Python 3", "language": "python"}
REPORTS = {(2022, "alpha"): "100.00", (2022, "beta"): "200.00", (2023, "alpha"): "300.00"}
LOCKED = "locked.txt"


def chapter(path: Path, text: str) -> None:
    nb = new_notebook(metadata={"kernelspec": KS})
    nb.cells = [new_code_cell('year = 1999\ndepartment = "x"\nyears = []\ndepartments = []',
                              metadata={"tags": ["parameters"]}),
                new_code_cell(f'print("{text}", year, department)')]
    nbformat.write(nb, path)


def fake_data_task(task):
    """Stands in for juesuan.clean.data_task: the raw amount into line_items.csv."""
    folder = Path(task["folder"])
    if (folder / LOCKED).exists():
        return {"result": {"year": task["year"], "department": task["department"], "ok": False,
                           "error": f"PermissionError: cannot read {LOCKED}"}, "out": [], "err": []}
    out = Path(task["clean_root"]) / str(task["year"]) / task["department"]
    out.mkdir(parents=True, exist_ok=True)
    amount = (folder / "source.txt").read_text(encoding="utf-8").strip()
    (out / "line_items.csv").write_text(f"table,row_key,column,amount_yuan\n公开01,income_total,amount,{amount}\n",
                                        encoding="utf-8-sig")
    with open(Path(task["clean_root"]).parent / "data-calls.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{task['year']}/{task['department']}\n")
    return {"result": {"year": task["year"], "department": task["department"], "ok": True, "error": ""},
            "out": [], "err": []}


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    raw, clean, reports, nbs = root / "raw", root / "clean", root / "reports", root / "notebooks"
    for (year, dept), amount in REPORTS.items():
        folder = raw / str(year) / dept
        folder.mkdir(parents=True)
        (folder / "source.txt").write_text(amount + "\n", encoding="utf-8")
        (folder / "metadata.json").write_text(json.dumps({"department": dept, "year": year,
                                                          "department_name": f"{dept}厅"}), encoding="utf-8")
    (nbs / "panel").mkdir(parents=True)
    chapter(nbs / "01-one.ipynb", "ONE")
    chapter(nbs / "02-two.ipynb", "TWO")
    chapter(nbs / "panel" / "01-compare.ipynb", "COMPARE")
    return {"root": root, "raw": raw, "clean": clean, "reports": reports, "notebooks": nbs}


@pytest.fixture
def env(proj, monkeypatch):
    monkeypatch.setattr(config, "RAW", proj["raw"])
    monkeypatch.setattr(config, "CLEAN", proj["clean"])
    monkeypatch.setattr("juesuan.clean.data_task", fake_data_task)
    panel_calls = []

    def fake_panel(clean_root=None):
        from juesuan.identity import report_folders
        folders = report_folders(Path(clean_root))
        out = Path(clean_root) / "panel"
        out.mkdir(parents=True, exist_ok=True)
        (out / "reports.csv").write_text("year,department\n" + "".join(
            f"{f.parent.name},{f.name}\n" for f in folders if f.name != "panel"), encoding="utf-8")
        panel_calls.append(sorted(f"{f.parent.name}/{f.name}" for f in folders))
        return out

    monkeypatch.setattr("juesuan.clean.panel.build_panel", fake_panel)
    proj["panel_calls"] = panel_calls
    calls = proj["root"] / "data-calls.txt"
    calls.unlink(missing_ok=True)
    return proj


def run(p, **kw):
    out = io.StringIO()
    rc = batch.run_reports(jobs=2, progress=False, data=True, stream=out, notebooks_dir=p["notebooks"],
                           reports_dir=p["reports"], **kw)
    return rc, out.getvalue()


def statuses(p) -> dict[str, str]:
    summary = json.loads((p["reports"] / "summary.json").read_text(encoding="utf-8"))
    return {f"{r['year']}/{r['department']}:{s['step']}" if r["department"] != "panel"
            else f"panel:{s['step']}": s["status"] for r in summary["reports"] for s in r["steps"]}


def data_calls(p) -> list[str]:
    f = p["root"] / "data-calls.txt"
    return f.read_text(encoding="utf-8").split() if f.exists() else []


def ran(st: dict[str, str]) -> set[str]:
    return {k for k, v in st.items() if v != "unchanged"}


@needs_kernel
def test_first_run_runs_everything_and_keeps_keys(env):
    rc, printed = run(env)
    assert rc == 0, printed
    st = statuses(env)
    assert len(st) == 3 * 4 + 3 and set(st.values()) == {"ok"}, st
    assert sorted(data_calls(env)) == ["2022/alpha", "2022/beta", "2023/alpha"]
    assert len(env["panel_calls"]) == 1
    for (year, dept) in REPORTS:
        keys = json.loads((env["reports"] / str(year) / dept / plan.REPORT_KEYS).read_text(encoding="utf-8"))
        assert set(keys["steps"]) == {"01-one.ipynb", "02-two.ipynb", "report.html"}
        m = keys["data"]
        assert m["data"] and m["clean"] and m["code"] == plan.code_digest() and list(m["stat"]) == ["line_items.csv"]
        assert not list((env["clean"] / str(year) / dept).glob(".*"))    # the clean folder holds the data alone
    assert (env["reports"] / "panel" / "compare.html").is_file()


@needs_kernel
def test_second_run_is_all_unchanged(env):
    index = env["reports"] / "index.html"
    before = index.stat().st_mtime_ns
    rc, printed = run(env)
    assert rc == 0, printed
    st = statuses(env)
    assert set(st.values()) == {"unchanged"}, st
    assert data_calls(env) == [] and env["panel_calls"] == []
    assert re.search(r"2022/alpha\s+01-one\.ipynb\s+未变", printed)
    assert "0 run, 15 unchanged (未变); index 未变" in printed
    assert index.stat().st_mtime_ns == before                       # not rewritten
    summary = json.loads((env["reports"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["steps"] == {"run": 0, "unchanged": 15} and summary["index"] == "unchanged"


@needs_kernel
def test_plan_prints_and_runs_nothing(env):
    src = env["raw"] / "2022" / "beta" / "source.txt"
    src.write_text("250.00\n", encoding="utf-8")
    summary_before = (env["reports"] / "summary.json").read_bytes()
    out = io.StringIO()
    rc = batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=env["notebooks"],
                           reports_dir=env["reports"], plan_only=True)
    text = out.getvalue()
    assert rc == 0
    assert re.search(r"run\s+2022/beta\s+data\s+changed input", text), text
    assert re.search(r"run\s+2022/beta\s+01-one\.ipynb\s+after upstream", text), text
    assert re.search(r"run\s+panel\s+build\s+changed input", text), text
    assert re.search(r"unchanged\s+2022/alpha\s+data, 01-one\.ipynb, 02-two\.ipynb, report\.html", text), text
    assert data_calls(env) == [] and env["panel_calls"] == []
    assert (env["reports"] / "summary.json").read_bytes() == summary_before    # nothing written


@needs_kernel
def test_edited_raw_reruns_that_report_the_panel_and_the_index(env):
    # (the raw figure was edited by the test before)
    rc, printed = run(env)
    assert rc == 0, printed
    st = statuses(env)
    assert ran(st) == {"2022/beta:data", "2022/beta:01-one.ipynb", "2022/beta:02-two.ipynb",
                       "2022/beta:report.html", "panel:panel", "panel:01-compare.ipynb", "panel:compare.html"}, st
    assert data_calls(env) == ["2022/beta"] and len(env["panel_calls"]) == 1
    assert "index ok" in printed
    assert "250.00" in (env["clean"] / "2022" / "beta" / "line_items.csv").read_text(encoding="utf-8-sig")


@needs_kernel
def test_edited_chapter_runs_for_every_report(env):
    chapter(env["notebooks"] / "02-two.ipynb", "TWO EDITED")
    rc, printed = run(env)
    assert rc == 0, printed
    st = statuses(env)
    expected = {f"{y}/{d}:{s}" for (y, d) in REPORTS for s in ("02-two.ipynb", "report.html")}
    assert ran(st) == expected, st
    assert data_calls(env) == [] and env["panel_calls"] == []
    nb = (env["reports"] / "2023" / "alpha" / "02-two.ipynb").read_text(encoding="utf-8")
    assert "TWO EDITED" in nb


@needs_kernel
def test_a_data_step_that_writes_the_same_data_leaves_the_rest_unchanged(env):
    meta = env["raw"] / "2022" / "alpha" / "metadata.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps(dict(data, source="a note on where it came from")), encoding="utf-8")
    out = io.StringIO()
    batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=env["notebooks"],
                      reports_dir=env["reports"], plan_only=True)
    assert re.search(r"run\s+2022/alpha\s+01-one\.ipynb\s+after upstream", out.getvalue())
    rc, printed = run(env)
    assert rc == 0, printed
    assert ran(statuses(env)) == {"2022/alpha:data"}          # the clean data came out the same
    assert data_calls(env) == ["2022/alpha"] and env["panel_calls"] == []
    assert "index 未变" in printed


@needs_kernel
def test_a_code_change_reruns_everything(env, monkeypatch):
    monkeypatch.setattr(plan, "CODE_VERSION", plan.CODE_VERSION + "-next")
    out = io.StringIO()
    batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=env["notebooks"],
                      reports_dir=env["reports"], plan_only=True)
    text = out.getvalue()
    assert "0 unchanged" in text and re.search(r"run\s+2022/alpha\s+data\s+changed code", text), text
    rc, printed = run(env)
    assert rc == 0, printed
    assert "unchanged" not in set(statuses(env).values())
    assert sorted(data_calls(env)) == ["2022/alpha", "2022/beta", "2023/alpha"]


@needs_kernel
def test_removed_report_leaves_no_stale_output(env):
    import shutil
    shutil.rmtree(env["raw"] / "2023" / "alpha")
    rc, printed = run(env)
    assert rc == 0, printed
    assert not (env["clean"] / "2023" / "alpha").exists() and not (env["reports"] / "2023" / "alpha").exists()
    assert "removed" in printed
    st = statuses(env)
    assert not any(k.startswith("2023/") for k in st)
    assert st["panel:panel"] == "ok" and env["panel_calls"] == [["2022/alpha", "2022/beta"]]
    index = (env["reports"] / "index.html").read_text(encoding="utf-8")
    assert "alpha" in index and "2023" not in index.split("</nav>")[0].split("<nav")[-1]
    assert 'id="r-2023-alpha"' not in index
    summary = json.loads((env["reports"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["removed"] and not summary["earlier_reports"]


@needs_kernel
def test_force_runs_everything(env):
    rc, printed = run(env, force=True)
    assert rc == 0, printed
    assert "unchanged" not in set(statuses(env).values())
    assert sorted(data_calls(env)) == ["2022/alpha", "2022/beta"] and len(env["panel_calls"]) == 1


@needs_kernel
def test_unreadable_raw_file_fails_named_never_skipped(env, monkeypatch):
    locked = env["raw"] / "2022" / "alpha" / LOCKED
    locked.write_text("secret", encoding="utf-8")
    real = plan._file_sha

    def sha(path):
        if Path(path).name == LOCKED:        # as an unreadable file (the tests may run as root)
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(plan, "_file_sha", sha)
    out = io.StringIO()
    batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=env["notebooks"],
                      reports_dir=env["reports"], plan_only=True)
    assert re.search(r"run\s+2022/alpha\s+data\s+key not computable \(PermissionError", out.getvalue())
    rc, printed = run(env)
    assert rc == 1
    st = statuses(env)
    assert st["2022/alpha:data"] == "FAILED" and st["2022/beta:data"] == "unchanged"
    assert re.search(r"2022/alpha\s+data\s+FAILED .*cannot read locked\.txt", printed)
    keys = json.loads((env["reports"] / "2022" / "alpha" / plan.REPORT_KEYS).read_text(encoding="utf-8"))
    assert keys["data"] == {}                                                # no key outlives its data
    locked.unlink()


class LostScheduler:
    """An executor whose Dask scheduler goes away once the first steps are queued."""

    address = "tcp://10.9.8.7:8786"

    def __init__(self):
        self.keys = []

    def submit(self, key, fn, task):
        self.keys.append(key)

    def completions(self):
        from juesuan.run.executor import SchedulerLost
        raise SchedulerLost(f"lost the Dask scheduler at {self.address}: the connection to it dropped; "
                            f"{len(self.keys)} step(s) not finished", self.address, tuple(self.keys))
        yield  # pragma: no cover

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_a_lost_scheduler_ends_the_batch_named_with_a_summary(env):
    """The batch ends at once (exit 1); every step the scheduler had is FAILED naming its address,
    and summary.json and the index are still written."""
    pool = LostScheduler()
    out = io.StringIO()
    rc = batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=env["notebooks"],
                           reports_dir=env["reports"], force=True, executor=pool)
    assert rc == 1
    present = sorted(f"{f.parent.name}/{f.name}" for f in env["raw"].glob("*/*") if f.is_dir())
    assert sorted(k[1] for k in pool.keys) == present and {k[0] for k in pool.keys} == {"data"}
    summary = json.loads((env["reports"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False
    assert all("lost the Dask scheduler at tcp://10.9.8.7:8786" in f for f in summary["failed"])
    assert len(summary["failed"]) == len(present)
    assert re.search(r"2022/alpha\s+data\s+FAILED .*tcp://10\.9\.8\.7:8786", out.getvalue())
