"""Charts drawn on the server as inline SVG: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape


def bar_chart(points: list[tuple[str, int]], *, title: str, width: int = 960, height: int = 220) -> str:
    """Bars with a label every fourth point and the maximum marked on the axis."""
    left, bottom, top = 44, 28, 12
    plot_width, plot_height = width - left - 8, height - bottom - top
    peak = max((value for _, value in points), default=0) or 1
    step = plot_width / max(len(points), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 8}" y2="{top + plot_height}" class="axis"/>',
             f'<text x="{left - 6}" y="{top + 4}" class="tick" text-anchor="end">{peak}</text>',
             f'<text x="{left - 6}" y="{top + plot_height}" class="tick" text-anchor="end">0</text>']
    for index, (label, value) in enumerate(points):
        bar_height = plot_height * value / peak
        x = left + index * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_height - bar_height:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{bar_height:.1f}" class="bar"><title>{escape(label)}: {value}</title></rect>')
        if index % 4 == 0:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" class="tick" text-anchor="middle">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)


# --- line chart, histogram, heatmap ------------------------------------------------------------

SERIES_CLASSES = ("s1", "s2", "s3", "s4")


@dataclass(frozen=True)
class Series:
    """One line: its name (in the legend), its values (None leaves a gap), and its look."""

    name: str
    values: list[float | None]
    css: str = "s1"
    dashed: bool = False


def nice_ticks(peak: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``peak``: steps of 1, 2, 2.5 or 5 x 10^k."""
    if not peak > 0 or not math.isfinite(peak):
        return [0.0, 1.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power >= raw)
    return [step * index for index in range(math.ceil(peak / step - 1e-9) + 1)]


def _y_axis(parts: list[str], ticks: list[float], text: Callable[[float], str], left: float, right: float,
            top: float, plot_height: float) -> None:
    top_value = ticks[-1] or 1
    for tick in ticks:
        y = top + plot_height - plot_height * tick / top_value
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="{"axis" if tick == 0 else "gridline"}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{escape(text(tick))}</text>')


def _legend(series: list[Series]) -> str:
    items = "".join(f'<span class="key {item.css}{" dashed" if item.dashed else ""}"><i></i>{escape(item.name)}</span>'
                    for item in series)
    return f'<div class="legend">{items}</div>'


def line_chart(labels: list[str], series: list[Series], *, title: str, value_text: Callable[[float], str],
               width: int = 960, height: int = 240, label_every: int = 1, points: bool = True) -> str:
    """Lines over categories (months, frequencies), a legend above, round ticks on the left and a
    tooltip on every point; a value of None breaks the line."""
    left, right, bottom, top = 58, 16, 26, 12
    plot_width, plot_height = width - left - right, height - bottom - top
    values = [value for item in series for value in item.values if value is not None and math.isfinite(value)]
    ticks = nice_ticks(max(values, default=0.0))
    top_value = ticks[-1] or 1
    step = plot_width / max(len(labels), 1)
    parts = [_legend(series), f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    _y_axis(parts, ticks, value_text, left, width - right, top, plot_height)

    def position(index: int, value: float) -> tuple[float, float]:
        return left + step * (index + 0.5), top + plot_height - plot_height * value / top_value

    for index, label in enumerate(labels):
        if index % label_every == 0:
            parts.append(f'<text x="{position(index, 0)[0]:.1f}" y="{height - 7}" class="tick" text-anchor="middle">'
                         f"{escape(label)}</text>")
    for item in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(item.values):
            if value is None or not math.isfinite(value):
                runs.append([])
            else:
                runs[-1].append(position(index, value))
        line_class = f"line {item.css}" + (" dashed" if item.dashed else "")
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(f'<polyline points="{path}" class="{line_class}"/>')
        if points:
            for index, value in enumerate(item.values):
                if value is not None and math.isfinite(value):
                    x, y = position(index, value)
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="point {item.css}"><title>'
                                 f"{escape(item.name)}, {escape(labels[index])}: {escape(value_text(value))}"
                                 "</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def histogram(bins: list[tuple[str, str, int]], *, title: str, count_text: Callable[[float], str],
              width: int = 960, height: int = 240, max_labels: int = 11) -> str:
    """Adjacent bars, one per (axis label, tooltip, count), the axis labelled at most ``max_labels``
    times."""
    left, right, bottom, top = 58, 16, 26, 12
    plot_width, plot_height = width - left - right, height - bottom - top
    ticks = nice_ticks(max((count for _, _, count in bins), default=0))
    top_value = ticks[-1] or 1
    step = plot_width / max(len(bins), 1)
    label_every = max(1, math.ceil(len(bins) / max_labels))
    parts = [f'<svg class="chart histogram" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    _y_axis(parts, ticks, count_text, left, width - right, top, plot_height)
    for index, (label, tooltip, count) in enumerate(bins):
        bar_height = plot_height * count / top_value
        x = left + index * step
        parts.append(f'<rect x="{x + 1:.1f}" y="{top + plot_height - bar_height:.1f}" width="{max(step - 2, 1):.1f}" '
                     f'height="{bar_height:.1f}" class="bar"><title>{escape(tooltip)}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 7}" class="tick" text-anchor="start">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class HeatCell:
    """A cell: its share (0..1, the colour), its text, its tooltip and data attributes."""

    share: float | None
    text: str
    tooltip: str
    data: dict[str, str] = field(default_factory=dict)


def heat_colour(share: float) -> tuple[str, str]:
    """Background and text colour: white to the accent green, dark text on light cells."""
    strength = max(0.0, min(1.0, share)) ** 0.75
    red, green, blue = (round(255 - (255 - channel) * strength) for channel in (47, 107, 94))
    return f"rgb({red},{green},{blue})", "#fff" if strength > 0.62 else "#1d2433"


def heatmap(columns: list[str], rows: list[tuple[list[str], list[HeatCell | None]]], *, caption: str,
            header_columns: list[str], scale_max: float = 1.0) -> str:
    """A table coloured by each cell's share of ``scale_max``. Each row has its header cells (the
    first is the row's header) and its cells; None is a cell not observed (left blank)."""
    head = "".join(f'<th scope="col">{escape(label)}</th>' for label in header_columns)
    head += "".join(f'<th scope="col" class="num">{escape(label)}</th>' for label in columns)
    body = []
    for headers, cells in rows:
        row = [f'<th scope="row">{escape(headers[0])}</th>'] + [f'<td class="num">{escape(text)}</td>'
                                                               for text in headers[1:]]
        for cell in cells:
            if cell is None:
                row.append('<td class="empty"></td>')
                continue
            data = "".join(f' data-{escape(key)}="{escape(value)}"' for key, value in cell.data.items())
            if cell.share is None:
                row.append(f'<td class="num"{data} title="{escape(cell.tooltip)}">{escape(cell.text)}</td>')
                continue
            background, ink = heat_colour(cell.share / scale_max if scale_max else 0.0)
            row.append(f'<td class="num"{data} style="background:{background};color:{ink}" '
                       f'title="{escape(cell.tooltip)}">{escape(cell.text)}</td>')
        body.append("<tr>" + "".join(row) + "</tr>")
    return (f'<div class="heatmap-wrap"><table class="heatmap"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
