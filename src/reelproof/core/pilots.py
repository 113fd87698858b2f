"""Pilot-programme metrics, pure: efficiency, cycle times, rework, satisfaction, friction per rule.

Two guards live here so no caller can skip them: a mean is never shown from fewer than
`MIN_N` values (a bare mean from three values reads as a finding and is noise), and a
satisfaction result is never shown for fewer than `K_ANONYMITY` respondents (a small group's
answers identify the people in it). Intervals are percentile bootstraps with a fixed seed, so
the same data give the same report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from reelproof.core.json_types import JsonObject

MIN_N = 5
K_ANONYMITY = 5
RESAMPLES = 4000
SEED = 15
CONFIDENCE = 0.95
PILOT, COMPARISON = "pilot", "comparison"


# --- estimates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A mean with its bootstrap interval, or `too few` when n is under the minimum."""

    n: int
    need: int
    mean: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def shown(self) -> bool:
        """Whether there are enough values to show a mean at all."""
        return self.mean is not None

    def to_data(self) -> JsonObject:
        """`mean` and `ci95`, or `too_few: true` and no number at all."""
        if self.mean is None:
            return {"n": self.n, "mean": None, "too_few": True, "need": self.need}
        return {"n": self.n, "mean": _r(self.mean), "ci95": [_r(self.low), _r(self.high)]}

    def text(self, unit: str = "") -> str:
        """`0.42 [0.31, 0.55] (n=8)`, or `too few (n=3, need 5)`."""
        if self.mean is None or self.low is None or self.high is None:
            return f"too few (n={self.n}, need {self.need})"
        return f"{_num(self.mean)}{unit} [{_num(self.low)}, {_num(self.high)}] (n={self.n})"


def _num(value: float) -> str:
    """Three significant digits, without an exponent for hours in the thousands."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _bounds(samples: np.ndarray) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def _resampled_means(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    means: np.ndarray = values[picks].mean(axis=1)
    return means


def estimate(
    values: Sequence[float], *, min_n: int = MIN_N, seed: int = SEED, resamples: int = RESAMPLES
) -> Estimate:
    """The mean of `values` with a percentile-bootstrap interval; `too few` under `min_n`
    (which is never below MIN_N)."""
    need = max(min_n, MIN_N)
    if len(values) < need:
        return Estimate(len(values), need)
    x = np.asarray(values, dtype=float)
    low, high = _bounds(_resampled_means(x, np.random.default_rng(seed), resamples))
    return Estimate(len(x), need, float(x.mean()), low, high)


def difference(
    pilot: Sequence[float],
    comparison: Sequence[float],
    *,
    min_n: int = MIN_N,
    seed: int = SEED,
    resamples: int = RESAMPLES,
) -> Estimate:
    """Pilot mean minus comparison mean, each arm resampled on its own; `n` is the smaller
    arm, and under the minimum in either arm there is no number."""
    need = max(min_n, MIN_N)
    n = min(len(pilot), len(comparison))
    if n < need:
        return Estimate(n, need)
    rng = np.random.default_rng(seed)
    p, c = np.asarray(pilot, dtype=float), np.asarray(comparison, dtype=float)
    diffs = _resampled_means(p, rng, resamples) - _resampled_means(c, rng, resamples)
    low, high = _bounds(diffs)
    return Estimate(n, need, float(p.mean() - c.mean()), low, high)


# --- grouping -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One value of a metric, with the groups it is counted in."""

    value: float
    production: str
    arm: str
    stage: str = ""
    department: str = ""


GROUPINGS: Mapping[str, Callable[[Observation], str]] = {
    "arm": lambda o: o.arm,
    "production": lambda o: o.production,
    "stage": lambda o: o.stage,
    "department": lambda o: o.department,
}


@dataclass(frozen=True)
class MetricSummary:
    """A metric over the pilot: each arm, pilot minus comparison, and each grouping."""

    metric: str
    unit: str
    arms: dict[str, Estimate]
    difference: Estimate
    groups: dict[str, dict[str, Estimate]]
    target: float | None = None

    def to_data(self) -> JsonObject:
        """The summary as the report's and `pilot metrics`' JSON."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "target": self.target,
            "arms": {a: e.to_data() for a, e in self.arms.items()},
            "pilot_minus_comparison": self.difference.to_data(),
            "groups": {g: {k: e.to_data() for k, e in v.items()} for g, v in self.groups.items()},
        }


def summarise(
    metric: str,
    unit: str,
    observations: Sequence[Observation],
    *,
    target: float | None = None,
    seed: int = SEED,
) -> MetricSummary:
    """Each arm's mean, their difference and every grouping, with intervals or `too few`."""
    by_arm = {arm: [o.value for o in observations if o.arm == arm] for arm in (PILOT, COMPARISON)}
    groups: dict[str, dict[str, Estimate]] = {}
    for name, key in GROUPINGS.items():
        values: defaultdict[str, list[float]] = defaultdict(list)
        for o in observations:
            values[key(o)].append(o.value)
        groups[name] = {k: estimate(v, seed=seed) for k, v in sorted(values.items()) if k}
    return MetricSummary(
        metric,
        unit,
        {arm: estimate(v, seed=seed) for arm, v in by_arm.items()},
        difference(by_arm[PILOT], by_arm[COMPARISON], seed=seed),
        groups,
        target,
    )


# --- efficiency ---------------------------------------------------------------------------


def saved_share(without_ai: float, with_ai: float) -> float | None:
    """The fraction of the work AI saved (negative when it cost more); None without an
    estimate to compare with."""
    if without_ai <= 0:
        return None
    return (without_ai - with_ai) / without_ai


# --- cycle times and rework from the audit log ---------------------------------------------


@dataclass(frozen=True)
class LogEvent:
    """An audit-log entry as the pilot reads it: what happened to which subject, and when."""

    kind: str  # document.applied | decision.made | approval.approved | approval.rejected | ...
    subject: str  # production/declaration, or the production for delivery checks
    time: dt.datetime
    verdict: str | None = None  # delivery checks: clear | blocked


CYCLE_STAGES = ("declared_to_decided", "decided_to_approved", "cleared_to_delivered", "total")


def cycle_hours(
    declaration: str, events: Iterable[LogEvent], *, needs_approval: bool
) -> dict[str, float]:
    """Hours from declaration to first decision, to written approval (when the use needs it),
    to the production's first clear delivery check after that, and in total. A stage not yet
    reached is left out."""
    production = declaration.split("/", 1)[0]
    declared = decided = approved = delivered = None
    for e in sorted(events, key=lambda e: e.time):
        if e.subject == declaration:
            if e.kind == "document.applied" and declared is None:
                declared = e.time
            elif e.kind == "decision.made" and decided is None:
                decided = e.time
            elif e.kind == "approval.approved" and approved is None and decided is not None:
                approved = e.time
        cleared = approved if needs_approval else decided
        if (
            e.kind == "delivery.checked"
            and e.subject == production
            and e.verdict == "clear"
            and cleared is not None
            and delivered is None
            and e.time >= cleared
        ):
            delivered = e.time
    out: dict[str, float] = {}
    if declared is None or decided is None:
        return out
    out["declared_to_decided"] = _hours(declared, decided)
    cleared = approved if needs_approval else decided
    if needs_approval and approved is not None:
        out["decided_to_approved"] = _hours(decided, approved)
    if cleared is not None and delivered is not None:
        out["cleared_to_delivered"] = _hours(cleared, delivered)
        out["total"] = _hours(declared, delivered)
    return out


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def redecisions(signatures: Sequence[tuple[str, frozenset[str]]]) -> int:
    """Re-decisions that changed something: each decision after the first whose outcome or set
    of fired rules differs from the one before (a re-check that changes nothing is not rework)."""
    return sum(1 for prev, cur in pairwise(signatures) if prev != cur)


# --- satisfaction ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One Likert answer on the 1-5 scale (other scales mapped onto it), so questions with
    scales of different lengths can be averaged and compared with a target such as 4.0."""

    respondent: str  # a pseudonym
    role: str
    production: str
    arm: str
    question: str
    value: float


@dataclass(frozen=True)
class GroupResult:
    """A satisfaction group: its estimate when it has at least K_ANONYMITY respondents, else
    nothing but the fact that it is withheld (not even how many answered)."""

    group: str
    estimate: Estimate | None

    def to_data(self) -> JsonObject:
        """Withheld groups carry no number of any kind."""
        if self.estimate is None:
            return {"group": self.group, "shown": False, "reason": f"fewer than {K_ANONYMITY}"}
        return {"group": self.group, "shown": True, **self.estimate.to_data()}

    def text(self) -> str:
        """The estimate, or why it is withheld."""
        if self.estimate is None:
            return f"withheld (fewer than {K_ANONYMITY} respondents)"
        return self.estimate.text()


def on_five(value: int, low: int, high: int) -> float:
    """A Likert answer mapped linearly onto 1..5 (low end 1, high end 5)."""
    return 1 + 4 * (value - low) / (high - low)


def satisfaction_groups(
    answers: Sequence[Answer], key: Callable[[Answer], str], *, k: int = K_ANONYMITY
) -> list[GroupResult]:
    """Mean satisfaction per group, each respondent's answers averaged first (one person, one
    value); a group of fewer than `k` respondents (never below K_ANONYMITY) is withheld."""
    k = max(k, K_ANONYMITY)
    grouped: defaultdict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        grouped[key(a)].append(a)
    out = []
    for group, members in sorted(grouped.items()):
        means = _person_means(members)  # one value per respondent
        out.append(GroupResult(group, estimate(means, min_n=k) if len(means) >= k else None))
    return out


SATISFACTION_GROUPINGS: Mapping[str, Callable[[Answer], str]] = {
    "arm": lambda a: a.arm,
    "role": lambda a: a.role,
    "production": lambda a: a.production,
    "arm_and_role": lambda a: f"{a.arm}/{a.role}",
}


@dataclass(frozen=True)
class SatisfactionSummary:
    """Satisfaction per arm, role, production and arm and role (each group k-anonymous), and
    pilot minus comparison when both arms have K_ANONYMITY respondents."""

    groups: dict[str, list[GroupResult]]
    difference: Estimate
    target: float | None = None

    def to_data(self) -> JsonObject:
        """Groups under K_ANONYMITY respondents appear only as withheld."""
        return {
            "metric": "satisfaction",
            "unit": "1-5",
            "target": self.target,
            "k_anonymity": K_ANONYMITY,
            "pilot_minus_comparison": self.difference.to_data(),
            "groups": {g: [r.to_data() for r in rs] for g, rs in self.groups.items()},
        }


def summarise_satisfaction(
    answers: Sequence[Answer], *, target: float | None = None
) -> SatisfactionSummary:
    """Every grouping of the answers, with the k-anonymity threshold applied to each group."""
    groups = {
        name: satisfaction_groups(answers, key) for name, key in SATISFACTION_GROUPINGS.items()
    }
    arms = {arm: _person_means([a for a in answers if a.arm == arm]) for arm in (PILOT, COMPARISON)}
    return SatisfactionSummary(
        groups, difference(arms[PILOT], arms[COMPARISON], min_n=K_ANONYMITY), target
    )


def _person_means(answers: Sequence[Answer]) -> list[float]:
    people: defaultdict[str, list[float]] = defaultdict(list)
    for a in answers:
        people[a.respondent].append(a.value)
    return [sum(v) / len(v) for _, v in sorted(people.items())]


def rules_named(text: str, rule_ids: Iterable[str]) -> list[str]:
    """The rule ids a comment names, whole ids only (`NFX-1` is not in `NFX-10`)."""
    return sorted(
        r for r in set(rule_ids) if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text, re.I)
    )


# --- friction per rule -------------------------------------------------------------------


@dataclass(frozen=True)
class RuleAnswer:
    """An approver's answer to a decision the rule fired in, and the rule's tier in it."""

    verdict: str  # approved | rejected
    conditions: bool
    hours: float  # from the declaration's first decision to the answer
    decision_outcome: str  # the tier of the decision answered, from every rule that fired


@dataclass
class RuleFeedback:
    """How one rule fared in practice: the input for its next pack version."""

    pack: str
    rule: str
    title: str
    fired: int = 0  # declarations it fired on
    held: int = 0  # of those, where its own tier held the use for a person
    answers: list[RuleAnswer] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Answers that refused the use."""
        return sum(a.verdict == "rejected" for a in self.answers)

    @property
    def conditioned(self) -> int:
        """Approvals given only with conditions."""
        return sum(a.verdict == "approved" and a.conditions for a in self.answers)

    @property
    def overridden(self) -> int:
        """Refusals of decisions that asked only for a review (tier `escalate`, no rule requiring
        written approval): the approver was stricter than the standards."""
        return sum(
            a.verdict == "rejected" and a.decision_outcome == "escalate" for a in self.answers
        )

    @property
    def friction(self) -> int:
        """Held uses, refusals, conditions, overrides and comments, each counted once."""
        return self.held + self.rejected + self.conditioned + self.overridden + len(self.comments)

    def approval_hours(self) -> Estimate:
        """Mean hours to an answer, `too few` under MIN_N answers."""
        return estimate([a.hours for a in self.answers])

    def to_data(self) -> JsonObject:
        """The row of `standards feedback`."""
        return {
            "pack": self.pack,
            "rule": self.rule,
            "title": self.title,
            "fired": self.fired,
            "held_for_review": self.held,
            "answers": len(self.answers),
            "rejected": self.rejected,
            "with_conditions": self.conditioned,
            "overridden": self.overridden,
            "approval_hours": self.approval_hours().to_data(),
            "comments": list(self.comments),
            "friction": self.friction,
        }


def by_friction(rows: Iterable[RuleFeedback]) -> list[RuleFeedback]:
    """Most friction first; then the most fired; then pack and rule id, for a stable order."""
    return sorted(rows, key=lambda r: (-r.friction, -r.fired, r.pack, r.rule))


# --- contributions and quarters -----------------------------------------------------------


def quarter(day: dt.date) -> str:
    """`2027-Q1`: the investors' summary groups by calendar quarter."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def shares_by_department(
    records: Iterable[tuple[str, float, float]],
) -> dict[str, dict[str, float]]:
    """(department, human %, AI %) records -> each department's record count and mean shares,
    every record weighing the same."""
    acc: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)
    for department, human, ai in records:
        acc[department].append((human, ai))
    return {
        d: {
            "records": float(len(v)),
            "human": round(sum(h for h, _ in v) / len(v), 3),
            "ai": round(sum(a for _, a in v) / len(v), 3),
        }
        for d, v in sorted(acc.items())
    }
