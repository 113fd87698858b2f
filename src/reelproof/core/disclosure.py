"""What the audience is told: credits wording, on-screen labels per territory, and the
disclosure page's content. Pure; the legal duty (which territory, which rule) comes from the
packs' `label_visible` obligations, this module only words it.

The credits line follows the form Art. 50(4) AI Act allows for evidently artistic works: a
disclosure "that does not hamper the display or enjoyment of the work", naming what was
generated and what was altered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from reelproof.core.delivery import Requirement

# On-screen wording per territory (local language first); the legal text that asks for it
# is quoted from the pack's obligation beside it.
LABELS: Mapping[str, str] = {
    "EU": "Contains content generated or altered with artificial intelligence",
    "KR": "AI 생성 콘텐츠 (AI-generated content)",
    "CN": "人工智能生成 (AI-generated)",
    "US-NY": "This advertisement includes a synthetic performer",
}
DEFAULT_LABEL = "Contains AI-generated content"


@dataclass(frozen=True, slots=True)
class DisclosedUse:
    """A declared use in the deliverable, with what each territory requires of it."""

    key: str
    title: str
    classification: str  # ai_generated | ai_edited | … (strongest of its delivered assets)
    requirements: tuple[Requirement, ...]
    union_notices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TerritoryLabel:
    """The audience label a territory needs at its release, and the uses that need it."""

    territory: str
    released: str
    text: str
    uses: tuple[str, ...]
    why: tuple[str, ...]  # the pack obligations' details, with their rule ids


def credits(medium: str, uses: Sequence[DisclosedUse]) -> list[str]:
    """Credits wording for the medium: what a producer pastes into the end credits."""
    generated = [u.title for u in uses if u.classification == "ai_generated"]
    altered = [u.title for u in uses if u.classification != "ai_generated"]
    lines = []
    if generated or altered:
        lines.append(
            f"This {medium} contains content generated or altered with artificial intelligence."
        )
    if generated:
        lines.append("Generated with AI: " + "; ".join(generated) + ".")
    if altered:
        lines.append("Altered with AI: " + "; ".join(altered) + ".")
    return lines


def label_for(territory: str) -> str:
    """The label text for a territory, or the default where none is set."""
    return LABELS.get(territory, DEFAULT_LABEL)


def territory_labels(uses: Iterable[DisclosedUse]) -> list[TerritoryLabel]:
    """One label per territory whose law asks for a visible disclosure, with why."""
    by: dict[str, list[tuple[DisclosedUse, Requirement]]] = {}
    for u in uses:
        for r in u.requirements:
            if r.kind == "label_visible":
                by.setdefault(r.territory, []).append((u, r))
    return [
        TerritoryLabel(
            territory,
            items[0][1].released,
            label_for(territory),
            tuple(dict.fromkeys(u.key for u, _ in items)),
            tuple(dict.fromkeys(f"{r.detail} ({', '.join(r.rules)})" for _, r in items)),
        )
        for territory, items in sorted(by.items())
    ]


def page(
    title: str, medium: str, uses: Sequence[DisclosedUse], labels: Sequence[TerritoryLabel]
) -> str:
    """The audience-facing disclosure page (self-contained HTML, every value escaped)."""
    rows = "".join(
        f"<li><strong>{escape(u.title)}</strong>: "
        f"{'generated' if u.classification == 'ai_generated' else 'altered'} with AI</li>"
        for u in uses
    )
    label_rows = "".join(f"<li>{escape(lb.territory)}: “{escape(lb.text)}”</li>" for lb in labels)
    body = "".join(f"<p>{escape(line)}</p>" for line in credits(medium, uses))
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>AI in {escape(title)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto}</style>"
        f"<h1>Artificial intelligence in {escape(title)}</h1>{body}"
        f"<h2>What was made or changed with AI</h2><ul>{rows or '<li>nothing</li>'}</ul>"
        f"<h2>Labels by territory</h2><ul>{label_rows or '<li>none required</li>'}</ul>"
        "</html>\n"
    )
