"""Notebooks in kernels: one chapter with papermill (:func:`execute_notebook_task`), several
chapters of a report one after the other in one warm kernel (:func:`execute_chapters_task`).

A worker process keeps ONE kernel for its life (:func:`warm_worker` launches it when the pool
starts; it imports the chapters' modules while the worker does its first data step).  Each chapter
starts from an empty namespace in its own folder, with its prompt numbers from 1, as in a kernel of
its own; the kernel's one client stays connected between chapters; papermill writes each executed
notebook once.  A kernel that died or hung is replaced for the next chapter.  These functions are
the steps :mod:`juesuan.run.batch` hands to an :class:`~juesuan.run.executor.Executor`; they take
and return plain data and never raise.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2]          # the folder holding helpers.py and juesuan/
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
KERNEL_NAME = "python3"
START_TIMEOUT_S = 120       # kernel start (two cores, several kernels at once)
NOTEBOOK_TIMEOUT_S = 300    # one notebook (--timeout); a hanging notebook is stopped, the batch goes on
LOG_DIR = "logs"


# ------------------------------------------------------------------ results
@dataclass
class StepResult:
    """One step of one report: the data step, one notebook, or the HTML rendering."""

    step: str                      # "data", "NN-name.ipynb" or "report.html"
    ok: bool = False
    seconds: float = 0.0
    error: str = ""                # first meaningful line: "ename: evalue (In [n])"
    cell: int | None = None        # execution count of the failing cell ("In [n]")
    output: str = ""               # written file, relative to the reports folder
    log: str = ""                  # kept log of a failed notebook, relative to the reports folder
    skipped: bool = False
    notes: list[str] = field(default_factory=list)
    started: float = 0.0           # wall-clock start (epoch seconds; 0: did not start)

    @property
    def status(self) -> str:
        return "ok" if self.ok else ("skipped" if self.skipped else "FAILED")




def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", str(text))


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, stripped of ANSI colour codes."""
    text = _strip_ansi(text)
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def describe_error(exc: BaseException) -> tuple[str, int | None]:
    """``("ValueError: message (In [3])", 3)`` for a papermill error, else the exception's line."""
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.PapermillExecutionError
        count = getattr(exc, "exec_count", None)
        where = f" (In [{count}])" if count is not None else ""
        evalue = first_line(getattr(exc, "evalue", ""))
        return (f"{ename}: {evalue}" if evalue else ename) + where, count
    line = first_line(str(exc))
    return (f"{type(exc).__name__}: {line}" if line else type(exc).__name__), None


@contextmanager
def _output_to(log_path: Path, append: bool = False) -> Iterator[None]:
    """Send this process's file descriptors 1 and 2 (inherited by the kernel) to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "ab" if append else "wb") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


class _Collect(logging.Handler):
    """Keep papermill's warnings (e.g. "Passed unknown parameter") as notes of the result."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(first_line(record.getMessage()))


def execute_notebook_task(task: dict[str, Any], km: Any = None, kc: Any = None) -> dict[str, Any]:
    """Run one notebook for one report (in a worker process); never raises.

    ``task``: year, department, input, output, cwd, log, kernel_name, reports_dir.  The output
    is written to a temporary file and renamed into place; a notebook that raised is kept
    (it shows the error), one whose kernel could not run is not.  ``km``: a running kernel
    (a ``jupyter_client`` kernel manager) to run it in instead of starting one, and ``kc`` its
    connected client (:func:`execute_chapters_task`).
    """
    from ..atomic import atomic_path

    t0, started = time.perf_counter(), time.time()
    out, log = Path(task["output"]), Path(task["log"])
    reports_dir = Path(task["reports_dir"])
    limit = float(task.get("timeout") or NOTEBOOK_TIMEOUT_S)
    deadline: list[float] = []   # set when the first cell starts (kernel start has its own limit)

    def remaining(cell=None) -> float:  # nbclient's per-cell timeout: what is left of the notebook's
        if not deadline:
            deadline.append(time.monotonic() + limit)
        return max(deadline[0] - time.monotonic(), 0.001)
    res = StepResult(step=Path(task["input"]).name, output=_rel(out, reports_dir), started=started)
    _kernel_environment()
    collect = _Collect()
    pm_log = logging.getLogger("papermill")
    pm_log.addHandler(collect)
    pm_log.setLevel(logging.WARNING)
    pm_log.propagate = False
    try:
        with _output_to(log), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import papermill as pm

            error: BaseException | None = None
            with atomic_path(out) as tmp:
                try:
                    pm.execute_notebook(
                        task["input"], str(tmp),
                        parameters=task.get("parameters") or {"year": task["year"],
                                                              "department": task["department"]},
                        kernel_name=task["kernel_name"], language="python", cwd=task["cwd"],
                        progress_bar=False, log_output=False, start_timeout=START_TIMEOUT_S,
                        execution_timeout=limit, timeout_func=remaining,
                        **({"engine_name": _shared_kernel_engine(), "km": km, "kc": kc} if km is not None else {}),
                    )
                except pm.PapermillExecutionError as exc:
                    error = exc  # the executed notebook with the error is still renamed into place
            if error is not None:
                raise error
        res.ok = True
    except Exception as exc:  # noqa: BLE001 - one failing notebook must not stop the batch
        res.error, res.cell = describe_error(exc)
        if isinstance(exc, TimeoutError):  # nbclient's CellTimeoutError
            res.error = (f"TimeoutError: the notebook ran longer than {limit:g} s (--timeout) "
                         f"and was stopped")
        if getattr(exc, "ename", None) is None:
            out.unlink(missing_ok=True)  # the kernel did not run it: no stale notebook stays
            res.output = ""
        _append(log, f"\n{type(exc).__name__}: {_strip_ansi(str(exc))}\n")
    finally:
        pm_log.removeHandler(collect)
    res.notes = [m for m in collect.messages if m]
    if res.ok:
        log.unlink(missing_ok=True)
        _rmdir_if_empty(log.parent)
    elif log.exists():
        res.log = _rel(log, reports_dir)
    res.seconds = round(time.perf_counter() - t0, 3)
    return asdict(res)


SHARED_ENGINE = "juesuan-shared-kernel"
# Before each chapter in a shared kernel: no figure left open, an empty namespace (the modules
# stay imported), a new history session and the prompt numbers from 1, as in a kernel of its
# own (``%reset -f`` alone keeps the counter).  Run silently (no output, no prompt number).
RESET_CODE = ("import matplotlib.pyplot as __plt; __plt.close('all'); del __plt\n"
              "get_ipython().reset(new_session=True)")
# What a warm kernel imports while it starts (IPKernelApp.exec_lines), before any chapter: the
# modules every chapter imports.  Names it defines are cleared by RESET_CODE before each chapter.
WARM_IMPORTS = ("import os, pandas, numpy, matplotlib, matplotlib.pyplot, seaborn, helpers, "
                "juesuan.analysis, juesuan.figures, juesuan.messages_zh, juesuan.method")


def _reset_code(cwd: str) -> str:
    """RESET_CODE and a change to the chapter's folder (a kernel reused across folders)."""
    return f"import os as __os; __os.chdir({cwd!r}); del __os\n" + RESET_CODE


def _shared_kernel_engine() -> str:
    """papermill's nbclient engine for a kernel that outlives the notebook: it runs the notebook in
    the given ``km`` and closes its client's channels afterwards (the kernel keeps running)."""
    import papermill.engines as pe
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if SHARED_ENGINE in pe.papermill_engines._engines:
        return SHARED_ENGINE

    class SharedKernelEngine(pe.NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path"], **kwargs)
            safe = remove_args(["timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(safe, timeout=execution_timeout or kwargs.get("timeout"),
                                 startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                 log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            kc = kwargs.get("kc")
            final.pop("kc", None)
            client = PapermillNotebookClient(nb_man, **final)
            client.kc = kc   # the kernel's long-lived client (no second wait_for_ready per chapter)
            # papermill writes the whole notebook (figures included) before and after every cell
            # — 40 writes of up to 1 MB per chapter, 1–2 CPU-s per report; it is written once,
            # when the notebook completes (or fails), instead.
            nb_man.save = lambda *args, **kwargs: None
            try:
                return client.execute()
            finally:
                del nb_man.save
                if client.kc is not None and client.kc is not kc:
                    client.kc.stop_channels()

    pe.papermill_engines.register(SHARED_ENGINE, SharedKernelEngine)
    return SHARED_ENGINE


class _Kernel:
    """One kernel for several chapters, started on first use and again after it died or hung.

    An ``AsyncKernelManager`` (nbclient's own kind: a blocking one deadlocks inside nbclient's
    event loop), driven here through ``run_sync``.  :meth:`start` only launches the process (it
    imports :data:`WARM_IMPORTS` on its own while the worker does other work); :meth:`get`
    waits until it answers."""

    def __init__(self, kernel_name: str, cwd: str, log: Path) -> None:
        self.kernel_name, self.cwd, self.log = kernel_name, cwd, log
        self.km: Any = None
        self.kc: Any = None
        self.ready = False
        self.start_log = log                           # where this kernel's own output goes

    def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.stop()
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        self.start_log = self.log
        with _output_to(self.log, append=True):       # what the kernel itself prints (rare)
            run_sync(km.start_kernel)(cwd=self.cwd,
                                      extra_arguments=[f"--IPKernelApp.exec_lines={[WARM_IMPORTS]!r}",
                                                       "--HistoryManager.enabled=False"])
        self.km, self.ready = km, False

    def get(self) -> Any:
        """The running kernel's manager, started (or started again) and answering."""
        from jupyter_core.utils import run_sync

        if self.km is not None and run_sync(self.km.is_alive)():
            if self.ready:
                return self.km
        else:
            self.start()
        try:  # one client for the kernel's life: its channels connect once (wait_for_ready ≈ 0.2 s)
            kc = self.km.client()
            kc.start_channels()
            self.kc = kc
            run_sync(kc.wait_for_ready)(timeout=START_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001
            self.stop()
            raise RuntimeError(f"kernel {self.kernel_name} did not answer within {START_TIMEOUT_S} s") from exc
        self.ready = True
        return self.km

    def _run(self, code: str, timeout: float) -> bool:
        """Run ``code`` silently; True if the kernel answered "ok" in time (else it is stopped)."""
        from jupyter_core.utils import run_sync

        async def go() -> bool:
            reply = await self.kc.execute(code, silent=True, store_history=False, reply=True, timeout=timeout)
            return reply["content"].get("status") == "ok"

        try:
            ok = self.kc is not None and run_sync(go)()
        except Exception:  # noqa: BLE001 - no answer: a new kernel for the next chapter
            ok = False
        if not ok:
            self.stop()
        return ok

    def reset(self, cwd: str | None = None) -> bool:
        """Clear the namespace (and go to ``cwd``); False if the kernel did not answer (it is
        then stopped)."""
        return self.km is None or self._run(_reset_code(cwd or self.cwd), 30)

    def stop(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass
            self.km = None
            self.ready = False


# The warm kernel of this worker process, reused by every chapter it runs (of any report); it is
# stopped when the worker process exits.
_WORKER_KERNELS: dict[str, _Kernel] = {}


def _stop_worker_kernels() -> None:
    for kernel in _WORKER_KERNELS.values():
        kernel.stop()
        log = Path(kernel.start_log)
        if log != Path(os.devnull) and log.is_file() and not log.stat().st_size:
            log.unlink(missing_ok=True)         # a kernel that printed nothing leaves no log
            _rmdir_if_empty(log.parent)
    _WORKER_KERNELS.clear()


def _worker_kernel(kernel_name: str, cwd: str, log: Path) -> _Kernel:
    kernel = _WORKER_KERNELS.get(kernel_name)
    if kernel is None:
        import atexit
        from multiprocessing import util

        if not _WORKER_KERNELS:
            util.Finalize(None, _stop_worker_kernels, exitpriority=10)  # a pool worker's exit
            atexit.register(_stop_worker_kernels)                        # any other process
        kernel = _WORKER_KERNELS[kernel_name] = _Kernel(kernel_name, cwd, log)
    kernel.log = log
    return kernel


def warm_worker(kernel_name: str, cwd: str, log_dir: str | None = None) -> None:
    """Pool initializer: launch this worker's kernel now (it imports the chapters' modules while
    the first data steps run); never raises — a kernel that fails to start is started again, or
    reported, by the first chapter.  What the kernel process itself prints (not the notebooks'
    outputs: rare, e.g. a crash) goes to ``<log_dir>/kernel-worker-<pid>.log``, removed at the
    worker's exit when empty."""
    try:
        _kernel_environment()
        log = Path(log_dir) / f"kernel-worker-{os.getpid()}.log" if log_dir else Path(os.devnull)
        _worker_kernel(kernel_name, cwd, log).start()
    except Exception:  # noqa: BLE001
        pass


def execute_chapters_task(task: dict[str, Any]) -> list[dict[str, Any]]:
    """Run several chapters of one report one after the other in ONE kernel (in a worker
    process); never raises.  ``task``: ``chapters`` (tasks of :func:`execute_notebook_task`),
    ``kernel_log`` and ``reuse`` (default False).

    Each chapter starts from an empty namespace in its own folder (:data:`RESET_CODE`; the
    imported modules stay, which is the time saved) with its prompt numbers from 1.  After a
    chapter that did not finish normally (the kernel died, the time ran out) the next one gets
    a new kernel.  ``reuse``: the kernel is this worker's warm one (:func:`warm_worker`), kept
    for the next task; otherwise it is started here and stopped at the end.
    """
    chapters = task["chapters"]
    _kernel_environment()
    kernel_log = Path(task["kernel_log"])
    reuse = bool(task.get("reuse"))
    kernel = (_worker_kernel(chapters[0]["kernel_name"], chapters[0]["cwd"], kernel_log) if reuse
              else _Kernel(chapters[0]["kernel_name"], chapters[0]["cwd"], kernel_log))
    results: list[dict[str, Any]] = []
    try:
        for sub in chapters:
            t0 = time.perf_counter()
            try:
                km = kernel.get()
                if not kernel.reset(sub["cwd"]):
                    km = kernel.get()                # it did not answer: a new one
                    if not kernel.reset(sub["cwd"]):
                        raise RuntimeError("the kernel did not answer")
            except Exception as exc:  # noqa: BLE001 - this chapter fails; the next one tries again
                res = StepResult(step=Path(sub["input"]).name)
                res.error, _ = describe_error(exc)
                res.error = f"kernel did not start: {res.error}"
                res.seconds = round(time.perf_counter() - t0, 3)
                Path(sub["output"]).unlink(missing_ok=True)
                results.append(asdict(res))
                continue
            res = execute_notebook_task(sub, km=km, kc=kernel.kc)
            results.append(res)
            if not (res["ok"] or res["cell"] is not None):   # died or timed out: not reused
                kernel.stop()
    finally:
        if not reuse:
            kernel.stop()
    if all(r["ok"] for r in results) or not (kernel_log.exists() and kernel_log.stat().st_size):
        kernel_log.unlink(missing_ok=True)
        _rmdir_if_empty(kernel_log.parent)
    if task.get("warm_renderer"):
        _warm_renderer()
    return results


_WARMED: list[Any] = []


def _warm_renderer() -> None:
    """Once per worker process, after its first chapters: import nbconvert and compile the page
    template in a thread (:func:`juesuan.render.warm`).  The worker is idle until its next step,
    which is most often the report's HTML (the worker that finished its chapters first takes it),
    so the HTML step after the report's last chapter does not pay the imports."""
    if _WARMED:
        return
    import threading

    def go() -> None:
        try:
            from ..render import warm
            warm()
        except Exception:  # noqa: BLE001 - only a head start; the HTML step imports what it needs
            pass

    thread = threading.Thread(target=go, name="juesuan-warm-renderer", daemon=True)
    _WARMED.append(thread)
    thread.start()


def _kernel_environment() -> None:
    """Environment the kernels inherit from this worker process.

    - the inline matplotlib backend (``MPLBACKEND=Agg`` from a Makefile or CI would keep every
      figure out of the executed notebooks);
    - the project's ``src`` folder on ``PYTHONPATH`` (``import helpers``, ``import juesuan``
      from the notebooks' folder, also without the venv's .pth file);
    - no debugpy "frozen modules" warning on the kernel's stderr.
    """
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    src = str(SRC)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if src not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([src, *paths])
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


