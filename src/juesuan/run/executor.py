"""Where a batch's steps run.

An :class:`Executor` takes steps — a picklable function and its task (plain data), under a
key chosen by the caller — and yields a :class:`Completion` for each as it finishes, in any
order.  It knows nothing of notebooks, reports or HTML: :mod:`juesuan.run.batch` decides what the
steps are and what to do with their results.

- :class:`LocalExecutor`: a pool of worker processes on this machine (``jobs`` of them; an
  ``initializer`` prepares each, e.g. launches its warm kernel);
- :class:`InlineExecutor`: one step after the other in this process (debugging, tests).

A cluster backend is one more class with the same three methods.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


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
