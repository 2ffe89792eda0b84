"""A run right after a completed run does nothing, also after reports were added (issue 25 item 5).

A report added to data/raw without a name in a metadata.json is named by what its data step reads
from the document (``metadata_inferred.json``): the batch that adds it must key its report.html
and the index with that name, not the folder's slug it knew before the data step ran, or the next
run (nothing changed) renders both again.  Tiny raw reports, a stand-in data step and panel, two
tiny chapters and a comparison chapter in real kernels; every folder temporary."""
import io
import json
import re
from pathlib import Path

import pytest

from juesuan import config
from juesuan.run import batch

from test_batch import needs_kernel
from test_incremental import chapter

NAMES = {"alpha": "甲市财政局", "beta": "乙市教育局"}


def fake_data_task(task):
    """Stands in for juesuan.clean.data_task: the raw amount into line_items.csv and the name the
    'document' states into metadata_inferred.json (as the real data step does)."""
    folder = Path(task["folder"])
    out = Path(task["clean_root"]) / str(task["year"]) / task["department"]
    out.mkdir(parents=True, exist_ok=True)
    amount, name = (folder / "source.txt").read_text(encoding="utf-8").split()
    (out / "line_items.csv").write_text(f"table,row_key,column,amount_yuan\n公开01,income_total,amount,{amount}\n",
                                        encoding="utf-8-sig")
    (out / "metadata_inferred.json").write_text(json.dumps({"used": {"department_name": name}},
                                                           ensure_ascii=False), encoding="utf-8")
    with open(Path(task["clean_root"]).parent / "data-calls.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{task['year']}/{task['department']}\n")
    return {"result": {"year": task["year"], "department": task["department"], "ok": True, "error": ""},
            "out": [], "err": []}


def add_report(raw: Path, year: int, dept: str, amount: str) -> None:
    folder = raw / str(year) / dept
    folder.mkdir(parents=True)
    (folder / "source.txt").write_text(f"{amount} {NAMES[dept]}\n", encoding="utf-8")   # no metadata.json


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    root = tmp_path_factory.mktemp("rerun-after-add")
    raw, nbs = root / "raw", root / "notebooks"
    add_report(raw, 2024, "alpha", "100.00")
    (nbs / "panel").mkdir(parents=True)
    chapter(nbs / "01-one.ipynb", "ONE")
    chapter(nbs / "02-two.ipynb", "TWO")
    chapter(nbs / "panel" / "01-compare.ipynb", "COMPARE")
    return {"root": root, "raw": raw, "clean": root / "clean", "reports": root / "reports", "notebooks": nbs}


@pytest.fixture
def env(proj, monkeypatch):
    monkeypatch.setattr(config, "RAW", proj["raw"])
    monkeypatch.setattr(config, "CLEAN", proj["clean"])
    monkeypatch.setattr("juesuan.clean.data_task", fake_data_task)

    def fake_panel(clean_root=None):
        out = Path(clean_root) / "panel"
        out.mkdir(parents=True, exist_ok=True)
        (out / "reports.csv").write_text("year,department\n", encoding="utf-8")
        with open(Path(clean_root).parent / "panel-calls.txt", "a", encoding="utf-8") as fh:
            fh.write("panel\n")
        return out

    monkeypatch.setattr("juesuan.clean.panel.build_panel", fake_panel)
    for f in ("data-calls.txt", "panel-calls.txt"):
        (proj["root"] / f).unlink(missing_ok=True)
    return proj


def run(p, **kw):
    out = io.StringIO()
    rc = batch.run_reports(jobs=2, progress=False, data=True, stream=out, notebooks_dir=p["notebooks"],
                           reports_dir=p["reports"], **kw)
    return rc, out.getvalue()


def plan_text(p) -> str:
    out = io.StringIO()
    assert batch.run_reports(progress=False, data=True, stream=out, notebooks_dir=p["notebooks"],
                             reports_dir=p["reports"], plan_only=True) == 0
    return out.getvalue()


def statuses(p) -> dict[str, str]:
    summary = json.loads((p["reports"] / "summary.json").read_text(encoding="utf-8"))
    return {f"{r['year']}/{r['department']}:{s['step']}": s["status"] for r in summary["reports"] for s in r["steps"]}


def calls(p, name: str) -> list[str]:
    f = p["root"] / name
    return f.read_text(encoding="utf-8").split() if f.exists() else []


def mtimes(p) -> dict[str, int]:
    return {str(f.relative_to(p["reports"])): f.stat().st_mtime_ns for f in p["reports"].rglob("*")
            if f.is_file() and f.suffix in (".html", ".ipynb")}


@needs_kernel
def test_first_batch_then_nothing(env):
    rc, printed = run(env)
    assert rc == 0, printed
    assert calls(env, "data-calls.txt") == ["2024/alpha"]
    rc, printed = run(env)
    assert rc == 0, printed
    assert set(statuses(env).values()) == {"unchanged"}, printed


@needs_kernel
def test_added_report_is_named_by_its_document_in_the_batch_that_adds_it(env):
    add_report(env["raw"], 2024, "beta", "200.00")
    text = plan_text(env)
    assert re.search(r"run\s+2024/beta\s+data\s+new", text), text
    rc, printed = run(env)
    assert rc == 0, printed
    st = statuses(env)
    assert {k for k, v in st.items() if v != "unchanged"} == {
        "2024/beta:data", "2024/beta:01-one.ipynb", "2024/beta:02-two.ipynb", "2024/beta:report.html",
        "0/panel:panel", "0/panel:01-compare.ipynb", "0/panel:compare.html"}, st
    # the page and the index carry the name read from the document, not the folder's slug
    page = (env["reports"] / "2024" / "beta" / "report.html").read_text(encoding="utf-8")
    assert "乙市教育局" in page
    index = (env["reports"] / "index.html").read_text(encoding="utf-8")
    assert "乙市教育局" in index
    summary = json.loads((env["reports"] / "summary.json").read_text(encoding="utf-8"))
    assert {r["department"]: r["department_name"] for r in summary["reports"]}["beta"] == "乙市教育局"


@needs_kernel
def test_the_run_after_adding_does_nothing(env):
    before = mtimes(env)
    text = plan_text(env)
    head = text.splitlines()[0]
    assert re.match(r"plan: \d+ steps, 0 would run, \d+ unchanged \(未变\)$", head), text
    assert not re.search(r"^\s+run\s", text, re.M), text
    rc, printed = run(env)
    assert rc == 0, printed
    assert set(statuses(env).values()) == {"unchanged"}, printed
    assert "index 未变" in printed
    assert calls(env, "data-calls.txt") == [] and calls(env, "panel-calls.txt") == []
    assert mtimes(env) == before                     # no page, no chapter, no index written again
