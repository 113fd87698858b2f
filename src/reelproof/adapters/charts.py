"""Charts as SVG text, drawn by matplotlib's Agg backend: no browser, no network, the same
bytes for the same numbers (a fixed hash salt per chart, no date in the metadata)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from reelproof.core.errors import ReelproofError

PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#7f8c8d", "#2980b9", "#8e44ad")


@contextmanager
def _figure(salt: str) -> Iterator[tuple[Any, Any]]:
    """A matplotlib figure and axes, closed afterwards; the SVG ids depend on `salt` only."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError as exc:  # pragma: no cover - the extra is part of setup.sh
        raise ReelproofError("charts need matplotlib: pip install 'reelproof[report]'") from exc
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(7, 3.2))
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def _finish(fig: Any, ax: Any, title: str, ylabel: str, empty: bool, legend: bool) -> str:
    if empty:
        ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(fontsize="small", frameon=False)
    ax.tick_params(axis="x", labelrotation=20, labelsize="small")
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: no XML declaration or doctype


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    ylabel: str,
    salt: str,
) -> str:
    """One bar per category, one stacked segment per series; values as drawn are the data.
    `salt` makes the SVG's element ids unique to the chart when several share a page."""
    with _figure(salt) as (fig, ax):
        bottom = [0.0] * len(categories)
        for n, (name, values) in enumerate(series.items()):
            ax.bar(
                list(categories),
                list(values),
                bottom=bottom,
                label=name,
                color=PALETTE[n % len(PALETTE)],
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        return _finish(fig, ax, title, ylabel, not categories, len(series) > 1)


Interval = tuple[float, float, float] | None  # (mean, low, high); None: too few to show


def interval_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[Interval]],
    ylabel: str,
    salt: str,
) -> str:
    """Grouped bars, one per series in each category, with the interval as an error bar; a
    value too few to show is drawn as no bar and labelled `too few`."""
    with _figure(salt) as (fig, ax):
        width = 0.8 / max(len(series), 1)
        for n, (name, values) in enumerate(series.items()):
            xs = [i + (n - (len(series) - 1) / 2) * width for i in range(len(categories))]
            for x, v in zip(xs, values, strict=True):
                if v is None:
                    ax.text(x, 0, "too few", ha="center", va="bottom", fontsize="x-small")
            shown = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            ax.bar(
                [x for x, _ in shown],
                [v[0] for _, v in shown],
                width=width,
                label=name,
                color=PALETTE[n % len(PALETTE)],
                yerr=[[v[0] - v[1] for _, v in shown], [v[2] - v[0] for _, v in shown]],
                capsize=3,
            )
        ax.set_xticks(range(len(categories)), list(categories))
        ax.axhline(0, color="#555", linewidth=0.6)
        return _finish(fig, ax, title, ylabel, not categories, len(series) > 1)
