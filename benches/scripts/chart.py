#!/usr/bin/env python3
"""Draws the benchmark summary as an SVG bar chart (no dependencies).

Usage: chart.py SUMMARY_JSON OUT_SVG
       chart.py --matrix SUMMARY_JSON OUT_SVG   # the queue-channel matrix

--matrix draws the queue channels' matrix and round trip as a grid: one row
per case, one column per channel, the median wall time per message in each
cell and, below it in grey, the median CPU time per message (user + system
time of the whole process over the run: a channel that waits by spinning
shows a CPU time near or above its wall time); shaded by the wall time's
ratio to the fastest channel of the row (white: the fastest; darker: slower,
log scale, darkest at 10x or more); "n/a", "hang", "lost" cells are grey.

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


QUEUES = ["ours", "crossbeam", "flume", "kanal", "crossfire", "tachyonix", "async-channel", "tokio",
          "std"]
ROUND_TRIP = ["ours", "tokio", "flume"]


def shade(ratio):
    """White at 1x, deepening orange to 10x and beyond (log scale)."""
    import math
    t = min(1.0, math.log10(max(ratio, 1.0)))
    r, g, b = (255, int(255 - 150 * t), int(255 - 215 * t))
    return f"#{r:02x}{g:02x}{b:02x}"


def draw_matrix(summary):
    cell_w, row_h, name_w, left = 92, 27, 250, 12
    parts, y = [], 46
    sections = [("matrix", QUEUES, "ns per message"), ("roundtrip", ROUND_TRIP, "ns per request")]
    width = left + name_w + cell_w * len(QUEUES) + 12
    for kind, channels, unit in sections:
        rows = summary.get(kind) or {}
        if not rows:
            continue
        # Column heads.
        for j, c in enumerate(channels):
            x = left + name_w + j * cell_w + cell_w / 2
            weight = ' font-weight="bold"' if c == "ours" else ""
            parts.append(f'<text x="{x:.0f}" y="{y}" class="head"{weight}>{escape(c)}</text>')
        parts.append(f'<text x="{left}" y="{y}" class="head" style="text-anchor:start">'
                     f'{escape(unit)}</text>')
        y += 6
        for cid, row in rows.items():
            med = row["median_ns"]
            cpu = row.get("cpu_median_ns") or {}
            status = row.get("status", {})
            present = [v for v in med.values() if v]
            best = min(present) if present else None
            parts.append(f'<text x="{left}" y="{y + 16}" class="case">{escape(cid)}</text>')
            for j, c in enumerate(channels):
                x = left + name_w + j * cell_w
                v = med.get(c)
                if v and best:
                    fill, text = shade(v / best), ns(v)
                else:
                    fill = "#e4e4e4"
                    st = status.get(c)
                    text = (st or "—").split()[0] if st else "—"
                cpu_text = f"cpu {ns(cpu[c])}" if v and best and cpu.get(c) else ""
                tip = text + (f", {cpu_text}" if cpu_text else "")
                parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{row_h - 2}" '
                             f'fill="{fill}"><title>{escape(c)}, {escape(cid)}: '
                             f'{escape(tip)}</title></rect>')
                weight = ' font-weight="bold"' if c == "ours" else ""
                parts.append(f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 11}" class="val"{weight}>'
                             f'{escape(text)}</text>')
                if cpu_text:
                    parts.append(f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 22}" class="cpu">'
                                 f'{escape(cpu_text)}</text>')
            y += row_h
        y += 26
    height = y
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">\n'
        '<style>.case{font-size:10px;fill:#222}.val{font-size:10px;text-anchor:middle;fill:#111}'
        '.cpu{font-size:9px;text-anchor:middle;fill:#444}'
        '.head{font-size:11px;text-anchor:middle;fill:#222}'
        '.heading{font-size:14px;font-weight:bold;fill:#111}</style>\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n'
        f'<text x="{left}" y="20" class="heading">Queue channels: median wall time per message, '
        'CPU time below (white: fastest of the row; darker: slower, log scale to 10x)</text>\n'
    )
    return head + "\n".join(parts) + "\n</svg>\n"


def main():
    args = sys.argv[1:]
    matrix = args[:1] == ["--matrix"]
    if matrix:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    with open(args[0]) as f:
        summary = json.load(f)
    with open(args[1], "w") as f:
        f.write(draw_matrix(summary) if matrix else draw(summary))


if __name__ == "__main__":
    main()
