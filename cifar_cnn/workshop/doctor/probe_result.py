"""What one doctor check returns: :class:`ProbeResult` and its three statuses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["OK", "WARN", "FAIL", "ProbeResult"]

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class ProbeResult:
    """The outcome of one check."""

    name: str  # short and stable, e.g. "python", "data", "speed": for scripts
    status: str  # OK, WARN or FAIL
    message: str  # what was found, in plain words
    fix: str = ""  # what to do about it ("" when nothing needs doing)
    details: dict = field(default_factory=dict)  # numbers, for --json

    @property
    def ok(self) -> bool:
        """Not a failure (a warning does not stop the lesson)."""
        return self.status != FAIL

    def to_dict(self) -> dict:
        return asdict(self)

