"""nbval really compares the key figures: a changed figure in a committed output fails."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "03-budget-vs-actual.ipynb"


def checked_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"
            and "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]


def test_every_notebook_has_checked_key_figures():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = checked_cells(nb)
        assert cells, f"{path.name} has no # NBVAL_CHECK_OUTPUT cell"
        assert all(c.get("outputs") for c in cells), f"{path.name}: a checked cell has no stored output"


def test_changing_one_key_figure_makes_nbval_fail(tmp_path):
    nb = json.loads(NB.read_text(encoding="utf-8"))
    cell = next(c for c in checked_cells(nb)
                if c["outputs"] and "3.505484" in "".join(c["outputs"][0].get("text", "")))
    text = "".join(cell["outputs"][0]["text"])
    assert "3.505484" in text  # 职业年金 completion rate 4527683.32 / 1291600
    good = tmp_path / "good.ipynb"
    bad = tmp_path / "bad.ipynb"
    shutil.copy(NB, good)
    cell["outputs"][0]["text"] = text.replace("3.505484", "3.505485")
    bad.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                          "--nbval-lax", "--nbval-current-env", "-c", "/dev/null", str(good), str(bad)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out[-3000:]
    failed = [l for l in out.splitlines() if l.startswith("FAILED")]
    assert failed and all("bad.ipynb" in l for l in failed), out[-3000:]
    assert "3.505485" in out or "3.505484" in out
