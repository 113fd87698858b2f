"""Survey responses checked against their survey: pure, and light enough for `apply`'s path
(no numpy), since every apply of a SurveyResponse runs it."""

from __future__ import annotations

from reelproof.core.documents import SatisfactionSurveySpec, SurveyResponseSpec


def response_problem(
    survey: SatisfactionSurveySpec, response: SurveyResponseSpec
) -> tuple[str, str] | None:
    """(key, problem) for the first answer the survey does not allow, or None: a response
    answers the survey's own questions, within their scales, from one of its roles."""
    if response.role not in survey.roles:
        return (
            "spec.role",
            f"{response.role!r} is not among the survey's roles ({', '.join(survey.roles)})",
        )
    questions = {q.id: q for q in survey.questions}
    for qid, value in response.answers.items():
        q = questions.get(qid)
        where = f"spec.answers.{qid}"
        if q is None:
            return (
                where,
                f"the survey has no question {qid!r}; expected one of {', '.join(questions)}",
            )
        if q.type == "free_text":
            if not isinstance(value, str):
                return where, f"question {qid!r} takes free text, got {value!r}"
            continue
        scale = q.likert
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not scale.min <= value <= scale.max
        ):
            return where, f"got {value!r}; expected a whole number from {scale.min} to {scale.max}"
    return None
