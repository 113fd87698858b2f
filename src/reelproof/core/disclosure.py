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
from reelproof.core.errors import DocumentError


@dataclass(frozen=True, slots=True)
class LabelWording:
    """The on-screen words for the obligations of some pack rules in one territory."""

    territory: str
    text: str
    rules: tuple[str, ...]  # the rule-catalogue ids whose `label_visible` duty it words
    cites: tuple[str, ...] = ()  # further catalogue entries its wording follows


@dataclass(frozen=True, slots=True)
class LabelTable:
    """Label wording as pack data (``packs/disclosure/labels.yaml``), so a change of words is
    a data change with its citations, not a code change."""

    labels: tuple[LabelWording, ...]
    default: str

    def text_for(self, territory: str, rules: Iterable[str]) -> str:
        """The wording for a duty from ``rules`` in ``territory``: the label that words one
        of those rules, else the territory's first label, else the default."""
        fired = set(rules)
        here = [lb for lb in self.labels if lb.territory == territory]
        for lb in here:
            if fired & set(lb.rules):
                return lb.text
        return here[0].text if here else self.default


def parse_label_table(data: object, source: str) -> LabelTable:
    """The label table from its parsed YAML; errors name the source and the field."""

    def fail(where: str, expected: str) -> DocumentError:
        return DocumentError(source, None, where, f"expected {expected}")

    def ids(entry: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(f"{where}.{key}", "a list of rule-catalogue ids")
        return tuple(value)

    if not isinstance(data, Mapping):
        raise fail("top level", "a mapping with 'default' and 'labels'")
    default, entries = data.get("default"), data.get("labels")
    if not isinstance(default, str) or not default.strip():
        raise fail("default", "the label text for a territory without its own")
    if not isinstance(entries, list):
        raise fail("labels", "a list of labels")
    labels = []
    for i, entry in enumerate(entries):
        where = f"labels[{i}]"
        if not isinstance(entry, Mapping):
            raise fail(where, "a mapping with territory, text and rules")
        territory, text = entry.get("territory"), entry.get("text")
        if not isinstance(territory, str) or not territory:
            raise fail(f"{where}.territory", "a territory code such as EU or US-NY")
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{where}.text", "the label's words")
        rules = ids(entry, "rules", where)
        if not rules:
            raise fail(f"{where}.rules", "at least one rule id whose duty the label words")
        labels.append(LabelWording(territory, text.strip(), rules, ids(entry, "cites", where)))
    return LabelTable(tuple(labels), default.strip())


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


def territory_labels(uses: Iterable[DisclosedUse], table: LabelTable) -> list[TerritoryLabel]:
    """One label per territory and wording, with the uses it covers and the duties behind it."""
    by: dict[tuple[str, str], list[tuple[DisclosedUse, Requirement]]] = {}
    for u in uses:
        for r in u.requirements:
            if r.kind == "label_visible":
                text = table.text_for(r.territory, r.rules)
                by.setdefault((r.territory, text), []).append((u, r))
    return [
        TerritoryLabel(
            territory,
            items[0][1].released,
            text,
            tuple(dict.fromkeys(u.key for u, _ in items)),
            tuple(dict.fromkeys(f"{r.detail} ({', '.join(r.rules)})" for _, r in items)),
        )
        for (territory, text), items in sorted(by.items())
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
