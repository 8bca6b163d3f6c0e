"""A process-wide cap on page runs computing at once (GRIDWATCH_RUN_SLOTS, default 3).

Streamlit runs every browser tab's script in a thread of its own. When 40 tabs open in the same second (the start of
a shift, a wall of screens switched on), all 40 runs share one interpreter lock in 5-ms slices: every one of them
finishes at the very end, after the whole batch (measured at the city: 40 opens of /explore, 0.09 s of work each,
all answered together at 3.3–4.4 s). With a few slots the runs are served in arrival order instead: the first tab is answered
after its own 0.09 s and half of them within half the batch, while the lock is switched between a few threads, not
forty. More than one slot, so that a run waiting on the database or a long wall refresh does not hold up the
rest.

A run that already holds a slot (a full run calling its fragment) does not take a second one.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def slots_from(env: dict[str, str]) -> int:
    """GRIDWATCH_RUN_SLOTS: how many page runs of one process compute at once (at least 1)."""
    try:
        return max(1, int(env.get("GRIDWATCH_RUN_SLOTS", "3")))
    except ValueError:
        return 3


class RunGate:
    """At most `slots` runs inside at once; the others wait for a slot in turn."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._depth = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the body in a slot, waiting for one (reentrant: a thread already inside goes on)."""
        depth = getattr(self._depth, "n", 0)
        if not depth:
            self._free.acquire()
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if not depth:
                self._free.release()

    def gated(self, fn: Callable[P, R]) -> Callable[P, R]:
        """`fn` in a slot: for a fragment, whose own reruns do not pass through the entry script."""

        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.held():
                return fn(*args, **kwargs)

        return run


#: the process's gate: the entry script and the fragments run in it
GATE = RunGate(slots_from(dict(os.environ)))
held = GATE.held
gated = GATE.gated
