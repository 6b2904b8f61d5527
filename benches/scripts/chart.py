#!/usr/bin/env python3
"""Draws the benchmark summary as an SVG bar chart (no dependencies).

Usage: chart.py SUMMARY_JSON OUT_SVG

One block per scenario, one horizontal bar per channel, the median ns per
operation printed at the end of each bar. Each block has its own linear
scale (its slowest channel spans the full width), since the scenarios range
from tens of nanoseconds to tens of microseconds; compare bars within a
block, not across blocks. Our channel is drawn in red.
"""

import json
import sys
from xml.sax.saxutils import escape

CHANNELS = ["ours", "oneshot", "tokio", "futures", "crossbeam", "flume", "std"]
COLORS = {
    "ours": "#d62728", "oneshot": "#1f77b4", "tokio": "#2ca02c", "futures": "#9467bd",
    "crossbeam": "#8c564b", "flume": "#e377c2", "std": "#7f7f7f",
}

WIDTH = 880
LABEL_X = 20          # scenario titles
NAME_X = 150          # channel names (right-aligned at this x)
BAR_X = 158
BAR_MAX = WIDTH - BAR_X - 90
BAR_H = 11
BAR_GAP = 3
BLOCK_GAP = 14


def ns(x):
    if x >= 1000:
        return f"{x / 1000:.2f} µs"
    if x >= 100:
        return f"{x:.0f} ns"
    return f"{x:.1f} ns"


def title_case(text):
    return text.replace("`", "")


def draw(summary):
    blocks = [(v["title"], v["median_ns"]) for v in summary["single"].values()]
    blocks += [(v["title"] + f" (median of {summary['runs']} runs)", v["median_ns"])
               for v in summary["cross"].values()]
    parts, y = [], 58
    # Legend.
    x = LABEL_X
    for c in CHANNELS:
        parts.append(f'<rect x="{x}" y="28" width="12" height="12" fill="{COLORS[c]}"/>')
        parts.append(f'<text x="{x + 16}" y="38" class="legend">{c}</text>')
        x += 24 + 8 * len(c) + 14
    for title, values in blocks:
        present = [(c, values[c]) for c in CHANNELS if values.get(c) is not None]
        if not present:
            continue
        top = max(v for _, v in present)
        parts.append(f'<text x="{LABEL_X}" y="{y + 11}" class="title">'
                     f'{escape(title_case(title))}</text>')
        y += 17
        for c, v in present:
            w = max(1.0, BAR_MAX * v / top)
            weight = ' font-weight="bold"' if c == "ours" else ""
            parts.append(f'<text x="{NAME_X}" y="{y + 9}" class="name"{weight}>{c}</text>')
            parts.append(f'<rect x="{BAR_X}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                         f'fill="{COLORS[c]}"><title>{c}: {ns(v)}</title></rect>')
            parts.append(f'<text x="{BAR_X + w + 4:.1f}" y="{y + 9}" class="value"{weight}>'
                         f'{ns(v)}</text>')
            y += BAR_H + BAR_GAP
        y += BLOCK_GAP
    height = y + 10
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">\n'
        '<style>.title{font-size:12px;font-weight:bold;fill:#222}'
        '.name{font-size:10px;text-anchor:end;fill:#333}'
        '.value{font-size:10px;fill:#333}.legend{font-size:11px;fill:#222}'
        '.heading{font-size:14px;font-weight:bold;fill:#111}</style>\n'
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>\n'
        f'<text x="{LABEL_X}" y="18" class="heading">Oneshot channels: median time per '
        'operation (shorter is faster; each block has its own scale)</text>\n'
    )
    return head + "\n".join(parts) + "\n</svg>\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        summary = json.load(f)
    with open(sys.argv[2], "w") as f:
        f.write(draw(summary))


if __name__ == "__main__":
    main()
