"""Charts as SVG text, drawn by matplotlib's Agg backend: no browser, no network, the same
bytes for the same numbers (a fixed hash salt per chart, no date in the metadata)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from reelproof.core.errors import ReelproofError

PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#7f8c8d", "#2980b9", "#8e44ad")


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    ylabel: str,
    salt: str,
) -> str:
    """One bar per category, one stacked segment per series; values as drawn are the data.
    `salt` makes the SVG's element ids unique to the chart when several share a page."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError as exc:  # pragma: no cover - the extra is part of setup.sh
        raise ReelproofError("charts need matplotlib: pip install 'reelproof[report]'") from exc
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(7, 3.2))
        try:
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
            if not categories:
                ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(title)
            ax.set_ylabel(ylabel)
            if len(series) > 1:
                ax.legend(fontsize="small", frameon=False)
            ax.tick_params(axis="x", labelrotation=20, labelsize="small")
            fig.tight_layout()
            out = io.StringIO()
            fig.savefig(out, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: no XML declaration or doctype
