"""The keys of the batch's steps (juesuan.run.plan): what changes a key and what does not."""
import json
from pathlib import Path


from juesuan.run import plan


def test_reason_of_a_step():
    code = "c1"
    assert plan.reason("k", {"key": "k", "code": code}, True, False, code) == plan.UNCHANGED
    assert plan.reason("k", {"key": "k", "code": code}, False, False, code) == plan.NEW      # output gone
    assert plan.reason("k", {"key": "k", "code": code}, True, True, code) == plan.FORCED
    assert plan.reason("k", {}, True, False, code) == plan.NEW
    assert plan.reason("k2", {"key": "k", "code": code}, True, False, code) == plan.CHANGED_INPUT
    assert plan.reason("k2", {"key": "k", "code": "c0"}, True, False, code) == plan.CHANGED_CODE
    assert plan.reason(None, {"key": "k", "code": code}, True, False, code) == plan.NO_KEY


def test_code_digest_covers_the_package_helpers_and_the_version(tmp_path, monkeypatch):
    src = tmp_path / "src"
    (src / "juesuan" / "data").mkdir(parents=True)
    (src / "juesuan" / "__pycache__").mkdir()
    (src / "juesuan" / "a.py").write_text("x = 1\n")
    (src / "juesuan" / "data" / "t.csv").write_text("a,b\n")
    (src / "helpers.py").write_text("import juesuan\n")
    d0 = plan.code_digest(src)
    (src / "juesuan" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert plan.code_digest(src) == d0                                  # caches are not code
    (src / "juesuan" / "data" / "t.csv").write_text("a,b,c\n")          # vocabulary is code too
    d1 = plan.code_digest(src)
    assert d1 != d0
    (src / "helpers.py").write_text("import juesuan as j\n")
    d2 = plan.code_digest(src)
    assert d2 != d1
    monkeypatch.setattr(plan, "CODE_VERSION", "other")
    assert plan.code_digest(src) != d2


def test_data_key_reads_every_raw_file(tmp_path, monkeypatch):
    folder = tmp_path / "2022" / "x"
    folder.mkdir(parents=True)
    (folder / "report.txt").write_text("一、收入 100.00\n", encoding="utf-8")
    k0, why = plan.data_key("c", folder)
    assert k0 and why == ""
    assert plan.data_key("c", folder)[0] == k0                          # deterministic
    assert plan.data_key("c", folder, no_ocr=True)[0] != k0             # --no-ocr changes the output
    assert plan.data_key("c2", folder)[0] != k0                         # another code
    (folder / "metadata.json").write_text("{}")
    k1 = plan.data_key("c", folder)[0]
    assert k1 != k0
    (folder / "report.txt").write_text("一、收入 100.01\n", encoding="utf-8")
    assert plan.data_key("c", folder)[0] not in (k0, k1)

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(plan, "_file_sha", unreadable)
    key, why = plan.data_key("c", folder)
    assert key is None and "PermissionError" in why and "Permission denied" in why


def test_clean_digest_by_content_with_a_stat_cache(tmp_path):
    folder = tmp_path / "clean"
    assert plan.clean_digest(folder) is None
    folder.mkdir()
    (folder / "line_items.csv").write_text("a\n1\n")
    (folder / ".notes").write_text("{}")
    (folder / "2022-x.xlsx").write_bytes(b"PK written at 10:00")
    m = plan.clean_manifest(folder, "datakey", "code")
    assert m["clean"] == plan.clean_digest(folder) and list(m["stat"]) == ["line_items.csv"]  # dot files out
    (folder / "2022-x.xlsx").write_bytes(b"PK written at 10:01")     # the workbook stamps its time
    assert plan.clean_digest(folder) == m["clean"]
    assert plan.clean_digest(folder, {"stat": m["stat"], "clean": "cached"}) == "cached"    # stat matches
    (folder / "line_items.csv").write_text("a\n2\n")
    assert plan.clean_digest(folder, {"stat": m["stat"], "clean": "cached"}) not in ("cached", m["clean"])


def test_chapter_and_html_keys(tmp_path):
    nb = tmp_path / "01-a.ipynb"
    nb.write_text("{}")
    k = plan.chapter_key("c", nb, {"year": 2022}, "clean1")
    assert plan.chapter_key("c", nb, {"year": 2022}, None) is None      # upstream not known yet
    assert plan.chapter_key("c", nb, {"year": 2023}, "clean1") != k
    assert plan.chapter_key("c", nb, {"year": 2022}, "clean2") != k
    nb.write_text('{"cells": []}')
    assert plan.chapter_key("c", nb, {"year": 2022}, "clean1") != k
    assert plan.chapter_key("c", tmp_path / "missing.ipynb", {}, "clean1") is None
    assert plan.html_key("c", "t", [("01-a.ipynb", "k1")]) != plan.html_key("c", "t", [("01-a.ipynb", "k2")])
    assert plan.html_key("c", "t", [("01-a.ipynb", None)]) is None
    assert plan.panel_key("c", [("b", "1"), ("a", "2")]) == plan.panel_key("c", [("a", "2"), ("b", "1")])


def test_report_keys_of_another_code_are_dropped(tmp_path):
    keys = plan.ReportKeys(tmp_path)
    keys.set("c1", "01-a.ipynb", "k1")
    keys.set("c1", "report.html", "h1")
    keys.save()
    again = plan.ReportKeys(tmp_path)
    assert again.stored("01-a.ipynb") == {"key": "k1", "code": "c1"}
    again.set("c2", "01-a.ipynb", "k2")                                  # written by other code
    assert again.steps == {"01-a.ipynb": "k2"}
    again.set("c2", "01-a.ipynb", None)                                  # a failed step has no key
    assert again.steps == {}
    assert json.loads((tmp_path / plan.REPORT_KEYS).read_text())["code"] == "c1"


def test_format_plan_names_what_runs_and_folds_the_rest():
    p = plan.Plan(code="0123456789abcdef")
    p.add(plan.Step("2022/a:data", "data", "2022/a", reason=plan.CHANGED_INPUT))
    p.add(plan.Step("2022/a:01-x.ipynb", "chapter", "2022/a", deps=["2022/a:data"], reason=plan.AFTER,
                    detail="2022/a:data runs first"))
    p.add(plan.Step("2022/b:data", "data", "2022/b", reason=plan.UNCHANGED))
    p.add(plan.Step("2022/b:01-x.ipynb", "chapter", "2022/b", reason=plan.UNCHANGED))
    text = plan.format_plan(p)
    lines = text.splitlines()
    assert lines[0] == ("plan: 4 steps, 2 would run, 2 unchanged (未变); after upstream: 1; "
                        "changed input: 1")
    assert any(line.split() == ["run", "2022/a", "data", "changed", "input"] for line in lines)
    assert "after upstream (2022/a:data runs first)" in text
    assert any(line.split() == ["unchanged", "2022/b", "data,", "01-x.ipynb"] for line in lines)
    assert lines[-1] == "code 0123456789ab"



def test_force_and_plan_options_reach_the_batch(monkeypatch):
    from juesuan import cli
    from juesuan.run import batch
    seen = {}
    monkeypatch.setattr(batch, "run_reports", lambda *a, **kw: seen.update(kw) or 0)
    assert cli.main(["reports", "--plan"]) == 0
    assert seen["plan_only"] is True and seen["force"] is False
    seen.clear()
    assert cli.main(["reports", "--force", "--no-progress"]) == 0
    assert seen["force"] is True and not seen.get("plan_only")


def test_makefile_passes_force_and_plan():
    text = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "$(if $(filter-out 0,$(FORCE)),--force)" in text and "$(if $(filter-out 0,$(PLAN)),--plan)" in text
    assert "-m juesuan reports $(SELECT) --jobs $(JOBS) $(CLUSTER) $(INCREMENTAL)" in text
