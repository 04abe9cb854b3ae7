"""Workers with deadlines: sympy's work, run where a late answer can be abandoned.

Nothing sympy does may hang the caller: simplify, and even evaluating a constant such as
exp(exp(exp(exp(10.0)))), can run for hours. So each symbolic step runs in a forked child that is
killed when late (POSIX, when the caller runs no other thread), else in a daemon thread that is
abandoned when late: a thread cannot be killed, but a daemon does not keep the process alive, so
the command still exits.

A worker runs `produce(interrupt)`, a generator of picklable messages; `interrupt(seconds)` is a
context manager that raises `OutOfTime` inside the worker when a step takes too long (SIGALRM in a
forked child; in a thread, the caller stops waiting instead). The caller reads the messages with
`receive(timeout)`, which raises `Late` when none arrives in time, and ends with `close()`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import warnings
from collections.abc import Callable

CHILD_RECURSION_LIMIT = 10_000  # in a forked worker (a thread keeps the caller's limit)
GRACE = 0.25  # seconds allowed beyond a deadline for a worker's answer to arrive
ISOLATION = "auto"  # "auto" | "fork" | "thread": where the workers run


class Late(Exception):
    """A worker had no answer in time (or ended, or failed)."""


class OutOfTime(BaseException):
    """Raised inside a worker when its time is up (BaseException: sympy's `except Exception`
    clauses must not swallow it)."""


@contextlib.contextmanager
def _alarm(seconds: float):
    """Interrupt the block after `seconds` (SIGALRM: a forked worker's main thread only)."""
    if seconds <= 0:
        raise OutOfTime

    def ring(signum, frame):
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _no_alarm(seconds: float):
    """A thread cannot be interrupted: the caller stops waiting for it instead."""
    if seconds <= 0:
        raise OutOfTime
    yield


def start_worker(produce: Callable):
    """Run `produce(interrupt)`, a generator of picklable messages, away from the caller."""
    mode = ISOLATION
    if mode == "auto":
        can_fork = hasattr(os, "fork") and sys.platform != "darwin"
        mode = "fork" if can_fork and threading.active_count() == 1 else "thread"
    return ForkWorker(produce) if mode == "fork" else ThreadWorker(produce)


class ForkWorker:
    """A forked child; its messages come through a pipe; `close` kills it if it still runs."""

    def __init__(self, produce: Callable):
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns when forking with threads alive; the child runs only sympy,
            # and a child that deadlocks is killed at its deadline like one that is slow
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                # deep programs make deep expressions, and sympy recurses: in a child, running
                # out of C stack costs a segfault, which the parent sees as a late answer
                sys.setrecursionlimit(max(sys.getrecursionlimit(), CHILD_RECURSION_LIMIT))
                os.close(read_end)
                try:
                    for message in produce(_alarm):
                        _send(write_end, ("message", message))
                    _send(write_end, ("end", "no more messages"))
                except BaseException as error:  # noqa: B036 - reported to the parent
                    _send(write_end, ("error", f"{type(error).__name__}: {error}"[:300]))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid = pid
        self.read_end = read_end

    def receive(self, timeout: float):
        import select

        ready = select.poll()
        ready.register(self.read_end, select.POLLIN)
        if not ready.poll(max(timeout, 0.0) * 1000):  # a message, or the child's end
            raise Late("timed out")
        try:
            kind, payload = _receive(self.read_end)
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            raise Late("the worker stopped") from error
        if kind != "message":
            raise Late(payload)
        return payload

    def close(self) -> None:
        os.close(self.read_end)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # already reaped (SIGCHLD ignored)
            os.waitpid(self.pid, 0)


# A message through the pipe: its pickle's length (8 bytes), then the pickle. (This is what
# multiprocessing.connection.Connection does; importing it, with the socket, tempfile and
# shutil modules it brings, cost about a tenth of `import numpy` on every checked command.)
_LENGTH = struct.Struct("!Q")


def _send(fd: int, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:  # the child ended before its message did
            raise EOFError("the worker's pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int):
    (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, size))


class ThreadWorker:
    """A daemon thread; when the caller stops waiting it is abandoned (it stops at its next
    message, and a daemon thread never keeps the process alive)."""

    def __init__(self, produce: Callable):
        import queue

        self._empty = queue.Empty
        self.queue: queue.Queue = queue.Queue()
        self.stopped = threading.Event()
        thread = threading.Thread(target=self._run, args=(produce,), daemon=True)
        thread.name = "gradcli-sympy"
        thread.start()

    def _run(self, produce: Callable) -> None:
        try:
            for message in produce(_no_alarm):
                if self.stopped.is_set():
                    return
                self.queue.put(("message", message))
            self.queue.put(("end", "no more messages"))
        except BaseException as error:  # noqa: B036 - reported to the caller
            self.queue.put(("error", f"{type(error).__name__}: {error}"[:300]))

    def receive(self, timeout: float):
        try:
            kind, payload = self.queue.get(timeout=max(timeout, 0.0))
        except self._empty:
            raise Late("timed out") from None
        if kind != "message":
            raise Late(payload)
        return payload

    def close(self) -> None:
        self.stopped.set()
