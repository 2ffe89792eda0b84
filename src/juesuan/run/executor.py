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
import threading
import uuid
import warnings
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
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
    """The worker process running a step died (Dask's ``KilledWorker``)."""


_PROCESS_LOCK = threading.Lock()


def _one_at_a_time(fn: Callable[[Any], Any], task: Any) -> Any:
    """``fn(task)`` in a Dask worker, never two at once in one worker process.

    A batch step redirects file descriptors 1 and 2 around its kernels and sets environment
    variables for them: both are process-wide, so two steps in two threads of one process
    would mix their logs.  On workers started with ``--nthreads 1`` (as they should be) the lock
    is never contended; with more threads the extra ones only wait."""
    with _PROCESS_LOCK:
        return fn(task)


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

    A step that raises, or whose worker dies, gives a :class:`Completion` with the error; the
    other steps go on.
    """

    def __init__(self, address: str | None = None, client: Any = None) -> None:
        import distributed

        self._distributed = distributed
        self._own = client is None
        if client is not None:
            self.client = client
        elif address is None and not distributed.config.get("scheduler-address", None):
            self.client = distributed.Client(threads_per_worker=1, processes=True, set_as_default=False)
        else:
            self.client = distributed.Client(address, set_as_default=False)
        self._pending: dict[Any, Hashable] = {}       # Future → the caller's key
        self._running: Any = None                      # the as_completed being read
        self._warned: set[str] = set()
        self._closed = False
        self.check_workers()

    @property
    def address(self) -> str:
        return str(self.client.scheduler.address)

    def check_workers(self) -> dict[str, int]:
        """Task threads of every worker now connected; warns once per worker with more than one."""
        try:
            threads = dict(self.client.nthreads())
        except Exception as exc:  # noqa: BLE001 - a check, never the reason a batch stops
            log.debug("could not ask the scheduler for its workers: %s", exc)
            return {}
        for worker, n in sorted(threads.items()):
            if n > 1 and worker not in self._warned:
                self._warned.add(worker)
                msg = (f"Dask worker {worker} runs {n} task threads: start workers with --nthreads 1 "
                       "(a batch step redirects the process's output around its kernels); "
                       "its steps run one at a time, so its other threads stay idle")
                warnings.warn(msg, ThreadedWorkerWarning, stacklevel=2)
        return threads

    def submit(self, key: Hashable, fn: Callable[[Any], Any], task: Any) -> None:
        if self._closed:
            raise RuntimeError("the DaskExecutor is closed")
        name = getattr(fn, "__name__", "step")
        fut = self.client.submit(_one_at_a_time, fn, task, key=f"juesuan-{name}-{uuid.uuid4().hex}",
                                 pure=False)
        self._pending[fut] = key
        if self._running is not None:
            self._running.add(fut)

    def completions(self) -> Iterator[Completion]:
        self.check_workers()        # workers that joined since the executor was made
        while self._pending:
            self._running = self._distributed.as_completed(list(self._pending), loop=self.client.loop)
            try:
                for fut in self._running:
                    key = self._pending.pop(fut)
                    done = self._completion(key, fut)
                    fut.release()
                    yield done
            finally:
                self._running = None

    @staticmethod
    def _completion(key: Hashable, fut: Any) -> Completion:
        if fut.status == "error":       # raised in the task, or its worker died (KilledWorker)
            try:
                exc = fut.exception()
            except Exception as other:  # noqa: BLE001 - e.g. the exception does not unpickle here
                exc = other
            if type(exc).__name__ == "KilledWorker":
                worker = getattr(getattr(exc, "last_worker", None), "address", None) or "?"
                tries = int(getattr(exc, "allowed_failures", 0) or 0) + 1
                died = WorkerDied(f"the Dask worker running step {key!r} died ({tries} attempt(s), "
                                  f"the last on {worker})")
                died.__cause__ = exc
                return Completion(key, error=died)
            return Completion(key, error=exc if isinstance(exc, BaseException) else RuntimeError(str(exc)))
        if fut.status == "cancelled":
            return Completion(key, error=RuntimeError(f"step {key!r} was cancelled on the cluster"))
        try:
            return Completion(key, result=fut.result())
        except Exception as exc:  # noqa: BLE001 - e.g. the result does not unpickle here
            return Completion(key, error=exc)

    def close(self) -> None:
        """Cancel the steps not yet read (a caller that stopped early), release the futures and
        close the client made here (a client passed in stays open).  Idempotent."""
        if self._closed:
            return
        self._closed = True
        pending, self._pending = list(self._pending), {}
        try:
            if pending:
                self.client.cancel(pending)
            for fut in pending:
                fut.release()
        finally:
            if self._own:
                self.client.close()
                cluster = getattr(self.client, "cluster", None)   # the one started for address=None
                if cluster is not None:
                    cluster.close()


def executor_for(jobs: int, scheduler: str | None = None) -> Executor:
    """A :class:`DaskExecutor` on ``scheduler`` (``tcp://host:8786``) when given, else a
    :class:`LocalExecutor` of ``jobs`` processes."""
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(jobs)
