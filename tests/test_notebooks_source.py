"""Notebooks are the source: each is paired with a percent-format twin, and `make notebooks`
(tools/notebooks.py) keeps what was written in either; the suite runs on the committed reports."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = sorted([*NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"), *NOTEBOOKS.glob("panel/[0-9][0-9]-*.ipynb")])


def _cells(nb):
    return [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_chapter_has_a_twin_and_the_generator_is_gone():
    assert len(CHAPTERS) == 8, CHAPTERS
    for nb in CHAPTERS:
        assert nb.with_suffix(".py").is_file(), f"{nb.relative_to(ROOT)} has no .py twin"
    assert not (ROOT / "tools" / "build_notebooks.py").exists()
    toml = (NOTEBOOKS / "jupytext.toml").read_text()
    assert 'formats = "ipynb,py:percent"' in toml


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_notebook_and_twin_hold_the_same_cells(nb):
    ipynb = jupytext.read(nb)
    twin = jupytext.read(nb.with_suffix(".py"))
    assert twin.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    a, b = _cells(ipynb), _cells(twin)
    assert len(a) == len(b), f"{nb.name}: {len(a)} cells in the notebook, {len(b)} in its twin"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{nb.name}: cell {i} differs between the notebook and its twin"


def test_the_twin_check_fails_on_a_disagreement(tmp_path):
    """The comparison above is not vacuous: an edited twin is told apart."""
    nb = CHAPTERS[0]
    twin_text = nb.with_suffix(".py").read_text(encoding="utf-8")
    edited = twin_text.replace("## 核对一览", "## 核对一览（改）", 1)
    assert edited != twin_text
    assert _cells(jupytext.read(nb)) != _cells(jupytext.reads(edited, fmt="py:percent"))


def _copy_pair(src: Path, dst_dir: Path) -> Path:
    shutil.copy2(src, dst_dir / src.name)
    shutil.copy2(src.with_suffix(".py"), dst_dir / src.with_suffix(".py").name)
    return dst_dir / src.name


def test_cells_edited_in_the_notebook_or_the_twin_survive_make_notebooks(tmp_path):
    """tools/notebooks.py (what `make notebooks` runs) on copies: nothing written by hand is lost."""
    shutil.copy2(NOTEBOOKS / "jupytext.toml", tmp_path / "jupytext.toml")
    a = _copy_pair(NOTEBOOKS / "02-overview.ipynb", tmp_path)
    b = _copy_pair(NOTEBOOKS / "04-basic-sangong.ipynb", tmp_path)
    old = time.time() - 3600
    # (a) a researcher adds a cell and edits a heading in JupyterLab: the notebook is newer
    nb = nbformat.read(a, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('print("added in JupyterLab:", len(d.line_items))'))
    heading = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## 收入构成"))
    heading.source = "## 收入构成（研究者改写）"
    nbformat.write(nb, a)
    os.utime(a.with_suffix(".py"), (old, old))
    # (b) someone edits the twin in a text editor: the twin is newer
    twin = b.with_suffix(".py")
    twin.write_text(twin.read_text(encoding="utf-8") + '\n# %%\nprint("added in the twin")\n', encoding="utf-8")
    os.utime(b, (old, old))

    done = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), str(a), str(b)],
                          capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr

    out_a = nbformat.read(a, as_version=4)
    assert out_a.cells[-1].source.startswith('print("added in JupyterLab:"')
    printed = "".join(o.get("text", "") for o in out_a.cells[-1].outputs)
    assert printed.startswith("added in JupyterLab: "), printed         # kept and executed
    assert any(c.source == "## 收入构成（研究者改写）" for c in out_a.cells)
    assert "added in JupyterLab" in a.with_suffix(".py").read_text(encoding="utf-8")  # twin follows
    out_b = nbformat.read(b, as_version=4)
    assert "".join(o.get("text", "") for o in out_b.cells[-1].outputs) == "added in the twin\n"
    for p in (a, b):
        assert _cells(jupytext.read(p)) == _cells(jupytext.read(p.with_suffix(".py")))
        assert not [o for c in nbformat.read(p, as_version=4).cells for o in c.get("outputs", [])
                    if o.get("output_type") == "error"]


def test_chapters_default_to_the_committed_2022_report():
    for nb in CHAPTERS:
        params = next(c for c in nbformat.read(nb, as_version=4).cells if "parameters" in c.metadata.get("tags", []))
        if nb.parent.name == "panel":
            assert "years = []" in params.source and "departments = []" in params.source
        else:
            assert 'year = 2022\ndepartment = "nxgxt"' in params.source
    assert (ROOT / "data" / "raw" / "2022" / "nxgxt" / "metadata.json").is_file()


def test_the_suite_runs_on_the_committed_reports_only():
    clean = Path(os.environ["JUESUAN_CLEAN_ROOT"])
    assert clean == Path(os.environ["JUESUAN_SUITE_CLEAN"])
    reports = (clean / "panel" / "reports.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert sorted(r.split(",")[:2] for r in reports) == [["2022", "nxgxt"], ["2024", "ptczj"]]
    panel_nb = nbformat.read(NOTEBOOKS / "panel" / "01-compare-reports.ipynb", as_version=4)
    check = next(c for c in panel_nb.cells if c.source.startswith("# NBVAL_CHECK_OUTPUT"))
    lines = "".join(o.get("text", "") for o in check.outputs).strip().splitlines()
    assert [l.split()[:2] for l in lines[1:]] == [["2022", "nxgxt"], ["2024", "ptczj"]]


def test_an_added_report_leaves_make_test_green(tmp_path):
    """A user adds a report as the README says (here a copy of the seed under another slug) and
    builds their data; the suite's nbval still passes, on the committed reports only."""
    raw = tmp_path / "raw"
    for year, dept in (("2022", "nxgxt"), ("2024", "ptczj")):
        (raw / year).mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "data" / "raw" / year / dept, raw / year / dept)   # links out of the root are refused
    extra = raw / "2022" / "extra"
    shutil.copytree(ROOT / "data" / "raw" / "2022" / "nxgxt", extra)
    meta = json.loads((extra / "metadata.json").read_text(encoding="utf-8"))
    source = extra / meta["source_file"]      # not a byte copy: two folders with one source are an error
    source.write_bytes(source.read_bytes() + b"\n")
    meta.pop("source_sha256", None)
    meta.update(department="extra")
    (extra / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    user_clean, suite_clean = tmp_path / "clean", tmp_path / "suite"
    cache = Path(os.environ["JUESUAN_SUITE_CLEAN"]) / "2024" / "ptczj" / ".cache"
    if cache.is_dir():  # the PDF's extraction, keyed by its sha256: saves a minute
        for root in (user_clean, suite_clean):
            shutil.copytree(cache, root / "2024" / "ptczj" / ".cache")
    env = {k: v for k, v in os.environ.items() if k not in ("JUESUAN_CLEAN_ROOT", "JUESUAN_SUITE_CLEAN")}
    env.update(JUESUAN_RAW_ROOT=str(raw), JUESUAN_CLEAN_ROOT=str(user_clean), PYTHONDONTWRITEBYTECODE="1")
    made = subprocess.run([sys.executable, "-m", "juesuan", "data"], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr
    listed = (user_clean / "panel" / "reports.csv").read_text(encoding="utf-8-sig")
    assert "extra" in listed          # the user's panel has three reports: what broke make test before

    env["JUESUAN_SUITE_CLEAN"] = str(suite_clean)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "notebooks"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    assert "extra" not in (suite_clean / "panel" / "reports.csv").read_text(encoding="utf-8-sig")
    assert not (suite_clean / "2022" / "extra").exists()


def test_jupyterlab_from_the_venv_finds_the_project_kernel():
    jupyter = Path(sys.executable).with_name("jupyter")
    listed = subprocess.run([str(jupyter), "kernelspec", "list", "--json"], capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0, listed.stderr
    spec = json.loads(listed.stdout)["kernelspecs"]["python3"]
    assert Path(spec["resource_dir"]).resolve().is_relative_to(Path(sys.prefix).resolve())
    assert spec["spec"]["display_name"] == "Python 3 (juesuan)"
    assert Path(spec["spec"]["argv"][0]).parent.resolve() == Path(sys.executable).parent.resolve()
    lab = subprocess.run([str(jupyter), "lab", "--version"], capture_output=True, text=True, timeout=120)
    assert lab.returncode == 0 and lab.stdout.strip(), lab.stderr
    makefile = (ROOT / "Makefile").read_text()
    assert "\nlab: " in makefile and "jupyter lab --ServerApp.root_dir=notebooks" in makefile
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [c.split("#")[0].strip() for c in commands] == ["make reports", "make test", "make lab"]
