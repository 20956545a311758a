"""Samples that could not be read: counted, the first ones kept with their reasons.

A bad image, a table row with the wrong number of fields or a label outside the known
classes is skipped and recorded in a :class:`SkipLog`, or, when the source's
``bad_samples`` parameter says ``"stop"``, stops the load with the source's own error.
The log is shared by the reader threads of a streamed dataset, so it is thread-safe.
Must not import Qt or Keras.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from nnstudio.core.data.errors import DataFormatError

BAD_SAMPLE_POLICIES = ("skip", "stop")
KEPT_RECORDS = 100


@dataclass(frozen=True)
class SkippedSample:
    """One sample left out: where it is (a file, ``file:line``...) and why."""

    where: str
    reason: str


class SkipLog:
    """Counts skipped samples and keeps the first :data:`KEPT_RECORDS` with their reasons.

    Parameters
    ----------
    policy:
        ``"skip"`` records and carries on; ``"stop"`` raises the error passed to :meth:`add`.
    """

    def __init__(self, policy: str = "skip") -> None:
        if policy not in BAD_SAMPLE_POLICIES:
            raise ValueError(f"Unknown bad-sample policy {policy!r}; expected one of {', '.join(BAD_SAMPLE_POLICIES)}.")
        self.policy = policy
        self._lock = threading.Lock()
        self._records: list[SkippedSample] = []
        self._seen: set[str] = set()
        self._count = 0

    def add(self, where: str, reason: str, error: DataFormatError | None = None) -> None:
        """Record a skipped sample (once per ``where``), or raise ``error`` under the stop policy.

        Raises
        ------
        DataFormatError
            ``error`` (or a generic one) when the policy is ``"stop"``.
        """
        if self.policy == "stop":
            raise error or DataFormatError(f"Cannot read `{where}`: {reason}. Received: bad_samples='stop'.")
        with self._lock:
            if where in self._seen:
                return
            self._seen.add(where)
            self._count += 1
            if len(self._records) < KEPT_RECORDS:
                self._records.append(SkippedSample(where, reason))

    @property
    def count(self) -> int:
        """How many distinct samples were skipped so far."""
        with self._lock:
            return self._count

    @property
    def records(self) -> tuple[SkippedSample, ...]:
        """The first skipped samples with their reasons, in the order they were found."""
        with self._lock:
            return tuple(self._records)

    def merge(self, other: SkipLog) -> None:
        """Add every record of ``other`` (its count included) to this log."""
        extra = other.count - len(other.records)
        for record in other.records:
            self.add(record.where, record.reason)
        with self._lock:
            self._count += max(extra, 0)


def reason_of(error: Exception) -> str:
    """Return the middle of a one-line data error: what went wrong, without the file or the received part."""
    text = str(error)
    return text.split(": ", 1)[1].rsplit(". Received", 1)[0] if ": " in text else text
