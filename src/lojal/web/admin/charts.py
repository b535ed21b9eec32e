"""Charts drawn on the server as inline SVG: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

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
