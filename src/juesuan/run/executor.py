"""Where a batch's steps run.

An :class:`Executor` takes steps — a picklable function and its task (plain data), under a
key chosen by the caller — and yields a :class:`Completion` for each as it finishes, in any
order.  It knows nothing of notebooks, reports or HTML: :mod:`juesuan.run.batch` decides what the
steps are and what to do with their results.

- :class:`LocalExecutor`: a pool of worker processes on this machine (``jobs`` of them; an
  ``initializer`` prepares each, e.g. launches its warm kernel);
- :class:`InlineExecutor`: one step after the other in this process (debugging, tests);
- :class:`DaskExecutor`: the workers of a Dask cluster (``distributed``, imported only when
  the class is used), on this machine or on others.

:func:`executor_for` picks the local pool or the cluster from the command line's options.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completion:
    """One finished step: its key and either its result or the exception it raised."""

    key: Hashable
    result: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@runtime_checkable
class Executor(Protocol):
    def submit(self, key: Hashable, fn: Callable[[Any], Any], task: Any) -> None:
        """Queue ``fn(task)``; its completion will carry ``key``."""

    def completions(self) -> Iterator[Completion]:
        """The completions of every step submitted so far, as they finish."""

    def close(self) -> None:
        """Wait for the running steps and free the workers."""


class _Closing:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def mp_context() -> multiprocessing.context.BaseContext:
    """``fork`` where available: unlike ``spawn`` it does not re-import the caller's main module
    (a script without ``if __name__ == "__main__"`` works) and starts faster.  The caller must
    have no other threads when the pool forks (e.g. no progress-bar monitor thread)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


class LocalExecutor(_Closing):
    """``jobs`` worker processes on this machine (a :class:`~concurrent.futures.ProcessPoolExecutor`)."""

    def __init__(self, jobs: int, context: multiprocessing.context.BaseContext | None = None,
                 initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> None:
        self.jobs = max(1, int(jobs))
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context or mp_context(),
                                         initializer=initializer, initargs=initargs)
        self._pending: dict[Future, Hashable] = {}

    def submit(self, key: Hashable, fn: Callable[[Any], Any], task: Any) -> None:
        self._pending[self._pool.submit(fn, task)] = key

    def completions(self) -> Iterator[Completion]:
        # steps submitted while the completions are read (the next step of a report) are waited
        # for as soon as they are queued
        while self._pending:
            done, _ = wait(list(self._pending), return_when=FIRST_COMPLETED)
            for fut in done:
                key = self._pending.pop(fut)
                try:
                    yield Completion(key, result=fut.result())
                except Exception as exc:  # noqa: BLE001 - e.g. a worker process died
                    yield Completion(key, error=exc)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class InlineExecutor(_Closing):
    """Every step in this process, in the order submitted, when the completions are read."""

    def __init__(self) -> None:
        self._queue: list[tuple[Hashable, Callable[[Any], Any], Any]] = []

    def submit(self, key: Hashable, fn: Callable[[Any], Any], task: Any) -> None:
        self._queue.append((key, fn, task))

    def completions(self) -> Iterator[Completion]:
        while self._queue:
            key, fn, task = self._queue.pop(0)
            try:
                yield Completion(key, result=fn(task))
            except Exception as exc:  # noqa: BLE001
                yield Completion(key, error=exc)

    def close(self) -> None:
        self._queue.clear()


# ------------------------------------------------------------------ Dask
class ThreadedWorkerWarning(UserWarning):
    """A Dask worker runs more than one task thread (it should run with ``--nthreads 1``)."""


class WorkerDied(RuntimeError):
    """The worker process running a step died (Dask's ``KilledWorker``), or the step's own process
    on the worker did (:class:`StepProcessDied`)."""


class StepProcessDied(WorkerDied):
    """Raised on a Dask worker: the process running the step there ended before answering."""


class StepCancelled(RuntimeError):
    """Raised on a Dask worker: the step was cancelled and its process stopped."""


class SchedulerLost(ConnectionError):
    """The Dask scheduler stopped answering while steps were running (raised by
    :meth:`DaskExecutor.completions` and :meth:`DaskExecutor.submit`): the batch cannot go on.
    ``address`` is the scheduler's, ``unfinished`` the caller's keys of the steps not finished."""

    def __init__(self, message: str, address: str = "", unfinished: tuple = ()) -> None:
        super().__init__(message)
        self.address = address
        self.unfinished = tuple(unfinished)


SCHEDULER_TIMEOUT_ENV = "JUESUAN_DASK_SCHEDULER_TIMEOUT"
SCHEDULER_TIMEOUT_S = 30.0      # default bound on a silent scheduler (≤ 60 s, see DaskExecutor)
HEARTBEAT_S = 2.0               # how often a waiting batch asks the scheduler whether it is there
STOP_GRACE_S = 3.0              # a cancelled step's process: SIGTERM, then SIGKILL after this
_PROCESS_LOCK = threading.Lock()


def _one_at_a_time(fn: Callable[[Any], Any], task: Any, isolate: bool = False) -> Any:
    """``fn(task)`` in a Dask worker, never two at once in one worker process.

    A batch step redirects file descriptors 1 and 2 around its kernels and sets environment
    variables for them: both are process-wide, so two steps in two threads of one process
    would mix their logs.  On workers started with ``--nthreads 1`` (as they should be) the lock
    is never contended; with more threads the extra ones only wait.

    ``isolate``: the step runs in this worker's step process (:class:`_StepProcess`), which is
    stopped when the step is cancelled (a thread cannot be stopped; a process can)."""
    with _PROCESS_LOCK:
        if not isolate:
            return fn(task)
        return _step_process().run(fn, task, _cancel_check())


def _nothing(task: Any) -> None:
    return None


def _cancel_check() -> Callable[[], bool]:
    """A check, from the task's thread, that the scheduler has cancelled this task (or the worker
    dropped it: it is closing, its scheduler gone)."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        worker, key = get_worker(), thread_state.key
    except Exception:  # noqa: BLE001 - not in a Dask task (a direct call): never cancelled
        return lambda: False

    def cancelled() -> bool:
        ts = worker.state.tasks.get(key)
        return ts is None or ts.state in ("cancelled", "released", "forgotten")

    cancelled.worker = getattr(worker, "address", "?")  # type: ignore[attr-defined]
    return cancelled


# The step process of this worker process: started by its first step, reused by the next ones
# (its warm kernel with them), started again after a step that was cancelled or died.
_STEP_PROCESS: list[_StepProcess] = []

_SYS_PATH_ENV = "JUESUAN_STEP_SYS_PATH"       # the worker's sys.path, for the step process
_CHILD_BOOT = ("import json, os, sys; r, w, parent = map(int, sys.argv[1:4]); "
               f"sys.path[:] = json.loads(os.environ.pop({_SYS_PATH_ENV!r})); "
               "from juesuan.run.executor import _child_loop; _child_loop(r, os.fdopen(w, 'wb'), parent)")


def _step_process() -> _StepProcess:
    if not _STEP_PROCESS:
        import atexit
        from multiprocessing import util

        proc = _StepProcess()
        _STEP_PROCESS.append(proc)
        util.Finalize(None, proc.stop, exitpriority=10)   # a worker spawned by multiprocessing (nanny)
        atexit.register(proc.stop)                         # any other process
    return _STEP_PROCESS[0]


def _send(fh, obj: Any) -> None:
    import cloudpickle

    data = cloudpickle.dumps(obj)
    fh.write(len(data).to_bytes(8, "big") + data)
    fh.flush()


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _StepProcess:
    """A Python process, child of the worker process, that runs the worker's steps one at a time
    (``subprocess``: a Dask worker is a daemonic process, which ``multiprocessing`` forbids to
    have children).  Steps and results go over a pipe (cloudpickle); the child's stdout/stderr
    are the worker's.  It is in its own process group: a cancelled step's process is sent SIGTERM
    (its ``finally`` blocks and exit handlers stop its kernels), SIGKILL after
    :data:`STOP_GRACE_S`.  It exits by itself when the worker process is gone."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self._to: Any = None
        self._from: int | None = None

    def _start(self) -> None:
        import json

        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[2])          # the folder holding juesuan/
        env["PYTHONPATH"] = os.pathsep.join([here, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
        env[_SYS_PATH_ENV] = json.dumps([here, *sys.path])        # the step functions' modules too
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD_BOOT, str(to_child_r), str(from_child_w), str(os.getpid())],
                pass_fds=(to_child_r, from_child_w), env=env, start_new_session=True, close_fds=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._to = os.fdopen(to_child_w, "wb")
        self._from = from_child_r

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def run(self, fn: Callable[[Any], Any], task: Any, cancelled: Callable[[], bool]) -> Any:
        import cloudpickle

        if not self.alive():
            self.stop()
            self._start()
        assert self.proc is not None and self._from is not None
        try:
            _send(self._to, (fn, task))
        except OSError:
            pass                       # it died: said below with its exit code
        where = getattr(cancelled, "worker", "") or f"pid {os.getpid()}"
        while True:
            ready, _, _ = select.select([self._from], [], [], 0.1)
            if ready:
                try:
                    size = int.from_bytes(_read_exact(self._from, 8), "big")
                    ok, value = cloudpickle.loads(_read_exact(self._from, size))
                except EOFError:
                    code = self.proc.wait()
                    self.stop()
                    raise StepProcessDied(f"the step's process on the Dask worker {where} died "
                                          f"(exit code {code})") from None
                if ok:
                    return value
                raise value
            if cancelled():
                t0 = time.monotonic()
                self.stop()
                raise StepCancelled(f"cancelled: the step's process on {where} was stopped "
                                    f"in {time.monotonic() - t0:.1f} s")

    def stop(self) -> None:
        """Stop the process (SIGTERM to its group, SIGKILL after the grace) and close the pipes."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            except ProcessLookupError:
                pass
        if proc is not None:
            try:                               # what is left of its group (e.g. a grandchild)
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for closing in (self._to, self._from):
            try:
                if isinstance(closing, int):
                    os.close(closing)
                elif closing is not None:
                    closing.close()
            except OSError:
                pass
        self._to = self._from = None


def _child_loop(rfd: int, fout, parent: int) -> None:
    """The step process: read (fn, task), answer (True, result) or (False, exception); exit when
    the pipe closes, on SIGTERM (as SystemExit: the step's ``finally`` blocks run) or when the
    worker process (``parent``) is gone."""
    import cloudpickle

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)

    def orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(STOP_GRACE_S)
        os._exit(1)

    threading.Thread(target=orphaned, name="juesuan-step-orphaned", daemon=True).start()
    while True:
        try:
            size = int.from_bytes(_read_exact(rfd, 8), "big")
            fn, task = cloudpickle.loads(_read_exact(rfd, size))
        except EOFError:
            return
        try:
            answer = (True, fn(task))
        except Exception as exc:  # noqa: BLE001 - sent back, raised in the worker's task
            answer = (False, exc)
        try:
            _send(fout, answer)
        except (OSError, ValueError):
            return                                         # the worker is gone
        except Exception as exc:  # noqa: BLE001 - the result or exception does not pickle
            _send(fout, (False, RuntimeError(f"the step's {'result' if answer[0] else 'error'} cannot be sent "
                                             f"back: {type(exc).__name__}: {exc}")))


class DaskExecutor(_Closing):
    """The workers of a Dask cluster (``distributed``).

    ``address``: the scheduler, e.g. ``tcp://host:8786`` (``dask scheduler``); ``None`` starts a
    cluster of single-threaded worker processes on this machine.  Or pass a connected
    ``client`` (it is left open by :meth:`close`; a client made here is closed).

    Every worker must be able to import the step functions (the project on its ``PYTHONPATH``)
    and reach the paths in the tasks (the data/ and reports/ folders shared at the same path),
    and should run ONE task thread (``dask worker … --nthreads 1``): a step redirects the
    process's file descriptors 1/2 around its kernels.  Steps are serialised per worker process
    anyway (:func:`_one_at_a_time`); a worker with more threads is named once in a
    :class:`ThreadedWorkerWarning` (its extra threads would only wait).

    Faults:

    - a step that raises gives a :class:`Completion` with the error; the other steps go on;
    - a step whose WORKER is lost (the worker process or its machine: Dask's ``KilledWorker``) is
      submitted once more (the scheduler puts it on a worker still there) when the scheduler
      did not already retry it (its ``allowed-failures``); lost again, it is a :class:`WorkerDied`
      completion naming the step, the attempts and the last worker;
    - ``isolate`` (default): each worker runs the steps in a child process of its own, kept from
      step to step; a step cancelled by :meth:`close` has that process stopped (SIGTERM, SIGKILL
      after 3 s) — a Dask task thread cannot be stopped, so without it a cancelled step runs to
      its end.  A step whose process dies is a :class:`WorkerDied` completion (not retried: it
      would die again);
    - the scheduler lost: :meth:`completions` (and :meth:`submit`) raise :class:`SchedulerLost`
      naming its address — at once when the connection drops, and when the scheduler does not
      answer for ``scheduler_timeout`` seconds (default 30, or ``$JUESUAN_DASK_SCHEDULER_TIMEOUT``;
      at most 60).  :meth:`close` stays bounded then too.
    """

    def __init__(self, address: str | None = None, client: Any = None, *, isolate: bool = True,
                 scheduler_timeout: float | None = None, heartbeat: float = HEARTBEAT_S) -> None:
        import distributed

        self._distributed = distributed
        self._own = client is None
        if client is not None:
            self.client = client
        elif address is None and not distributed.config.get("scheduler-address", None):
            self.client = distributed.Client(threads_per_worker=1, processes=True, set_as_default=False)
        else:
            self.client = distributed.Client(address, set_as_default=False)
        if scheduler_timeout is None:
            scheduler_timeout = float(os.environ.get(SCHEDULER_TIMEOUT_ENV) or SCHEDULER_TIMEOUT_S)
        self.scheduler_timeout = min(max(float(scheduler_timeout), 0.5), 60.0)
        self.heartbeat = max(0.1, min(float(heartbeat), self.scheduler_timeout / 2))
        self.isolate = bool(isolate)
        self._address = str(self.client.scheduler.address)
        self._pending: dict[Any, _Step] = {}           # Future → the caller's step
        self._running: Any = None                      # the as_completed being read
        self._warned: set[str] = set()
        self._closed = False
        self._lost: SchedulerLost | None = None
        self._answered = time.monotonic()              # the scheduler's last sign of life
        self._asked = 0.0
        self.retried: list[Hashable] = []              # keys of steps submitted again (worker lost)
        self.check_workers()

    @property
    def address(self) -> str:
        return self._address

    def check_workers(self) -> dict[str, int]:
        """Task threads of every worker now connected; warns once per worker with more than one."""
        try:
            threads = dict(self.client.nthreads(callback_timeout=min(5.0, self.scheduler_timeout)))
        except Exception as exc:  # noqa: BLE001 - a check, never the reason a batch stops (a lost
            # scheduler is found by the watch of completions())
            log.debug("could not ask the scheduler for its workers: %s", exc)
            return {}
        self._answered = time.monotonic()
        for worker, n in sorted(threads.items()):
            if n > 1 and worker not in self._warned:
                self._warned.add(worker)
                msg = (f"Dask worker {worker} runs {n} task threads: start workers with --nthreads 1 "
                       "(a batch step redirects the process's output around its kernels); "
                       "its steps run one at a time, so its other threads stay idle")
                warnings.warn(msg, ThreadedWorkerWarning, stacklevel=2)
        return threads

    def warm(self, fn: Callable[[Any], Any] | None = None) -> None:
        """Start the step process of every worker now connected (with ``isolate``), running
        ``fn(None)`` in each (e.g. imports): what the first step on each worker would otherwise pay."""
        if self.isolate:
            self.client.run(_one_at_a_time, fn or _nothing, None, True)

    def submit(self, key: Hashable, fn: Callable[[Any], Any], task: Any) -> None:
        if self._lost is not None:
            raise self._lost
        if self._closed:
            raise RuntimeError("the DaskExecutor is closed")
        self._submit(_Step(key, fn, task))

    def _submit(self, step: _Step) -> None:
        name = getattr(step.fn, "__name__", "step")
        fut = self.client.submit(_one_at_a_time, step.fn, step.task, self.isolate,
                                 key=f"juesuan-{name}-{uuid.uuid4().hex}", pure=False)
        self._pending[fut] = step
        if self._running is not None:
            self._running.add(fut)

    def completions(self) -> Iterator[Completion]:
        if self._lost is not None:
            raise self._lost
        self._answered = time.monotonic()     # the bound on a silent scheduler counts from here
        self.check_workers()        # workers that joined since the executor was made
        while self._pending:
            ac = self._running = self._distributed.as_completed(list(self._pending), loop=self.client.loop)
            try:
                while True:
                    if ac.has_ready():
                        fut = next(ac)
                        step = self._pending.pop(fut)
                        done = self._completion(step, fut)
                        fut.release()
                        if done is not None:
                            yield done
                        continue
                    if ac.is_empty():
                        break
                    self._watch_scheduler()
                    with ac.thread_condition:
                        ac.thread_condition.wait(timeout=0.1)
            finally:
                self._running = None

    # -- the scheduler's health
    def _connected(self) -> bool:
        return self.client.status == "running"

    def _watch_scheduler(self) -> None:
        """Raise :class:`SchedulerLost` when the client has lost its connection, or the scheduler
        has not answered for ``scheduler_timeout`` s (a frozen process, a cut network)."""
        now = time.monotonic()
        if not self._connected():
            self._scheduler_lost("the connection to it dropped")
        if now - self._asked < self.heartbeat:
            return
        self._asked = now
        left = self.scheduler_timeout - (now - self._answered)
        try:
            self.client.sync(self.client.scheduler.identity, callback_timeout=max(0.2, min(left, 5.0)))
            self._answered = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - refused, timed out, closed: counted below
            log.debug("the Dask scheduler at %s did not answer: %s", self._address, exc)
        silent = time.monotonic() - self._answered
        if not self._connected():
            self._scheduler_lost("the connection to it dropped")
        if silent >= self.scheduler_timeout:
            self._scheduler_lost(f"no answer for {silent:.0f} s")

    def _scheduler_lost(self, why: str) -> None:
        unfinished = tuple(step.key for step in self._pending.values())
        self._lost = SchedulerLost(f"lost the Dask scheduler at {self._address}: {why}; "
                                   f"{len(unfinished)} step(s) not finished", self._address, unfinished)
        raise self._lost

    def _completion(self, step: _Step, fut: Any) -> Completion | None:
        """The completion of a finished future; None when the step was submitted again."""
        key = step.key
        if fut.status == "error":       # raised in the task, or its worker died (KilledWorker)
            try:
                exc = fut.exception()
            except Exception as other:  # noqa: BLE001 - e.g. the exception does not unpickle here
                exc = other
            if type(exc).__name__ == "KilledWorker":
                worker = getattr(getattr(exc, "last_worker", None), "address", None) or "?"
                tries = int(getattr(exc, "allowed_failures", 0) or 0) + 1
                step.lost.append(worker)
                if step.attempts + tries < 2:             # the scheduler did not retry it: once more
                    step.attempts += tries
                    self.retried.append(key)
                    log.warning("the Dask worker %s running step %r was lost; running it again", worker, key)
                    self._submit(step)
                    return None
                step.attempts += tries
                died = WorkerDied(f"the Dask worker running step {key!r} died ({step.attempts} attempt(s), "
                                  f"lost: {', '.join(step.lost)}; the last on {worker})")
                died.__cause__ = exc
                return Completion(key, error=died)
            if isinstance(exc, WorkerDied):               # the step's own process on the worker
                died = WorkerDied(f"step {key!r}: {exc}")
                died.__cause__ = exc
                return Completion(key, error=died)
            return Completion(key, error=exc if isinstance(exc, BaseException) else RuntimeError(str(exc)))
        if fut.status == "cancelled":
            if not self._connected():                     # the client cancels all on a lost connection
                self._pending[fut] = step
                self._scheduler_lost("the connection to it dropped")
            return Completion(key, error=RuntimeError(f"step {key!r} was cancelled on the cluster"))
        try:
            return Completion(key, result=fut.result())
        except Exception as exc:  # noqa: BLE001 - e.g. the result does not unpickle here
            return Completion(key, error=exc)

    def close(self) -> None:
        """Cancel the steps not yet read (a caller that stopped early: with ``isolate`` their
        processes on the workers are stopped), release the futures and close the client made here
        (a client passed in stays open).  Idempotent; bounded when the scheduler is lost."""
        if self._closed:
            return
        self._closed = True
        pending, self._pending = list(self._pending), {}
        try:
            if pending and self._lost is None and self._connected():
                try:
                    self.client.sync(self.client._cancel, pending, callback_timeout=10)
                except Exception as exc:  # noqa: BLE001 - closing: said, never raised
                    log.warning("could not cancel %d step(s) on the Dask scheduler at %s: %s",
                                len(pending), self._address, exc)
            for fut in pending:
                fut.release()
        finally:
            if self._own:
                timeout = 5 if self._lost is not None else 30
                # a lost scheduler: the client's reconnection, cancelled by close, would log its
                # traceback — the SchedulerLost raised already says what happened
                quiet = [logging.getLogger(n) for n in ("distributed.client", "distributed.utils")
                         ] if self._lost is not None else []
                levels = [q.level for q in quiet]
                for q in quiet:
                    q.setLevel(logging.CRITICAL)
                try:
                    self.client.close(timeout=timeout)
                except Exception as exc:  # noqa: BLE001
                    log.warning("closing the Dask client: %s", exc)
                finally:
                    for q, level in zip(quiet, levels):
                        q.setLevel(level)
                cluster = getattr(self.client, "cluster", None)   # the one started for address=None
                if cluster is not None:
                    cluster.close()


@dataclass
class _Step:
    key: Hashable
    fn: Callable[[Any], Any]
    task: Any
    attempts: int = 0                 # runs lost with their worker so far
    lost: list = None                 # type: ignore[assignment] - the lost workers' addresses

    def __post_init__(self) -> None:
        if self.lost is None:
            self.lost = []


def executor_for(jobs: int, scheduler: str | None = None) -> Executor:
    """A :class:`DaskExecutor` on ``scheduler`` (``tcp://host:8786``) when given, else a
    :class:`LocalExecutor` of ``jobs`` processes."""
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(jobs)
