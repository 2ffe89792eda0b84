"""Scope of the whole test run (tests/ and the nbval notebooks): the suite's own reports.

Before collection, the clean data of the committed reports (tools/suite_data.py:
2022/nxgxt and 2024/ptczj) is rebuilt into its own clean root, and ``JUESUAN_CLEAN_ROOT``
points there — for this process and for the nbval kernels it starts.  Other reports a user has
added under data/raw/ are neither parsed nor listed, so `make test` does not depend on them.
``JUESUAN_SUITE_CLEAN`` chooses another folder (the tests that run the suite in a subprocess use it).

Hypothesis runs under the ``ci`` profile (registered here): derandomized (the same examples on every
run and machine), no example database, no deadline (a busy machine is not a failure), and on a failure
the falsifying example with its ``@reproduce_failure`` blob.  It is the profile of `make test` and CI;
``HYPOTHESIS_PROFILE=dev`` draws new inputs on each run (and prints the seed of a failure), and the
``slow`` variants of tests/fuzzkit.py stay random on purpose (`make test-slow` explores).
"""
import importlib.util
import os
from pathlib import Path

import pytest
from hypothesis import Verbosity, settings

ROOT = Path(__file__).resolve().parent


settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True,
                          verbosity=Verbosity.normal)
settings.register_profile("dev", derandomize=False, deadline=None, print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header(config):
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} ({settings.get_profile(HYPOTHESIS_PROFILE)})"


def _suite_module():
    spec = importlib.util.spec_from_file_location("suite_data", ROOT / "tools" / "suite_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pytest_configure(config):
    suite = _suite_module()
    clean = Path(os.environ.get("JUESUAN_SUITE_CLEAN") or suite.SUITE_CLEAN).resolve()
    os.environ["JUESUAN_SUITE_CLEAN"] = str(clean)
    os.environ["JUESUAN_CLEAN_ROOT"] = str(clean)
    done = suite.build(clean)
    if done.returncode != 0:
        raise pytest.UsageError(f"could not build the suite's clean data in {clean}:\n"
                                f"{done.stdout}{done.stderr}".strip())
