"""The project's own promises: layout, pinned environment, immutable raw data."""
import hashlib
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins_from_requirements():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def pins_from_environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for p in dep.get("pip", []):
                name, version = p.split("==")
                pins[name.lower()] = version
        elif "=" in dep and not dep.startswith("python="):
            name, version = dep.split("=")
            pins[name.lower()] = version
    return pins


def test_environment_yml_agrees_with_requirements():
    assert pins_from_environment() == pins_from_requirements()


def test_every_requirement_is_pinned_in_the_lock():
    lock = {l.split("==")[0].lower().replace("_", "-"): l.split("==")[1]
            for l in (ROOT / "requirements.lock").read_text().splitlines() if "==" in l}
    for name, version in pins_from_requirements().items():
        assert lock.get(name) == version, name


def test_raw_reports_are_byte_for_byte_and_described():
    folders = [p.parent for p in (ROOT / "data" / "raw").glob("*/*/metadata.json")]
    assert folders, "no raw reports"
    for folder in folders:
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        for key in ("department", "department_name", "year", "unit", "scope"):
            assert key in meta, (folder, key)
        assert folder.name == meta["department"] and folder.parent.name == str(meta["year"])
        if "source_files" in meta:        # a text file and a tables file: one sha256 each
            assert len(meta["source_files"]) == 2 and set(meta["source_sha256"]) == set(meta["source_files"]), folder
            for name in meta["source_files"]:
                assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == meta["source_sha256"][name]
        else:
            data = (folder / meta["source_file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == meta["source_sha256"]


def test_seed_is_the_shared_seed_when_available():
    seed = ROOT.parent / "shared" / "seed" / "000_5cdd05a1ee12ee26.txt"
    ours = ROOT / "data" / "raw" / "2022" / "nxgxt" / "000_5cdd05a1ee12ee26.txt"
    if seed.exists():
        assert seed.read_bytes() == ours.read_bytes()
    assert hashlib.sha256(ours.read_bytes()).hexdigest().startswith("98f9cae1")


def test_readme_shows_the_two_commands_and_ci_calls_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make reports" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_layout():
    for p in ("environment.yml", "notebooks", "data/raw", "src/helpers.py", "tests", "Makefile"):
        assert (ROOT / p).exists(), p
    names = [p.name for p in (ROOT / "notebooks").glob("*.ipynb")]
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", n) for n in names), names


def test_no_code_writes_into_raw():
    """Nothing under src/ opens files in data/raw for writing."""
    for py in (ROOT / "src").rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        assert not re.search(r"RAW[^\n]*(write_text|write_bytes|open\([^)]*['\"]w)", text), py
