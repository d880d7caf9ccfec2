"""The dashboard's figures as PNG files, drawn with matplotlib (no browser needed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import plotly.graph_objects as go  # noqa: E402


def _axis(values: list) -> list:
    """ISO dates as dates (so a time axis stays in order), anything else as text."""
    try:
        return [date.fromisoformat(str(value)[:10]) for value in values]
    except ValueError:
        return [str(value) for value in values]


def to_png(figure: go.Figure, path: Path) -> Path:
    """Draw a plotly figure's bar and line traces with matplotlib and save it as PNG."""
    axes_figure, axes = plt.subplots(figsize=(10, 4.5))
    try:
        stacked: dict[object, float] = {}
        for trace in figure.data:
            x, y = list(trace.x or []), list(trace.y or [])
            if trace.type == "bar" and trace.orientation == "h":
                axes.barh([str(v) for v in y], x, label=trace.name)
            elif trace.type == "bar":
                labels = _axis(x)
                bottom = [stacked.get(label, 0.0) for label in labels]
                axes.bar(labels, y, bottom=bottom, label=trace.name)
                for label, value in zip(labels, y, strict=True):
                    stacked[label] = stacked.get(label, 0.0) + float(value or 0)
            else:
                axes.plot(_axis(x), y, marker="." if trace.mode != "lines" else None, label=trace.name)
        axes.set_title(figure.layout.title.text or "")
        if any(trace.name for trace in figure.data):
            axes.legend(fontsize="small", loc="best")
        axes.tick_params(axis="x", labelrotation=45, labelsize="small")
        axes_figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        axes_figure.savefig(path, dpi=100)
    finally:
        plt.close(axes_figure)
    return path


def export_all(figures: dict[str, go.Figure], folder: Path) -> list[Path]:
    """Every figure as ``<name>.png`` in a folder."""
    return [to_png(figure, folder / f"{name}.png") for name, figure in figures.items()]
