"""Repeat a measurement, alternate it with its floor, and summarise the spread."""

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Stats:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)


@dataclass
class Figure:
    """One line of the results: a subject, its floor and what they are compared on."""

    part: str
    name: str
    subject: Stats
    floor: Stats | None = None
    floor_name: str = ""
    unit: str = "s"
    target: str = ""
    # Target check on (subject, floor); None when the figure has no target.
    met: bool | None = None
    queries: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.floor.median:
            return None
        return self.subject.median / self.floor.median


@dataclass
class Budget:
    """How often to repeat: at most `repeats` times, stopping once `seconds` pass
    (but always at least `minimum` times)."""

    repeats: int
    seconds: float
    minimum: int = 1
    # One untimed run of each first, so caches and connections are warm.
    warmup: bool = True


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def compare(
    subject: Callable[[], object],
    floor: Callable[[], object] | None,
    budget: Budget,
) -> tuple[Stats, Stats | None]:
    """Time `subject` and `floor` alternately, so load changes hit both alike."""
    if budget.warmup:
        subject()
        if floor is not None:
            floor()
    subject_samples: list[float] = []
    floor_samples: list[float] = []
    started = time.perf_counter()
    while len(subject_samples) < budget.repeats:
        subject_samples.append(timed(subject))
        if floor is not None:
            floor_samples.append(timed(floor))
        spent = time.perf_counter() - started
        if spent > budget.seconds and len(subject_samples) >= budget.minimum:
            break
    return Stats(subject_samples), Stats(floor_samples) if floor else None
