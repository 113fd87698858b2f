"""Each pilot metric against values worked out by hand, and the two guards: no mean from
fewer than MIN_N values, no satisfaction result for fewer than K_ANONYMITY respondents."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from reelproof.core import pilots as core
from reelproof.core.documents import SatisfactionSurveySpec, SurveyResponseSpec
from reelproof.core.surveys import response_problem

T0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_a_mean_needs_five_values_and_its_interval_is_the_bootstrap_percentiles() -> None:
    few = core.estimate([1.0, 2.0, 3.0, 4.0])
    assert not few.shown and few.mean is None and few.low is None
    assert few.to_data() == {"n": 4, "mean": None, "too_few": True, "need": 5}
    assert few.text() == "too few (n=4, need 5)"
    assert not core.estimate([1.0] * 4, min_n=2).shown  # the minimum cannot be lowered
    five = core.estimate([1.0, 2.0, 3.0, 4.0, 5.0])
    assert five.mean == 3.0  # (1+2+3+4+5)/5
    # The interval is the 2.5th and 97.5th percentiles of the resampled means, by hand:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    rng = np.random.default_rng(core.SEED)
    means = x[rng.integers(0, 5, size=(core.RESAMPLES, 5))].mean(axis=1)
    assert (five.low, five.high) == tuple(np.percentile(means, [2.5, 97.5]))
    assert five.low is not None and five.high is not None
    assert 1.0 < five.low < 3.0 < five.high < 5.0
    assert core.estimate([1.0, 2.0, 3.0, 4.0, 5.0]) == five  # seeded: reproducible
    constant = core.estimate([2.5] * 6)
    assert (constant.mean, constant.low, constant.high) == (2.5, 2.5, 2.5)


def test_pilot_minus_comparison_needs_five_in_each_arm() -> None:
    pilot, comparison = [0.5, 0.6, 0.7, 0.4, 0.3], [0.1, 0.2, 0.1, 0.2, 0.4]
    d = core.difference(pilot, comparison)
    assert d.mean == pytest.approx(0.5 - 0.2)  # means 2.5/5 and 1.0/5
    assert d.low is not None and d.high is not None and d.low < 0.3 < d.high
    assert not core.difference(pilot, comparison[:4]).shown
    assert core.difference(pilot, comparison[:4]).n == 4


def test_saved_share_and_summaries_by_group() -> None:
    assert core.saved_share(40, 12) == pytest.approx(0.7)  # 28 of 40 hours saved
    assert core.saved_share(10, 15) == pytest.approx(-0.5)  # AI cost more
    assert core.saved_share(0, 3) is None
    obs = [core.Observation(v, "a", core.PILOT, "vfx", "vfx") for v in (0.1, 0.2, 0.3, 0.4, 0.5)]
    obs += [core.Observation(v, "b", core.COMPARISON, "sound", "mix") for v in (0.0, 0.1)]
    s = core.summarise("hours_saved", "share", obs, target=0.25)
    assert s.arms[core.PILOT].mean == pytest.approx(0.3)
    assert not s.arms[core.COMPARISON].shown and not s.difference.shown
    assert s.groups["production"]["a"].mean == pytest.approx(0.3)
    assert not s.groups["department"]["mix"].shown
    assert s.to_data()["target"] == 0.25
    assert s.to_data()["arms"]["comparison"] == {"n": 2, "mean": None, "too_few": True, "need": 5}


def test_cycle_hours_from_log_events() -> None:
    key = "p1/use-1"
    events = [
        core.LogEvent("document.applied", key, at(0)),
        core.LogEvent("decision.made", key, at(0.5)),
        core.LogEvent("delivery.checked", "p1", at(1), "clear"),  # before approval: not it
        core.LogEvent("approval.rejected", key, at(10)),
        core.LogEvent("document.applied", key, at(20)),  # revised: the first one counts
        core.LogEvent("decision.made", key, at(20)),
        core.LogEvent("approval.approved", key, at(30.5)),
        core.LogEvent("delivery.checked", "p1", at(40), "blocked"),
        core.LogEvent("delivery.checked", "p2", at(41), "clear"),  # another production
        core.LogEvent("delivery.checked", "p1", at(50.5), "clear"),
    ]
    assert core.cycle_hours(key, events, needs_approval=True) == {
        "declared_to_decided": 0.5,
        "decided_to_approved": 30.0,  # 0.5 -> 30.5
        "cleared_to_delivered": 20.0,  # 30.5 -> 50.5
        "total": 50.5,
    }
    # A use that needs no approval is cleared by its decision: the first clear check after it.
    assert core.cycle_hours(key, events, needs_approval=False) == {
        "declared_to_decided": 0.5,
        "cleared_to_delivered": 0.5,
        "total": 1.0,
    }
    assert core.cycle_hours("p1/other", events, needs_approval=False) == {}


def test_rework_counts_only_redecisions_that_changed_something() -> None:
    a, b = frozenset({"NFX-1"}), frozenset({"NFX-1", "NFX-2"})
    sigs = [("inform", a), ("inform", a), ("written_approval", a), ("written_approval", b)]
    assert core.redecisions(sigs) == 2
    assert core.redecisions(sigs[:1]) == 0


def answers(
    group: str, people: int, values: list[float], arm: str = core.PILOT
) -> list[core.Answer]:
    return [
        core.Answer(f"p-{group}{i}", "writer", "prod", arm, f"q{j}", v)
        for i in range(people)
        for j, v in enumerate(values)
    ]


def test_satisfaction_is_withheld_below_five_respondents() -> None:
    four = answers("a", 4, [5.0])
    [withheld] = core.satisfaction_groups(four, lambda a: a.role)
    assert withheld.estimate is None
    assert withheld.to_data() == {"group": "writer", "shown": False, "reason": "fewer than 5"}
    assert "n" not in withheld.to_data() and "mean" not in withheld.to_data()
    [still] = core.satisfaction_groups(four, lambda a: a.role, k=2)  # cannot be lowered
    assert still.estimate is None
    # Many answers from four people are still four people.
    [many] = core.satisfaction_groups(answers("b", 4, [4.0] * 10), lambda a: a.role)
    assert many.estimate is None
    # Five people, each answering 5 and 3: each person's mean is 4, so the group's is 4.
    [five] = core.satisfaction_groups(answers("c", 5, [5.0, 3.0]), lambda a: a.role)
    assert five.estimate is not None and five.estimate.mean == 4.0 and five.estimate.n == 5


def test_satisfaction_summary_withholds_every_small_group() -> None:
    data = answers("p", 6, [4.0], core.PILOT) + answers("c", 3, [2.0], core.COMPARISON)
    s = core.summarise_satisfaction(data, target=4.0).to_data()
    arms = {g["group"]: g for g in s["groups"]["arm"]}
    assert arms["pilot"]["mean"] == 4.0 and arms["pilot"]["n"] == 6
    assert arms["comparison"] == {"group": "comparison", "shown": False, "reason": "fewer than 5"}
    assert s["pilot_minus_comparison"]["too_few"] is True


def test_likert_scales_map_onto_one_to_five() -> None:
    assert core.on_five(1, 1, 5) == 1.0 and core.on_five(5, 1, 5) == 5.0
    assert core.on_five(4, 1, 7) == 3.0  # the middle of 1..7 is the middle of 1..5
    assert core.on_five(0, 0, 10) == 1.0


def test_comments_name_whole_rule_ids() -> None:
    ids = ["NFX-1", "NFX-10", "NFX-2"]
    assert core.rules_named("NFX-1 was slow; nfx-10 fine", ids) == ["NFX-1", "NFX-10"]
    assert core.rules_named("only NFX-10 here", ids) == ["NFX-10"]
    assert core.rules_named("NFX-1x and XNFX-2", ids) == []


def test_friction_adds_held_refusals_conditions_overrides_and_comments() -> None:
    row = core.RuleFeedback("netflix-genai", "NFX-1", "Final deliverables", fired=7, held=4)
    row.answers = [
        core.RuleAnswer("approved", True, 10.0, "written_approval"),
        core.RuleAnswer("approved", False, 20.0, "written_approval"),
        core.RuleAnswer("rejected", False, 30.0, "escalate"),  # stricter than the standards
        core.RuleAnswer("rejected", True, 40.0, "written_approval"),
    ]
    row.comments = ["NFX-1 took a week"]
    assert (row.rejected, row.conditioned, row.overridden) == (2, 1, 1)
    assert row.friction == 4 + 2 + 1 + 1 + 1
    assert not row.approval_hours().shown  # four answers: too few for a mean
    row.answers.append(core.RuleAnswer("approved", False, 50.0, "written_approval"))
    assert row.approval_hours().mean == 30.0  # (10+20+30+40+50)/5
    other = core.RuleFeedback("netflix-genai", "NFX-0", "Tell", fired=9)
    assert [r.rule for r in core.by_friction([other, row])] == ["NFX-1", "NFX-0"]


def test_quarters_and_department_shares() -> None:
    assert core.quarter(dt.date(2027, 3, 31)) == "2027-Q1"
    assert core.quarter(dt.date(2027, 4, 1)) == "2027-Q2"
    shares = core.shares_by_department([("vfx", 60, 40), ("vfx", 80, 20), ("writing", 100, 0)])
    assert shares == {
        "vfx": {"records": 2.0, "human": 70.0, "ai": 30.0},
        "writing": {"records": 1.0, "human": 100.0, "ai": 0.0},
    }


def test_a_response_answers_its_survey_within_the_scales() -> None:
    survey = SatisfactionSurveySpec.model_validate(
        {
            "title": "s",
            "roles": ["writer"],
            "questions": [
                {"id": "q1", "text": "?", "type": "likert"},
                {"id": "q2", "text": "?", "type": "free_text"},
            ],
        }
    )

    def response(role: str, answers: dict[str, int | str]) -> SurveyResponseSpec:
        return SurveyResponseSpec.model_validate(
            {
                "survey": "s",
                "respondent": "p-0123456789abcdef",
                "role": role,
                "production": "p",
                "answers": answers,
            }
        )

    assert response_problem(survey, response("writer", {"q1": 5, "q2": "fine"})) is None
    assert response_problem(survey, response("editor", {}))[0] == "spec.role"  # type: ignore[index]
    key, problem = response_problem(survey, response("writer", {"q1": 6})) or ("", "")
    assert key == "spec.answers.q1" and "from 1 to 5" in problem
    assert response_problem(survey, response("writer", {"q9": 1}))[0] == "spec.answers.q9"  # type: ignore[index]
    assert response_problem(survey, response("writer", {"q2": 3})) is not None
