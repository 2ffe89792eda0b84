"""Issue 13, past one machine: the batch on a Dask cluster (:class:`juesuan.run.executor.DaskExecutor`).

A real scheduler and two single-threaded worker PROCESSES (``LocalCluster(processes=True)``, the
workers spawned by nannies, so nothing is shared with this process but the files): first the
executor with trivial steps (results, errors, completion order, a dying worker, threads, close),
then a batch of generated reports (two synthetic PDFs and one corrupt one) through the cluster and
through the local process pool, compared: the same step statuses and reasons, byte-identical clean
data, report.html for the good reports with the same text.
"""
from __future__ import annotations

import contextlib
import html.parser
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster
from synth import generate as g

from juesuan.run import batch
from juesuan import clean, config
from juesuan.run.executor import (Completion, DaskExecutor, LocalExecutor, SchedulerLost, ThreadedWorkerWarning,
                                  WorkerDied, executor_for)

ENV_ROOTS = ("JUESUAN_RAW_ROOT", "JUESUAN_CLEAN_ROOT", "JUESUAN_REPORTS_ROOT")
YEAR = 2024
GOOD = {"synth": 11, "synthb": 12}          # department → model seed (different amounts)
BROKEN = "broken"
CHAPTERS = ["02-overview.ipynb", "04-basic-sangong.ipynb"]    # the two quickest chapters


# ------------------------------------------------------------------ steps run on the workers
def square(task):
    time.sleep(task.get("sleep", 0))
    return {"n": task["n"], "square": task["n"] ** 2, "pid": os.getpid()}


def gated(task):
    """Waits until the file ``gate`` exists (at most ``wait`` s), then squares: a step that ends only
    after the test says so, whatever the machine's load."""
    end = time.monotonic() + task.get("wait", 120)
    while not Path(task["gate"]).exists() and time.monotonic() < end:
        time.sleep(0.02)
    return {"n": task["n"], "square": task["n"] ** 2, "pid": os.getpid(), "gated": Path(task["gate"]).exists()}


def fail(task):
    raise ValueError(f"第 {task['n']} 步出错")


def die(task):
    os._exit(3)


def interval(task):
    t0 = time.monotonic()
    time.sleep(task["sleep"])
    return (t0, time.monotonic())


def marked(task):
    """Writes '<its pid> <its parent's pid: the worker process>' to the marker, then sleeps
    (``first_sleep`` on the first attempt when given: long enough to be killed in, on any machine)."""
    first = not Path(task["marker"]).exists()
    with open(task["marker"], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {os.getppid()}\n")
    time.sleep(task.get("first_sleep", task["sleep"]) if first else task["sleep"])
    return {"pid": os.getpid(), "worker_pid": os.getppid()}


def ticker(task):
    """A side effect to watch: a line with the time every 50 ms for ``seconds``; with ``child``, a
    process of its own first (as a chapter step starts its kernel), its pid written there."""
    if task.get("child"):
        sub = subprocess.Popen(["sleep", "60"])
        Path(task["child"]).write_text(str(sub.pid), encoding="utf-8")
    end = time.monotonic() + task["seconds"]
    while time.monotonic() < end:
        with open(task["ticks"], "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.3f}\n")
        time.sleep(0.05)
    return "ran to its end"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """Temporary raw/clean/reports roots: two synthetic reports and a corrupt one."""
    root = tmp_path_factory.mktemp("cluster")
    raw = root / "raw"
    lay = g.layouts()[0]
    printed = {}                               # department → the amounts its PDF prints (the generator's own)
    for dept, seed in GOOD.items():
        printed[dept] = g.render(lay, g.model(seed), raw / str(YEAR) / dept, dept=dept)["cells"]
    bad = raw / str(YEAR) / BROKEN
    bad.mkdir(parents=True)
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF truncated")
    (bad / "metadata.json").write_text(json.dumps(
        {"department": BROKEN, "department_name": "损坏测试局", "year": YEAR, "source_file": "broken.pdf",
         "source_format": "pdf", "unit": "万元"}, ensure_ascii=False), encoding="utf-8")
    return {"raw": raw, "clean": root / "clean", "reports": root / "reports", "root": root, "printed": printed}


@contextlib.contextmanager
def _local_cluster(roots, **nanny):
    """Scheduler + 2 worker processes (1 thread each) that see the temporary roots (their
    environment is fixed when the nannies spawn them).  No retry of a step whose worker died."""
    with pytest.MonkeyPatch.context() as mp:
        for name, key in zip(ENV_ROOTS, ("raw", "clean", "reports")):
            mp.setenv(name, str(roots[key]))
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", **nanny)
        client = Client(lc, set_as_default=False)
        try:
            client.wait_for_workers(2, timeout=300)
            yield {"cluster": lc, "client": client, "address": lc.scheduler_address}
        finally:
            client.close()
            lc.close(timeout=60)


@pytest.fixture(scope="module")
def cluster(roots):
    with _local_cluster(roots) as c:
        yield c


@pytest.fixture
def killable(roots):
    """A cluster of its own for a test that kills worker processes.  A killed worker's nanny starts
    it again, but on a busy machine Dask may give that up (a nanny whose new worker does not start
    in time closes for good): with its own cluster no other test depends on the workers coming
    back, and none waits for them."""
    with _local_cluster(roots, death_timeout=600) as c:
        yield c


@pytest.fixture
def in_roots(roots, monkeypatch):
    """This process's config (and the environment its kernels inherit) on the temporary roots."""
    for name, key in zip(ENV_ROOTS, ("raw", "clean", "reports")):
        monkeypatch.setenv(name, str(roots[key]))
    monkeypatch.setattr(config, "RAW", roots["raw"])
    monkeypatch.setattr(config, "CLEAN", roots["clean"])
    monkeypatch.setattr(config, "REPORTS", roots["reports"])
    return roots


def _all(executor, steps):
    """Submit ``steps`` (key, fn, task) and read every completion: (order of keys, {key: Completion})."""
    with executor:
        for key, fn, task in steps:
            executor.submit(key, fn, task)
        order, by_key = [], {}
        for c in executor.completions():
            assert isinstance(c, Completion)
            order.append(c.key)
            by_key[c.key] = c
    return order, by_key


# ------------------------------------------------------------------ the executor
def test_results_come_back_under_their_keys_in_the_order_they_finish(cluster, tmp_path):
    """The first step submitted ends only once a completion has come back (a gate file the test
    writes then): completions in the order submitted would wait for it (and meet the gate's
    120 s hang guard); in the order finished they do not.  No timing assumption."""
    gate = tmp_path / "gate"
    steps = [(("gated", 0), gated, {"n": 3, "gate": str(gate)})] + [(("fast", i), square, {"n": i})
                                                                     for i in range(1, 5)]
    order, by_key = [], {}
    with DaskExecutor(client=cluster["client"]) as ex:
        for key, fn, task in steps:
            ex.submit(key, fn, task)
        for c in ex.completions():
            order.append(c.key)
            by_key[c.key] = c
            gate.touch()
    assert sorted(order) == sorted(k for k, _, _ in steps)          # each key once
    for key, _, task in steps:
        assert by_key[key].ok and by_key[key].result["square"] == task["n"] ** 2
    assert order[0] != ("gated", 0) and by_key[("gated", 0)].result["gated"]   # finished order, not submitted
    # the steps ran in the worker processes, not here
    assert {c.result["pid"] for c in by_key.values()}.isdisjoint({os.getpid()})


def test_a_step_that_raises_is_an_error_completion_and_the_others_go_on(cluster):
    steps = [(0, square, {"n": 2}), (1, fail, {"n": 1}), (2, square, {"n": 5})]
    _, by_key = _all(DaskExecutor(client=cluster["client"]), steps)
    assert by_key[0].result["square"] == 4 and by_key[2].result["square"] == 25
    assert not by_key[1].ok and by_key[1].result is None
    assert isinstance(by_key[1].error, ValueError) and "第 1 步出错" in str(by_key[1].error)


def test_a_step_whose_process_dies_is_an_error_completion_and_the_others_go_on(cluster):
    """The step runs in its worker's step process: the process dies (exit code 3), the worker
    does not, the step is named and not run again (it would die again)."""
    client = cluster["client"]
    workers = set(client.nthreads())
    steps = [("dies", die, {}), ("ok", square, {"n": 7, "sleep": 0.5})]
    ex = DaskExecutor(client=client)
    _, by_key = _all(ex, steps)
    assert by_key["ok"].ok and by_key["ok"].result["square"] == 49
    err = by_key["dies"].error
    assert isinstance(err, WorkerDied), repr(err)
    assert "'dies'" in str(err) and "tcp://" in str(err) and "exit code 3" in str(err)
    assert type(err.__cause__).__name__ == "StepProcessDied"
    assert ex.retried == [] and set(client.nthreads()) == workers      # the workers live on


def _lines(path: Path, n: int, timeout: float = 180) -> list[str]:
    """The lines of ``path`` once it has at least ``n``."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= n:
            return lines
        assert time.monotonic() < deadline, f"{path.name}: {len(lines)} line(s), waited for {n}"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")          # a zombie has ended (its parent has not reaped it yet)


def test_a_worker_lost_mid_step_is_run_again_once_on_another_worker(killable, tmp_path):
    """The worker process is killed (SIGKILL) while the step runs: the scheduler (allowed-failures
    0 here) reports KilledWorker, the executor submits the step once more, it runs on another
    worker and succeeds; the first attempt's process does not outlive its worker."""
    client, marker = killable["client"], tmp_path / "attempts"
    ex = DaskExecutor(client=client)
    try:
        ex.submit("lost", marked, {"marker": str(marker), "first_sleep": 120, "sleep": 0.5})
        child, worker = map(int, _lines(marker, 1)[0].split())
        t0 = time.monotonic()
        os.kill(worker, signal.SIGKILL)
        done = list(ex.completions())
        took = time.monotonic() - t0
    finally:
        ex.close()
    assert [c.key for c in done] == ["lost"] and done[0].ok, done
    attempts = [tuple(map(int, line.split())) for line in _lines(marker, 2)]
    assert len(attempts) == 2 and attempts[1][1] != worker == attempts[0][1]
    assert done[0].result["worker_pid"] == attempts[1][1] and ex.retried == ["lost"]
    deadline = time.monotonic() + 60                  # a hang guard: it ends at once when all is well
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the first attempt's process outlived its worker"
    print(f"worker pid {worker} killed mid-step: the step ran again in worker pid {attempts[1][1]} "
          f"and succeeded {took:.1f} s later; the first attempt's process (pid {child}) ended with it")


def test_a_step_whose_worker_is_lost_twice_is_named(killable, tmp_path):
    """Each attempt's worker process is killed (SIGKILL) once the attempt has started (its marker
    line written): the executor runs the step again once, then names it with both workers.

    On a busy machine Dask itself may lose the second worker before the second attempt has
    started (its nanny restarting the first one): that is a second loss all the same, and the
    outcome asserted is the executor's, not the order of the kills."""
    client, marker = killable["client"], tmp_path / "attempts"
    ex = DaskExecutor(client=client)
    ended, killed = threading.Event(), []
    try:
        ex.submit("lost twice", marked, {"marker": str(marker), "sleep": 120})

        def kill_each_attempt():      # the resubmission happens while the completions are read
            for n in (1, 2):
                while not ended.is_set():
                    lines = marker.read_text(encoding="utf-8").splitlines() if marker.exists() else []
                    if len(lines) >= n:
                        worker = int(lines[n - 1].split()[1])
                        os.kill(worker, signal.SIGKILL)
                        killed.append(worker)
                        break
                    time.sleep(0.05)

        killer = threading.Thread(target=kill_each_attempt, daemon=True)
        killer.start()
        t0 = time.monotonic()
        done = list(ex.completions())
        took = time.monotonic() - t0
        ended.set()
        killer.join(timeout=10)
    finally:
        ended.set()
        ex.close()
    assert killed, "the first attempt never started"
    assert [c.key for c in done] == ["lost twice"] and not done[0].ok, done
    err = done[0].error
    assert isinstance(err, WorkerDied) and type(err.__cause__).__name__ == "KilledWorker", repr(err)
    assert "'lost twice'" in str(err) and "2 attempt(s)" in str(err), str(err)
    addresses = re.findall(r"tcp://[0-9.]+:[0-9]+", str(err))
    assert len(addresses) >= 2, str(err)
    assert ex.retried == ["lost twice"]
    print(f"worker lost twice ({len(killed)} killed by the test), named {took:.1f} s after the first start: {err}")


def test_a_step_cancelled_at_close_stops_on_its_worker(cluster, tmp_path):
    """close() cancels a running step: its process on the worker is stopped and its side effect
    (a line every 50 ms) stops.  Without ``isolate`` (the control) the step runs on to its end.

    The steps tick for 30 s (isolated) and 6 s (control), so that "stopped" and "ran on" lie far
    apart: the bounds hold on a loaded machine (the stop takes at most STOP_GRACE_S = 3 s and the
    bound allows 10 s; the control's span is a fact of its loop, not of the machine)."""
    from juesuan.run.executor import STOP_GRACE_S

    runs = {True: 30.0, False: 6.0}
    after, span = {}, {}
    for isolate, seconds in runs.items():
        ticks = tmp_path / f"ticks-{isolate}"
        ex = DaskExecutor(client=cluster["client"], isolate=isolate)
        child = tmp_path / f"child-{isolate}"
        ex.submit("tick", ticker, {"ticks": str(ticks), "seconds": seconds, "child": str(child) if isolate else ""})
        _lines(ticks, 3)
        closed = time.time()
        ex.close()
        deadline = time.monotonic() + 60          # hang guards: each wait ends on its event
        if isolate:                               # the step's own child process has ended …
            pid = int(_lines(child, 1)[0])
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        else:                                     # … or the control has ticked to its end
            while (float(_lines(ticks, 1)[-1]) - float(_lines(ticks, 1)[0]) < seconds - 0.5
                   and time.monotonic() < deadline):
                time.sleep(0.2)
        _quiet(ticks, still=1.0, timeout=60)
        lines = [float(x) for x in _lines(ticks, 1)]
        after[isolate], span[isolate] = lines[-1] - closed, lines[-1] - lines[0]
    assert after[True] < STOP_GRACE_S + 7 and span[True] < runs[True] - 10, (after, span)   # stopped
    assert not _alive(int(child_pid := (tmp_path / "child-True").read_text())), "the step's own child lives on"
    assert after[False] > 0 and span[False] >= runs[False] - 0.5, (after, span)   # a task thread ran on to its end
    print(f"cancelled at close: last side effect {after[True]:+.2f} s after close() with isolate (its child "
          f"process {child_pid} ended too), {after[False]:+.2f} s after without (ran its {span[False]:.1f} s)")


def _quiet(path: Path, still: float = 0.5, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    size = -1
    while path.stat().st_size != size and time.monotonic() < deadline:
        size = path.stat().st_size
        time.sleep(still)


def test_close_releases_its_own_client_not_one_passed_in(cluster):
    shared = cluster["client"]
    with DaskExecutor(client=shared) as ex:
        ex.submit("a", square, {"n": 1})
        assert [c.result["square"] for c in ex.completions()] == [1]
    assert shared.status == "running"
    own = DaskExecutor(cluster["address"])
    assert own.client is not shared
    own.submit("x", square, {"n": 2, "sleep": 1})     # never read: close cancels it
    own.close()
    own.close()                                        # idempotent
    assert own.client.status == "closed"
    with pytest.raises(RuntimeError, match="closed"):
        own.submit("y", square, {"n": 3})
    # nothing of it is left on the scheduler
    deadline = time.monotonic() + 30
    while shared.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert shared.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0


def test_executor_for_picks_the_cluster_or_the_local_pool(cluster):
    ex = executor_for(2, cluster["address"])
    try:
        assert isinstance(ex, DaskExecutor) and ex.address == cluster["address"]
        ex.submit(0, square, {"n": 4})
        assert [c.result["square"] for c in ex.completions()] == [16]
        assert set(ex.check_workers().values()) == {1}      # both workers single-threaded
    finally:
        ex.close()
    local = executor_for(2, None)
    try:
        assert isinstance(local, LocalExecutor) and local.jobs == 2
    finally:
        local.close()


def test_a_worker_with_more_threads_is_named_once_and_runs_one_step_at_a_time():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as lc, \
            Client(lc, set_as_default=False) as client:
        worker = next(iter(client.nthreads()))
        with pytest.warns(ThreadedWorkerWarning, match=re.escape(worker)) as record:
            ex = DaskExecutor(client=client)
        assert "--nthreads 1" in str(record[0].message)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ThreadedWorkerWarning)      # not again for the same worker
            _, by_key = _all(ex, [(i, interval, {"sleep": 0.4}) for i in range(3)])
        spans = sorted(c.result for c in by_key.values())
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), spans


def test_distributed_is_imported_only_when_a_cluster_is_used():
    code = ("import sys, juesuan.run.executor, juesuan.clean, juesuan.cli, juesuan.run.batch; "
            "print('distributed' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=config.ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_an_unreachable_scheduler_is_a_clear_error():
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s")
    res = subprocess.run([sys.executable, "-m", "juesuan", "data", "--scheduler", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, env=env, cwd=config.ROOT, timeout=120)
    assert res.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in res.stderr


# ------------------------------------------------------------------ the scheduler lost
@pytest.fixture
def separate(tmp_path):
    """A scheduler and one worker in processes of their own (``dask scheduler``, ``dask worker
    --nthreads 1``), so that the scheduler can be killed or frozen while this process drives."""
    dask_cli = str(Path(sys.executable).parent / "dask")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(config.ROOT / "src"), str(config.ROOT / "tests")]))
    file = tmp_path / "scheduler.json"
    logs = open(tmp_path / "cluster.log", "w", encoding="utf-8")   # noqa: SIM115 - closed below
    procs = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(file)], env=env, stdout=logs, stderr=logs,
                              start_new_session=True)]
    try:
        deadline = time.monotonic() + 60
        while not (file.exists() and file.stat().st_size):
            assert time.monotonic() < deadline and procs[0].poll() is None, "the scheduler did not start"
            time.sleep(0.1)
        time.sleep(0.1)
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        procs.append(subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--death-timeout", "30"], env=env, stdout=logs,
                                      stderr=logs, start_new_session=True))
        with Client(address, set_as_default=False) as c:
            c.wait_for_workers(1, timeout=300)
        yield {"address": address, "scheduler": procs[0], "tmp": tmp_path}
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)     # a frozen (SIGSTOP) process too
            except ProcessLookupError:
                pass
            p.wait(timeout=30)
        logs.close()


def test_a_scheduler_killed_mid_batch_ends_it_at_once_naming_its_address(separate):
    ex = DaskExecutor(separate["address"])
    marker = separate["tmp"] / "attempts"
    ex.submit("long", marked, {"marker": str(marker), "sleep": 120})
    ex.submit("queued", square, {"n": 2})
    _lines(marker, 1)
    t0 = time.monotonic()
    os.killpg(separate["scheduler"].pid, signal.SIGKILL)
    try:
        with pytest.raises(SchedulerLost) as info:
            for c in ex.completions():
                pytest.fail(f"a completion after the scheduler was killed: {c}")
    finally:
        ex.close()
    took = time.monotonic() - t0
    assert took <= 60, took
    assert separate["address"] in str(info.value) and info.value.address == separate["address"]
    assert set(info.value.unfinished) == {"long", "queued"}
    with pytest.raises(SchedulerLost):            # nothing more is accepted
        ex.submit("later", square, {"n": 1})
    print(f"scheduler killed: SchedulerLost after {took:.1f} s (executor closed): {info.value}")


def test_a_frozen_scheduler_ends_the_batch_within_its_bound(separate):
    """SIGSTOP: the connection stays open and nothing answers (a hung host, a cut network) —
    the case nothing bounded before; here ``scheduler_timeout`` = 3 s."""
    ex = DaskExecutor(separate["address"], scheduler_timeout=3, heartbeat=0.5)
    marker = separate["tmp"] / "attempts"
    ex.submit("long", marked, {"marker": str(marker), "sleep": 120})
    _lines(marker, 1)
    t0 = time.monotonic()
    os.kill(separate["scheduler"].pid, signal.SIGSTOP)
    try:
        with pytest.raises(SchedulerLost, match=re.escape(separate["address"]) + r".*no answer for \d+ s") as info:
            list(ex.completions())
        lost = time.monotonic() - t0
    finally:
        ex.close()
    took = time.monotonic() - t0
    silent = int(re.search(r"no answer for (\d+) s", str(info.value)).group(1))
    # never before the bound; the upper bounds guard against a hang (measured 3–4 s idle: ≥ 10× margin)
    assert silent >= 3 and 3 <= lost <= 60 and took <= 90, (silent, lost, took)
    print(f"scheduler frozen: SchedulerLost after {lost:.1f} s, executor closed after {took:.1f} s: {info.value}")


DRIVER = r"""
import os, runpy, sys, time
import juesuan.clean as clean

MARKER = sys.argv[2]

def slow(task):                      # a data step that takes long (pickled by value, with MARKER)
    with open(MARKER, "a") as fh:
        fh.write("started\n")
    time.sleep(120)

clean.data_task = slow
sys.argv = ["juesuan", "data", "--scheduler", sys.argv[1]]
runpy.run_module("juesuan", run_name="__main__", alter_sys=True)
"""


def test_the_data_command_exits_non_zero_naming_the_lost_scheduler(separate, in_roots):
    """``python -m juesuan data --scheduler …`` (its steps made slow), the scheduler killed while
    they run: the command ends, exit 1, one line naming the scheduler's address."""
    marker = separate["tmp"] / "started"
    env = dict(os.environ, PYTHONPATH=str(config.ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, separate["address"], str(marker)], env=env, cwd=config.ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _lines(marker, 1, timeout=180)
        t0 = time.monotonic()
        os.killpg(separate["scheduler"].pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=90)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (proc.returncode, out, err)
    assert took <= 60, took
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"FAILED — lost the Dask scheduler at {separate['address']}"), err
    assert err.count("lost the Dask scheduler") == 1 and "SchedulerLost" not in err     # said once, no traceback of ours
    (separate["tmp"] / "stderr.txt").write_text(err, encoding="utf-8")
    print(f"python -m juesuan data: exit {proc.returncode} {took:.1f} s after the scheduler was killed; "
          f"stderr: {last}")


# ------------------------------------------------------------------ the batch
def _files(root: Path) -> dict[str, bytes | list]:
    """Every file under ``root``: its bytes; for a workbook its sheets' cells (openpyxl stamps
    the time of writing into the XLSX itself, docProps/core.xml and the zip entries).  The panel:
    its published generation only, its id (a time and a random part) written ``<generation>``."""
    from juesuan.clean import panel
    gen = panel.generation(root)
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if not p.is_file() or (rel.startswith("panel/generations/") and not gen
                               or gen and rel.startswith("panel/generations/") and f"/{gen}/" not in rel):
            continue
        data = _cells(p) if p.suffix == ".xlsx" else p.read_bytes()
        if gen:
            rel = rel.replace(gen, "<generation>")
            data = data.replace(gen.encode(), b"<generation>") if isinstance(data, bytes) else data
        out[rel] = data
    return out


def _cells(path: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [(ws.title, [[(c.value, c.number_format, c.data_type) for c in row] for row in ws.iter_rows()])
            for ws in wb.worksheets]


def _untimed(text: str) -> str:
    return re.sub(r"\s*\d+\.\d+ s\b", " … s", text)


def test_data_step_on_the_cluster_is_the_serial_one(cluster, in_roots, capsys):
    """``run_data`` (``python -m juesuan data``): serial in this process vs each report a task on
    the cluster — the same results, the same printed lines, byte-identical clean files."""
    serial = clean.run_data()
    printed_serial = capsys.readouterr()
    kept = in_roots["root"] / "clean-serial"
    shutil.move(in_roots["clean"], kept)
    on_cluster = clean.run_data(executor=DaskExecutor(client=cluster["client"]))
    printed_cluster = capsys.readouterr()

    strip = lambda rows: [{k: v for k, v in r.items() if not k.endswith("_s")} for r in rows]  # noqa: E731
    assert strip(on_cluster) == strip(serial)
    assert [(r["department"], r["ok"]) for r in serial] == [(BROKEN, False), ("synth", True), ("synthb", True)]
    assert serial[0]["error"]                                       # the reason, named
    assert _untimed(printed_cluster.out) == _untimed(printed_serial.out)
    assert printed_cluster.err == printed_serial.err
    assert f"{YEAR}/{BROKEN}: FAILED — {serial[0]['error']}" in printed_cluster.err
    assert _files(in_roots["clean"]) == _files(kept)
    assert any(name.endswith("line_items.csv") for name in _files(kept))
    # one side pinned: the serial clean data holds the amounts the generated PDFs print
    for dept, printed in in_roots["printed"].items():
        got = _clean_amounts(kept / str(YEAR) / dept / "line_items.csv")
        wrong = {k: (v, got.get(k)) for k, v in printed.items() if got.get(k) != v}
        assert len(printed) > 100 and not wrong, (dept, list(wrong.items())[:5])
    shutil.rmtree(kept)


def _clean_amounts(path: Path) -> dict:
    """(table, side of a two-sided table, row key, column) → amount of a clean line_items.csv."""
    import csv
    from decimal import Decimal

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {(r["table"], r["side"] if r["table"] in ("公开01", "公开04") else "", r["row_key"], r["column"]):
                Decimal(r["amount_yuan"]) for r in csv.DictReader(fh) if r["amount_yuan"] != ""}


def test_data_command_with_scheduler(cluster, in_roots):
    """``python -m juesuan data --scheduler …`` (the CLI path; this process's environment
    points it at the temporary roots, the workers got the same at spawn)."""
    res = subprocess.run([sys.executable, "-m", "juesuan", "data", "--scheduler", cluster["address"]],
                         capture_output=True, text=True, cwd=config.ROOT, timeout=600, env=dict(os.environ))
    assert res.returncode == 1, res.stdout + res.stderr           # one report is corrupt
    assert f"data: 2 of 3 reports written; FAILED: {YEAR}/{BROKEN}" in res.stdout
    for dept in GOOD:
        assert (in_roots["clean"] / str(YEAR) / dept / "line_items.csv").is_file()


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def _text(path: Path) -> list[str]:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p.parts


def _batch(executor, reports_dir: Path) -> tuple[int, dict, str]:
    out = io.StringIO()
    rc = batch.run_reports(jobs=2, progress=False, notebooks=CHAPTERS, reports_dir=reports_dir, stream=out,
                           executor=executor)
    return rc, json.loads((reports_dir / batch.SUMMARY_JSON).read_text(encoding="utf-8")), out.getvalue()


def _steps(summary: dict) -> dict[str, list[tuple[str, str, str]]]:
    return {f"{r['year']}/{r['department']}": [(s["step"], s["status"], s["error"]) for s in r["steps"]]
            for r in summary["reports"]}


def test_batch_on_the_cluster_matches_the_local_pool(cluster, in_roots):
    """The same batch (data step + two chapters + report.html + index) through the local
    process pool and through the cluster's worker processes."""
    shutil.rmtree(in_roots["clean"], ignore_errors=True)
    rc_local, local, table_local = _batch(LocalExecutor(2), in_roots["root"] / "reports-local")
    clean_local = in_roots["root"] / "clean-local"
    shutil.move(in_roots["clean"], clean_local)
    rc_cluster, dist, table_cluster = _batch(DaskExecutor(client=cluster["client"]),
                                             in_roots["root"] / "reports-cluster")

    assert rc_local == rc_cluster == 1                           # the corrupt report
    assert _steps(dist) == _steps(local)
    steps = _steps(local)
    assert sorted(steps) == [f"{YEAR}/{d}" for d in sorted([BROKEN, *GOOD])]
    assert steps[f"{YEAR}/{BROKEN}"][0][:2] == ("data", "FAILED") and steps[f"{YEAR}/{BROKEN}"][0][2]
    assert {s[1] for s in steps[f"{YEAR}/{BROKEN}"][1:]} == {"skipped"}
    for dept in GOOD:
        assert [s[:2] for s in steps[f"{YEAR}/{dept}"]] == [("data", "ok"), *((c, "ok") for c in CHAPTERS),
                                                            ("report.html", "ok")]
    assert dist["failed"] == local["failed"]
    assert any(line.startswith(f"{YEAR}/{BROKEN} data: ") for line in dist["failed"])
    assert _untimed(table_cluster).splitlines()[:-1] == _untimed(table_local).splitlines()[:-1]

    # clean data byte-identical, report.html with the same text (the executed notebooks carry
    # timestamps; figures and fonts are compared through the text around them)
    assert _files(in_roots["clean"]) == _files(clean_local)
    for dept in GOOD:
        pages = [in_roots["root"] / r / str(YEAR) / dept / "report.html" for r in ("reports-local", "reports-cluster")]
        text = [_text(p) for p in pages]
        assert text[0] == text[1]
        assert "上海市合成测试局" in " ".join(text[1])
    for r in ("reports-local", "reports-cluster"):
        assert not (in_roots["root"] / r / str(YEAR) / BROKEN / "report.html").exists()
        for dept in GOOD:
            assert {p.name for p in (in_roots["root"] / r / str(YEAR) / dept).glob("*.ipynb")} == set(CHAPTERS)


class _Reversed:
    """An executor whose steps finish in the reverse order (run inline when read)."""

    def __init__(self):
        self.steps, self.closed = [], False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def submit(self, key, fn, task):
        self.steps.append((key, fn, task))

    def completions(self):
        for key, fn, task in reversed(self.steps):
            try:
                yield Completion(key, result=fn(task))
            except Exception as exc:  # noqa: BLE001
                yield Completion(key, error=exc)

    def close(self):
        self.closed = True


def test_run_data_prints_in_the_order_found_and_names_a_lost_step(in_roots, monkeypatch, capsys):
    """Steps finishing out of order are printed in the order found; a step the executor lost
    (an error completion: a worker died) is that report's failure, the others go on."""
    def fake(task):
        if task["department"] == "synth":
            raise WorkerDied("the Dask worker running step 1 died (1 attempt(s), the last on tcp://w:1)")
        return {"result": {"year": task["year"], "department": task["department"], "ok": True, "error": ""},
                "out": [f"done {task['department']}"], "err": []}

    monkeypatch.setattr(clean, "data_task", fake)
    ex = _Reversed()
    rows = clean.run_data(executor=ex, panel=False)
    printed = capsys.readouterr()
    assert ex.closed and [k for k, _, _ in ex.steps] == [0, 1, 2]
    assert [(r["department"], r["ok"]) for r in rows] == [(BROKEN, True), ("synth", False), ("synthb", True)]
    assert rows[1]["error"] == "WorkerDied: the Dask worker running step 1 died (1 attempt(s), the last on tcp://w:1)"
    assert printed.out.splitlines() == [f"done {BROKEN}", "done synthb"]
    assert f"{YEAR}/synth: FAILED — WorkerDied: the Dask worker" in printed.err
