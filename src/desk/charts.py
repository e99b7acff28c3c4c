"""Bar charts as inline SVG, drawn on the server.

The desk's pages carry no script (the Content-Security-Policy forbids every one), so the
charts are SVG elements in the page itself: colours are SVG presentation attributes, not
``style`` attributes, and every text is escaped. Each bar has a ``<title>`` with its
figure, which browsers show on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 900, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
PALETTE = (
    "#0b5cad",
    "#e08a00",
    "#2e8540",
    "#a4262c",
    "#6b4fa0",
    "#00838f",
    "#8d6e63",
    "#c2185b",
    "#5b6470",
    "#9e9d24",
    "#3949ab",
    "#d84315",
)


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of figures, one value a period (``None`` for no figure)."""

    name: str
    values: tuple[float | None, ...]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, stacked: bool, unit: str = ""
) -> Markup:
    """An SVG bar chart: per label, the series stacked or side by side, with a legend."""
    shown = [s for s in series if any(v for v in s.values)]
    totals = [
        sum((s.values[i] or 0) for s in shown)
        if stacked
        else max([(s.values[i] or 0) for s in shown], default=0)
        for i in range(len(labels))
    ]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.7 if stacked else slot * 0.8 / max(len(shown), 1)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT + 20 * math.ceil(len(shown) / 5)}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d5dae0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5b6470">{escape(_number(top * tick / 4))}</text>'
        )
    every = max(1, math.ceil(len(labels) / 16))
    for i, label in enumerate(labels):
        x0 = LEFT + slot * i + (slot - (bar_w if stacked else bar_w * len(shown))) / 2
        base: float = TOP + plot_h
        for n, s in enumerate(shown):
            figure = s.values[i]
            if not figure:
                continue
            height = plot_h * figure / top
            x = x0 if stacked else x0 + bar_w * n
            y = base - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)} · '
                f"{escape(s.name)}: {escape(_number(figure))}{escape(unit)}</title></rect>"
            )
            if stacked:
                base = y
        if i % every == 0:
            parts.append(
                f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle" font-size="11" fill="#1b1f24">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#5b6470" stroke-width="1"/>'
    )
    for n, s in enumerate(shown):
        x = LEFT + (n % 5) * 170
        y = HEIGHT - 8 + 20 * (n // 5)
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{x + 18}" y="{y}" font-size="12" fill="#1b1f24">{escape(s.name)}</text>'
        )
    if not shown:
        parts.append(
            f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
            'font-size="13" fill="#5b6470">nothing in these periods</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside went through escape()
