"""``make reports`` end to end on tiny notebooks, in temporary folders (never the real ones)."""
import io
import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from juesuan import render
from juesuan.run import batch, kernels
from juesuan import config

YEAR, DEPT = 2022, "testdept"
KERNEL = "python3"


def _kernel_available() -> bool:
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError:
        return False
    return KERNEL in KernelSpecManager().find_kernel_specs()


needs_kernel = pytest.mark.skipif(not _kernel_available(),
                                  reason=f"no Jupyter kernel named {KERNEL!r} (run `python -m ipykernel install`)")


def without_data_uris(html: str) -> str:
    """Base64 payloads can contain any letters ("cdn" …): check the markup only."""
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:…", html)


def assert_offline(html: str) -> None:
    low = without_data_uris(html).lower()
    for needle in ("<script", "cdn", "require.js", "mathjax"):
        assert needle not in low, needle
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", low)


def write_notebooks(folder: Path) -> None:
    folder.mkdir(parents=True)
    ks = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    good = new_notebook(metadata={"kernelspec": ks})
    good.cells = [
        new_markdown_cell("# 第一章 总体情况"),
        new_code_cell('year = 1999\ndepartment = "placeholder"', metadata={"tags": ["parameters"]}),
        new_code_cell('print(f"PARAMS {year} {department} {type(year).__name__}")'),
        new_code_cell('import sys\nprint("KERNEL_STDERR_NOISE", file=sys.stderr)'),
    ]
    nbformat.write(good, folder / "01-params.ipynb")
    bad = new_notebook(metadata={"kernelspec": ks})
    bad.cells = [
        new_code_cell('year = 1999\ndepartment = "placeholder"', metadata={"tags": ["parameters"]}),
        new_code_cell("x = 1"),
        new_code_cell('raise ValueError(f"公开01表缺失 {department}\\nsecond line")'),
    ]
    nbformat.write(bad, folder / "02-fails.ipynb")
    (folder / "notes.ipynb").write_text("{}")          # not a chapter: no NN- prefix
    (folder / "3-short.ipynb").write_text("{}")        # not a chapter: one digit


def write_clean(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "line_items.csv").write_text(
        "table,row_key,column,amount_yuan,side\n"
        "公开01,income_total,amount,95032215.28,收入\n"
        "公开01,expenditure_total,amount,93404992.41,支出\n"
        "公开02,income_total,amount,1.00,收入\n", encoding="utf-8-sig")
    (folder / "findings.csv").write_text(
        "check,severity,message\nsum,error,a\nsum,warning,b\nsum,warning,c\nx,info,d\n", encoding="utf-8-sig")
    # no budget_outturn.csv: the index shows "—"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    raw = root / "raw" / str(YEAR) / DEPT
    raw.mkdir(parents=True)
    (raw / "metadata.json").write_text(json.dumps({"department": DEPT, "department_name": "测试厅",
                                                   "year": YEAR}, ensure_ascii=False), encoding="utf-8")
    write_notebooks(root / "notebooks")
    write_clean(root / "clean" / str(YEAR) / DEPT)
    stale = root / "reports" / str(YEAR) / DEPT / "report.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<html>complete-looking report from an earlier run</html>")
    return {"root": root, "raw_root": root / "raw", "clean_root": root / "clean",
            "notebooks_dir": root / "notebooks", "reports_dir": root / "reports"}


def run(project, **kw):
    out = io.StringIO()
    args = {k: project[k] for k in ("raw_root", "clean_root", "notebooks_dir", "reports_dir")}
    t0 = time.perf_counter()
    rc = batch.run_reports([YEAR], [DEPT], jobs=2, progress=False, data=False, stream=out, **args, **kw)
    return rc, out.getvalue(), time.perf_counter() - t0


@pytest.fixture(scope="module")
def failing_run(project):
    if not _kernel_available():
        pytest.skip(f"no Jupyter kernel named {KERNEL!r}")
    return run(project)


def report_dir(project) -> Path:
    return project["reports_dir"] / str(YEAR) / DEPT


@needs_kernel
def test_good_notebook_runs_with_injected_parameters(project, failing_run):
    rc, _, _ = failing_run
    nb = nbformat.read(report_dir(project) / "01-params.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert ["injected-parameters"] in tags
    injected = nb.cells[tags.index(["injected-parameters"])].source
    assert "year = 2022" in injected and 'department = "testdept"' in injected
    stdout = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                     if o.get("name") == "stdout")
    assert "PARAMS 2022 testdept int" in stdout
    assert not list(report_dir(project).glob("*.tmp")) and not list(report_dir(project).glob(".*.tmp"))


@needs_kernel
def test_failing_notebook_is_reported_and_others_go_on(project, failing_run):
    rc, printed, seconds = failing_run
    assert rc == 1
    summary = json.loads((project["reports_dir"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False
    assert any(f.startswith("2022/testdept 02-fails.ipynb: ValueError: 公开01表缺失 testdept (In [")
               for f in summary["failed"]), summary["failed"]
    steps = {s["step"]: s for s in summary["reports"][0]["steps"]}
    assert list(steps) == ["01-params.ipynb", "02-fails.ipynb", "report.html"]   # chapters only, in order
    assert steps["01-params.ipynb"]["ok"] is True
    bad = steps["02-fails.ipynb"]
    assert bad["ok"] is False and bad["cell"] == 4      # In [4]: after papermill's injected cell
    assert "second line" not in bad["error"]            # the first meaningful line only
    assert bad["log"] and "Traceback" in (project["reports_dir"] / bad["log"]).read_text(encoding="utf-8")
    # the failed executed notebook is kept, with the error in it
    nb = nbformat.read(report_dir(project) / "02-fails.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    # the printed summary names the failure and the time
    assert re.search(r"2022/testdept\s+02-fails\.ipynb\s+FAILED\s+[\d.]+ s\s+ValueError: 公开01表缺失", printed)
    assert re.search(r"2022/testdept\s+01-params\.ipynb\s+ok", printed)
    assert "wall time" in printed
    assert seconds < 150        # a hang guard: the failure does not wait for the 300 s step timeout


@needs_kernel
def test_no_report_html_when_a_notebook_failed(project, failing_run):
    assert not (report_dir(project) / "report.html").exists()      # the stale one was removed
    summary = json.loads((project["reports_dir"] / "summary.json").read_text(encoding="utf-8"))
    html_step = summary["reports"][0]["steps"][-1]
    assert html_step["step"] == "report.html" and html_step["status"] == "skipped"


@needs_kernel
def test_index_is_offline_and_shows_status_and_headline(project, failing_run):
    html = (project["reports_dir"] / "index.html").read_text(encoding="utf-8")
    assert_offline(html)
    assert '<html lang="zh-CN">' in html and "测试厅" in html
    assert "9,503.22" in html and "9,340.50" in html                    # 万元, thousands separators
    assert '<span class="failed">1</span> / 2 / 1' in html              # error / warning / info
    assert "—" in html                                                  # budget_outturn.csv missing
    assert 'href="2022/testdept/01-params.ipynb"' not in html            # no link to raw notebook JSON
    assert "01-params" in html and "02-fails" in html
    assert "公开01表缺失 testdept" in html and "失败" in html
    assert 'href="2022/testdept/report.html"' not in html


@needs_kernel
def test_all_good_renders_one_offline_report(project, failing_run):
    rc, printed, _ = run(project, notebooks=["01-params.ipynb"])
    assert rc == 0, printed
    report = report_dir(project) / "report.html"
    html = report.read_text(encoding="utf-8")
    assert_offline(html)
    assert "<title>测试厅2022年度部门决算分析报告</title>" in html
    assert "第一章 总体情况" in html and "PARAMS 2022 testdept int" in html
    assert "KERNEL_STDERR_NOISE" not in html and 'print(f"PARAMS' not in html
    index = (project["reports_dir"] / "index.html").read_text(encoding="utf-8")
    assert 'href="2022/testdept/report.html"' in index
    assert not (report_dir(project) / "logs" / "01-params.log").exists()  # logs of successes go


def test_data_step_failure_skips_notebooks_and_removes_stale_html(tmp_path, monkeypatch):
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    (raw / str(YEAR) / DEPT).mkdir(parents=True)
    write_notebooks(tmp_path / "notebooks")
    stale = tmp_path / "reports" / str(YEAR) / DEPT / "report.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    monkeypatch.setattr(config, "RAW", raw)
    monkeypatch.setattr(config, "CLEAN", clean)
    calls_file = tmp_path / "calls.jsonl"   # the data step runs in a worker process

    def fake_data_task(task):
        with open(calls_file, "a", encoding="utf-8") as fh:
            fh.write(json.dumps([task["year"], task["department"], Path(task["clean_root"]).name]) + "\n")
        return {"result": {"year": YEAR, "department": DEPT, "ok": False,
                           "error": "ParseError: 公开01表 not found\nmore detail"}, "out": [], "err": []}

    monkeypatch.setattr("juesuan.clean.data_task", fake_data_task)
    monkeypatch.setattr("juesuan.identity.problems", lambda root=None: {})

    def no_notebooks(task):  # pragma: no cover - must not be called
        raise AssertionError("notebooks must not run when the data step failed")

    monkeypatch.setattr(kernels, "execute_notebook_task", no_notebooks)
    monkeypatch.setattr(batch, "execute_chapters_task", no_notebooks)
    out = io.StringIO()
    rc = batch.run_reports([YEAR], [DEPT], jobs=2, progress=False, data=True, stream=out,
                           notebooks_dir=tmp_path / "notebooks", reports_dir=tmp_path / "reports")
    calls = [json.loads(line) for line in calls_file.read_text(encoding="utf-8").splitlines()]
    assert rc == 1 and calls == [[YEAR, DEPT, "clean"]]        # one data step, in a worker
    assert not stale.exists()
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    steps = summary["reports"][0]["steps"]
    assert [s["status"] for s in steps] == ["FAILED", "skipped", "skipped", "skipped"]
    assert steps[0]["error"] == "ParseError: 公开01表 not found"
    assert re.search(r"2022/testdept\s+data\s+FAILED .*ParseError: 公开01表 not found", out.getvalue())
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert_offline(index)
    assert index.count("—") >= 3                                        # no clean data: no numbers


def test_data_step_refuses_other_folders(tmp_path):
    with pytest.raises(ValueError, match="data=False"):
        batch.run_reports(data=True, raw_root=tmp_path, progress=False)


def test_select_notebooks(tmp_path):
    write_notebooks(tmp_path / "nb")
    assert [p.name for p in batch.select_notebooks(tmp_path / "nb")] == ["01-params.ipynb", "02-fails.ipynb"]
    assert [p.name for p in batch.select_notebooks(tmp_path / "nb", ["02-fails.ipynb"])] == ["02-fails.ipynb"]
    with pytest.raises(FileNotFoundError):
        batch.select_notebooks(tmp_path / "nb", ["09-missing.ipynb"])


def test_describe_error():
    from papermill import PapermillExecutionError

    exc = PapermillExecutionError(cell_index=5, exec_count=7, source="1/0", ename="ZeroDivisionError",
                                  evalue="\n\x1b[31mdivision by zero\x1b[0m\nmore", traceback=[])
    assert batch.describe_error(exc) == ("ZeroDivisionError: division by zero (In [7])", 7)
    assert batch.describe_error(RuntimeError("\n  Kernel died\nstack")) == ("RuntimeError: Kernel died", None)


def test_headline_and_formatting(tmp_path):
    write_clean(tmp_path / "c")
    h = batch.headline(tmp_path / "c")
    assert h["income_total_yuan"] == "95032215.28" and h["expenditure_total_yuan"] == "93404992.41"
    assert h["findings"] == {"error": 1, "warning": 2, "info": 1}
    assert h["budget_rate"] is None and h["budget_items"] is None
    (tmp_path / "c" / "budget_outturn.csv").write_text(
        "code,initial_budget_yuan,actual_yuan\n1,100.00,90.00\n2,,30.00\n3,300.00,\n", encoding="utf-8-sig")
    h = batch.headline(tmp_path / "c")
    assert h["budget_items"] == 3 and h["budget_rate"] == "0.300000"
    assert batch.headline(tmp_path / "missing")["findings"] is None
    assert render.wan("95032215.28") == "9,503.22" and render.wan(None) == "—"
    assert render.pct("1.146500") == "114.65%" and render.pct(None) == "—"


def test_headline_of_a_budget_reads_its_summary_table(tmp_path):
    """A budget's headline comes from 预算01: 本年收入合计 where printed, else 收入总计 less 上年结转
    (支出总计 less 结转下年), from the 合计 column — never a use column such as 项目支出."""
    c = tmp_path / "b"
    c.mkdir()
    (c / "metadata_inferred.json").write_text('{"doc_kind": "budget"}', encoding="utf-8")
    rows = [("收入", "grand_total", "amount", "1200.00"), ("收入", "carryover", "amount", "200.00"),
            ("支出", "grand_total", "total", "1200.00"), ("支出", "grand_total", "project", "300.00"),
            ("支出", "carryover_next", "total", "50.00")]
    (c / "line_items.csv").write_text("table,side,row_key,column,amount_yuan\n" + "".join(
        f"预算01,{a},{b},{col},{v}\n" for a, b, col, v in rows), encoding="utf-8-sig")
    h = batch.headline(c)
    assert (h["doc_kind"], h["income_total_yuan"], h["expenditure_total_yuan"]) == ("budget", "1000.00", "1150.00")
    with open(c / "line_items.csv", "a", encoding="utf-8") as fh:
        fh.write("预算01,收入,income_total,amount,990.00\n")
    assert batch.headline(c)["income_total_yuan"] == "990.00"


def test_a_notebook_that_cannot_start_leaves_no_stale_output(tmp_path, monkeypatch):
    for var in ("MPLBACKEND", "PYTHONPATH", "PYDEVD_DISABLE_FILE_VALIDATION"):
        monkeypatch.setenv(var, "Agg" if var == "MPLBACKEND" else "")   # restored afterwards
    write_notebooks(tmp_path / "nb")
    out = tmp_path / "reports" / "2022" / DEPT / "01-params.ipynb"
    out.parent.mkdir(parents=True)
    out.write_text("{}")                                                # from an earlier run
    res = kernels.execute_notebook_task({
        "year": YEAR, "department": DEPT, "input": str(tmp_path / "nb" / "01-params.ipynb"),
        "output": str(out), "cwd": str(tmp_path / "nb"), "log": str(out.parent / "logs" / "01-params.log"),
        "kernel_name": "no-such-kernel-juesuan", "reports_dir": str(tmp_path / "reports")})
    assert res["ok"] is False and "no-such-kernel-juesuan" in res["error"]
    assert not out.exists() and res["output"] == ""
    assert res["log"] == "2022/testdept/logs/01-params.log"
    assert os.environ["MPLBACKEND"] == kernels.INLINE_BACKEND               # what the kernel would get
    assert str(kernels.SRC) in os.environ["PYTHONPATH"].split(os.pathsep)


def _square(x):
    if x < 0:
        raise ValueError(f"negative {x}")
    return x * x


@pytest.mark.parametrize("make", ["local", "inline"])
def test_executors_yield_every_completion_with_its_key(make):
    from juesuan.run.executor import Executor, InlineExecutor, LocalExecutor

    with (LocalExecutor(2) if make == "local" else InlineExecutor()) as ex:
        assert isinstance(ex, Executor)
        for k, x in enumerate([3, -1, 5]):
            ex.submit(("task", k), _square, x)
        done = {c.key: c for c in ex.completions()}
    assert set(done) == {("task", 0), ("task", 1), ("task", 2)}
    assert done[("task", 0)].ok and done[("task", 0)].result == 9 and done[("task", 2)].result == 25
    bad = done[("task", 1)]
    assert not bad.ok and bad.result is None and "negative -1" in str(bad.error)


def test_the_executor_knows_nothing_of_html():
    import ast

    tree = ast.parse(Path(batch.__file__).with_name("executor.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m.startswith((".", "juesuan", "nbconvert", "nbformat", "jinja2", "papermill")) or m == ""
                   for m in imported), imported


def test_index_page_from_the_template(tmp_path):
    from juesuan import render

    (tmp_path / "2022" / "a").mkdir(parents=True)
    (tmp_path / "2022" / "a" / "report.html").write_text("x")
    ok = [{"step": "data", "ok": True, "seconds": 0.5, "status": "ok"},
          {"step": "01-overview.ipynb", "ok": True, "seconds": 3.25, "status": "ok"},
          {"step": "report.html", "ok": True, "seconds": 1.0, "status": "ok"}]
    bad = [{"step": "01-overview.ipynb", "ok": False, "seconds": 2.0, "status": "FAILED",
            "error": 'ValueError: <b>x</b> & "q"', "log": "2022/b/logs/01-overview.log"},
           {"step": "report.html", "ok": False, "skipped": True, "seconds": 0.0, "status": "skipped",
            "error": "not rendered: 01-overview.ipynb failed"}]
    summary = {"generated": "2026-11-29T16:00:00+00:00", "wall_s": 12.345, "reports": [
        {"year": 2022, "department": "a", "department_name": "甲厅", "ok": True, "steps": ok,
         "headline": {"income_total_yuan": "95032215.28", "expenditure_total_yuan": None,
                      "findings": {"error": 1, "warning": 2, "info": 3}, "budget_items": 7,
                      "budget_rate": "1.146500"}},
        {"year": 2022, "department": "b", "department_name": "<script>乙</script>", "ok": False, "steps": bad,
         "headline": {}}],
        "earlier_reports": [{"year": 2021, "department": "c", "department_name": "丙", "ok": True,
                             "generated": "2025-01-01T00:00:00", "steps": [], "headline": {}}]}
    page = render.index_html(summary, tmp_path)
    assert page.startswith("<!DOCTYPE html>") and "<style>\nbody {" in page and '"Noto Sans CJK SC"' in page
    assert "本次运行 2 份报告，\n1 份全部成功；用时 12.3 秒" in page
    assert '<a href="2022/a/report.html">打开报告</a>' in page
    # one line a report, grouped by year (a <details> each, anchored from the top), steps folded
    assert '<nav class="years">年度：<a href="#y2022">2022（2）</a> · <a href="#y2021">2021（1）</a></nav>' in page
    assert '<details open id="y2022"><summary>2022 年度：2 份报告（决算 2，预算 0，' in page
    assert page.index('id="y2022"') < page.index('id="y2021"')                    # newest year first
    assert '<tr id="r-2022-a"><td>甲厅 <span class="earlier">a</span></td><td>决算</td>' in page
    assert "<td>3 步</td>" in page                                               # all ok: folded to a count
    assert '<td>9,503.22</td><td>—</td>' in page
    assert '114.65%（7 项）' in page
    assert '<span class="failed">1</span> / 2 / 3' in page
    assert "<script>" not in page and "&lt;script&gt;乙&lt;/script&gt;" in page     # report text is escaped
    # a report that failed lists its steps, folded in a <details>
    assert "<details><summary>0 / 2 步成功</summary>" in page
    assert "ValueError: &lt;b&gt;x&lt;/b&gt; &amp; &#34;q&#34;" in page
    assert '<a class="earlier" href="2022/b/logs/01-overview.log">日志</a>' in page
    assert "report.html <span class=\"skipped\">未运行</span><br><span class=\"reason\">not rendered" in page
    assert "上次运行（2025-01-01T00:00:00）" in page
    assert page.count("<tr id=\"r-") == 3
    budget = render.index_html(dict(summary, reports=[dict(summary["reports"][0], headline={"doc_kind": "budget"})],
                                    earlier_reports=[]), tmp_path)
    assert "<td>预算</td>" in budget and "（决算 0，预算 1）" in budget
    unchanged = [dict(s, status="unchanged") for s in ok]
    page2 = render.index_html(dict(summary, reports=[dict(summary["reports"][0], steps=unchanged)],
                                   earlier_reports=[]), tmp_path)
    assert "<td>3 步（3 步未变）</td>" in page2
    empty = render.index_html(dict(summary, reports=[], earlier_reports=[]), tmp_path)
    assert '<tr><td colspan="10">— 没有找到报告 —</td></tr>' in empty and "<details" not in empty


def _nb(folder: Path, name: str, *sources: str) -> Path:
    ks = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nb = new_notebook(metadata={"kernelspec": ks})
    nb.cells = [new_code_cell('year = 1999\ndepartment = "placeholder"', metadata={"tags": ["parameters"]}),
                *[new_code_cell(s) for s in sources]]
    nbformat.write(nb, folder / name)
    return folder / name


@needs_kernel
def test_chapters_share_one_kernel_without_sharing_state(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    probe = ('import os\nprint("PID", os.getpid())\n'
             'print("STATE", "LEAK" if "SECRET" in globals() else "CLEAN")')
    chapters = [_nb(nbs, "01-a.ipynb", probe, "SECRET = 42\nimport json"),
                _nb(nbs, "02-b.ipynb", probe, 'raise ValueError("broken chapter")'),
                _nb(nbs, "03-c.ipynb", probe, "print('THIRD', SECRET if 'SECRET' in dir() else None)")]
    reports = tmp_path / "reports"
    run_ = batch.ReportRun(YEAR, DEPT, "测试厅")
    tasks = [batch._task(run_, c, nbs, reports, KERNEL, 60) for c in chapters]
    results = batch.execute_chapters_task({"chapters": tasks,
                                           "kernel_log": str(reports / "2022" / DEPT / "logs" / "kernel.log")})
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["cell"] == 4 and "broken chapter" in results[1]["error"]   # prompts count from 1
    out = {}
    for c in chapters:
        nb = nbformat.read(reports / "2022" / DEPT / c.name, as_version=4)
        out[c.name] = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
        counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
        assert counts[:3] == [1, 2, 3], (c.name, counts)                        # as in a kernel of its own
    pids = {re.search(r"PID (\d+)", t).group(1) for t in out.values()}
    assert len(pids) == 1                                                       # one kernel for all three
    assert all("STATE CLEAN" in t for t in out.values()), out                   # no name leaks across
    assert not any("ERROR!" in t or "History" in t for t in out.values()), out  # IPython's history is fine
    assert "THIRD None" in out["03-c.ipynb"]
    assert not (reports / "2022" / DEPT / "logs" / "kernel.log").exists() or results[1]["log"]


def test_chapter_groups():
    cs = [Path(f"0{i}-x.ipynb") for i in range(1, 7)]
    assert batch.chapter_groups(cs, 1) == [cs]
    assert batch.chapter_groups(cs, 2) == [cs[0::2], cs[1::2]]
    assert batch.chapter_groups(cs, 10) == [[c] for c in cs]
    assert batch.chapter_groups(cs[:1], 3) == [cs[:1]]


def test_chapters_whose_kernel_cannot_start_fail_one_by_one(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    chapters = [_nb(nbs, "01-a.ipynb", "x = 1"), _nb(nbs, "02-b.ipynb", "y = 2")]
    reports = tmp_path / "reports"
    stale = reports / "2022" / DEPT / "01-a.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")                                               # from an earlier run
    run_ = batch.ReportRun(YEAR, DEPT, "测试厅")
    tasks = [batch._task(run_, c, nbs, reports, "no-such-kernel-juesuan", 60) for c in chapters]
    results = batch.execute_chapters_task({"chapters": tasks,
                                           "kernel_log": str(reports / "2022" / DEPT / "logs" / "kernel.log")})
    assert [r["step"] for r in results] == ["01-a.ipynb", "02-b.ipynb"]
    assert all(not r["ok"] and "no-such-kernel-juesuan" in r["error"] for r in results)
    assert not stale.exists()                                           # nothing looks executed


def test_chapter_weights_from_the_executed_notebooks(tmp_path):
    nb = new_notebook()
    nb.cells = [new_code_cell("import helpers as h\nh.setup()", metadata={"papermill": {"duration": 0.8}}),
                new_code_cell("x = 1", metadata={"papermill": {"duration": 0.5}}),
                new_code_cell("y = 2", metadata={"papermill": {"duration": 1.25}}), new_markdown_cell("text")]
    nbformat.write(nb, tmp_path / "01-a.ipynb")
    nbformat.write(new_notebook(), tmp_path / "02-b.ipynb")          # never executed: 1 s
    (tmp_path / "03-c.ipynb").write_text("not json")                 # unreadable: 1 s
    chapters = [tmp_path / "01-a.ipynb", tmp_path / "02-b.ipynb", tmp_path / "03-c.ipynb"]
    w = batch.chapter_weights(chapters)
    assert w == {"01-a.ipynb": 2.05, "02-b.ipynb": 1.0, "03-c.ipynb": 1.0}   # without the set-up cell, + 0.3
    summary = tmp_path / "summary.json"                               # a batch run before: its times
    summary.write_text(json.dumps({"reports": [
        {"steps": [{"step": "01-a.ipynb", "ok": True, "seconds": 0.9}, {"step": "02-b.ipynb", "ok": False,
                                                                         "seconds": 9.0}]},
        {"steps": [{"step": "01-a.ipynb", "ok": True, "seconds": 1.1}, {"step": "01-a.ipynb", "ok": True,
                                                                         "seconds": 3.0}]}]}))
    assert batch.chapter_weights(chapters, summary) == {"01-a.ipynb": 1.1, "02-b.ipynb": 1.0, "03-c.ipynb": 1.0}


@needs_kernel
def test_a_warm_kernel_logs_what_it_prints_and_leaves_no_empty_log(tmp_path):
    logs = tmp_path / "reports" / "logs"
    kernels.warm_worker(KERNEL, str(tmp_path), str(logs))
    try:
        (kernel,) = kernels._WORKER_KERNELS.values()
        assert kernel.start_log.parent == logs and kernel.start_log.exists()
        kernel.get()
        assert kernel._run("import os; os.write(2, b'KERNEL-OWN-OUTPUT\\\\n')", 30)   # the process's own fd 2
        kernels._stop_worker_kernels()
        assert "KERNEL-OWN-OUTPUT" in kernel.start_log.read_text()        # kept: it is not empty
        kernel.start_log.write_text("")
        kernels._WORKER_KERNELS["x"] = kernel
    finally:
        kernels._stop_worker_kernels()
    assert not logs.exists()                                              # empty: removed, folder too


def test_index_of_a_province_stays_small_and_script_free(tmp_path):
    """One line a report, steps folded: ≤ 500 bytes a report before the font (5 MB at 10,000)."""
    from juesuan import render

    steps = [{"step": s, "ok": True, "seconds": 1.0, "status": "ok"}
             for s in ("data", "01-data-quality.ipynb", "02-overview.ipynb", "03-budget-vs-actual.ipynb",
                       "04-basic-sangong.ipynb", "05-project-performance.ipynb", "06-report.ipynb", "report.html")]
    head = {"income_total_yuan": "95032215.28", "expenditure_total_yuan": "93404992.41",
            "findings": {"error": 0, "warning": 2, "info": 5}, "budget_items": 12, "budget_rate": "0.953100"}
    reps = [{"year": 2015 + i // 2 % 10, "department": f"d{i:04d}", "department_name": f"第{i // 2}局",
             "ok": True, "steps": steps, "headline": dict(head, doc_kind="budget" if i % 2 else "final")}
            for i in range(1000)]
    page = render.index_html({"generated": "x", "wall_s": 1.0, "reports": reps, "earlier_reports": []}, tmp_path)
    assert len(page.encode("utf-8")) / 1000 <= 500
    assert page.count('<tr id="r-') == 1000 and page.count("<details") == 10
    assert "<script" not in page.lower() and "01-data-quality" not in page        # steps folded
    years = re.findall(r'<details(?: open)? id="y(\d{4})">', page)
    assert years == [str(y) for y in range(2024, 2014, -1)]                        # newest first
    assert page.count("<details open") == 1                                        # only the newest year open
    # a department's 决算 and 预算 side by side, its name once
    first = page.index('<tr id="r-2015-d0000"><td>第0局 <span class="earlier">d0000</span></td><td>决算</td>')
    second = page.index('<tr id="r-2015-d0001"><td><span class="earlier">〃</span> '
                        '<span class="earlier">d0001</span></td><td>预算</td>')
    assert second > first and '<tr id="r-' not in page[first + 10:second]
