"""Survey responses: imported from CSV under pseudonyms, checked against their survey.

A respondent column (a name, an e-mail, a staff number) never reaches the store: it becomes
`p-` and 16 hex digits of an HMAC keyed by a secret kept in the store and salted with the
survey id, so one person's responses to one survey share a pseudonym (a re-import replaces
them), different surveys cannot be linked, and nobody reading the responses sees a name.
That is pseudonymous, not anonymous: whoever holds the store and a candidate name can
recompute the pseudonym, which is why results are shown only for groups of five or more.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reelproof.adapters.store import meta
from reelproof.adapters.store.db import Connection
from reelproof.adapters.store.documents import StoredDocument, latest
from reelproof.core.documents import (
    AnyDocument,
    RawDocument,
    SatisfactionSurvey,
    SurveyResponse,
    validate,
)
from reelproof.core.errors import ConflictError, DocumentError
from reelproof.core.json_types import JsonObject
from reelproof.core.surveys import response_problem
from reelproof.services import documents as docsvc
from reelproof.services.context import Context

PSEUDONYM_KEY = "survey_pseudonym_key"
FIXED_COLUMNS = ("respondent", "role", "production")
FORM = "<survey form>"


def pseudonym(secret: bytes, survey: str, respondent: str) -> str:
    """The respondent's pseudonym in this survey (case and surrounding space ignored)."""
    digest = hmac.new(secret, f"{survey}\0{respondent.strip().lower()}".encode(), hashlib.sha256)
    return "p-" + digest.hexdigest()[:16]


def _secret(conn: Connection) -> bytes:
    value = meta.get(conn, PSEUDONYM_KEY)
    if value is None:
        value = secrets.token_hex(32)
        meta.put(conn, PSEUDONYM_KEY, value)
    return bytes.fromhex(value)


@dataclass
class ImportResult:
    """What `survey import` stored: one response document per respondent."""

    file: str
    survey: str
    documents: list[StoredDocument]

    def to_data(self) -> JsonObject:
        """Counts by status and the pseudonymous ids; never a respondent's name."""
        return {
            "file": self.file,
            "survey": self.survey,
            "responses": len(self.documents),
            "created": sum(d.status == "created" for d in self.documents),
            "revised": sum(d.status == "revised" for d in self.documents),
            "unchanged": sum(d.status == "unchanged" for d in self.documents),
            "ids": [d.key for d in self.documents],
        }


def _cell(survey: SatisfactionSurvey, qid: str, text: str) -> int | str:
    question = next(q for q in survey.spec.questions if q.id == qid)
    if question.type == "free_text":
        return text
    try:
        return int(text)
    except ValueError:
        return text  # the survey check names the expected range


def _checked(raw: RawDocument, survey: SatisfactionSurvey) -> AnyDocument:
    """The row as a response, or an error naming the CSV line and column (not the key)."""
    try:
        doc = validate(raw)
        assert isinstance(doc, SurveyResponse)
        problem = response_problem(survey.spec, doc.spec)
        if problem is not None:
            raise DocumentError(raw.file, raw.line, *problem)
    except DocumentError as exc:
        column = (exc.key or "").removeprefix("spec.").removeprefix("answers.")
        problem_text = exc.problem.split(" (document ")[0]
        raise DocumentError(raw.file, raw.line, column or None, problem_text) from None
    return doc


def _row(
    today: dt.date,
    survey: SatisfactionSurvey,
    alias: str,
    role: str | None,
    production: str | None,
    cells: Mapping[str, str],
) -> RawDocument:
    """One respondent's answers as a SurveyResponse, whether a CSV row or a web form gave
    them: blank answers are left out, Likert answers read as whole numbers."""
    answers = {q: _cell(survey, q, t.strip()) for q, t in cells.items() if t.strip()}
    data: JsonObject = {
        "apiVersion": "reelproof/v1",
        "kind": "SurveyResponse",
        "metadata": {"id": f"{survey.id}.{alias}"},
        "spec": {
            "survey": survey.id,
            "respondent": alias,
            "role": (role or "").strip(),
            "production": (production or "").strip(),
            "answers": answers,
            "submitted_at": today.isoformat(),
        },
    }
    return RawDocument(FORM, 0, 1, data, {})


def import_csv(ctx: Context, path: Path, survey_id: str) -> ImportResult:
    """Store one SurveyResponse per CSV row; any bad row stores nothing and names its line and
    column. Columns: respondent, role, production, then one per question id."""
    source = docsvc.SourceFile.read(path)
    # A spreadsheet's UTF-8 export starts with a byte-order mark; it is not part of a column.
    reader = csv.DictReader(io.StringIO(source.text.removeprefix("\ufeff"), newline=""))
    header = reader.fieldnames or []
    with ctx.write() as unit:
        survey = docsvc.survey_of(unit.conn, survey_id)
        questions = [q.id for q in survey.spec.questions]
        for column in FIXED_COLUMNS:
            if column not in header:
                raise DocumentError(source.name, 1, column, "required column is missing")
        for column in header:
            if column not in (*FIXED_COLUMNS, *questions):
                raise DocumentError(
                    source.name,
                    1,
                    column,
                    f"unknown column; expected {', '.join(FIXED_COLUMNS)} and the survey's "
                    f"questions ({', '.join(questions)})",
                )
        secret = _secret(unit.conn)
        docs: list[tuple[AnyDocument, RawDocument]] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if None in row:
                raise DocumentError(source.name, line, None, "more cells than columns")
            who = (row.get("respondent") or "").strip()
            if not who:
                raise DocumentError(source.name, line, "respondent", "empty respondent")
            alias = pseudonym(secret, survey_id, who)
            if alias in seen:
                raise DocumentError(
                    source.name, line, "respondent", f"the same respondent as line {seen[alias]}"
                )
            seen[alias] = line
            cells = {q: row.get(q) or "" for q in questions}
            raw = _row(unit.today, survey, alias, row.get("role"), row.get("production"), cells)
            raw = RawDocument(source.name, len(docs), line, raw.data, {})
            docs.append((_checked(raw, survey), raw))
        if not docs:
            raise DocumentError(source.name, None, None, "no responses in the file")
        parsed = [docsvc.ParsedFile(source.name, docs)]
        result = docsvc.apply_in(unit, parsed)
    return ImportResult(source.name, survey_id, result.documents)


def submit(
    ctx: Context,
    survey_id: str,
    respondent: str,
    role: str,
    production: str,
    cells: Mapping[str, str],
) -> StoredDocument:
    """Store one person's answers from the web form, exactly as `import_csv` stores a row.
    The pseudonym is the same for the same person and survey, so a second answer is refused
    (ConflictError) instead of silently replacing the first."""
    with ctx.write() as unit:
        survey = docsvc.survey_of(unit.conn, survey_id)
        unknown = sorted(set(cells) - {q.id for q in survey.spec.questions})
        if unknown:
            raise DocumentError(FORM, None, unknown[0], "the survey has no such question")
        alias = pseudonym(_secret(unit.conn), survey_id, respondent)
        if latest(unit.conn, "SurveyResponse", f"{survey_id}.{alias}") is not None:
            raise ConflictError(f"you have already answered the survey {survey_id}")
        raw = _row(unit.today, survey, alias, role, production, cells)
        parsed = [docsvc.ParsedFile(FORM, [(_checked(raw, survey), raw)])]
        return docsvc.apply_in(unit, parsed).documents[0]
