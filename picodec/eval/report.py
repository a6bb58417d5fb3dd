"""``picodec plot``: RD curves (PNG) and an HTML report a person can open in a browser.

The report holds the curves, BD-rate tables against every anchor present, mean timings,
and a crop viewer: the centre crop of an image, as the original and as each codec decoded
it at the point nearest a chosen bpp (crops come from the bench cache).
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import numpy as np

from picodec.eval.bdrate import format_table, mean_curves, table
from picodec.eval.bench import HIGHER_IS_BETTER

ANCHORS = ("avif", "jpeg", "webp", "jxl")
TARGET_BPP = (0.1, 0.25, 0.5, 1.0)
VIEWER_IMAGES = 3  # crops of the first few images only: the report stays small enough to commit


def plot_curves(results: dict[str, object], out: Path) -> list[Path]:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for metric in results["metrics"]:  # type: ignore[attr-defined]
        fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=110)
        for codec, (rates, values) in mean_curves(results["records"], metric).items():  # type: ignore[arg-type]
            ax.plot(rates, values, marker="o", markersize=3,
                    linewidth=2.2 if codec.startswith("picodec") else 1.2, label=codec)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 4) if t <= max(
            float(r["bpp"]) for r in results["records"]) * 1.5]  # type: ignore[index, union-attr]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.set_xlabel("bits per pixel (real files, log scale)")
        ax.set_ylabel(metric + ("" if HIGHER_IS_BETTER.get(metric, True) else " (lower is better)"))
        ax.set_title(f"{metric} on {Path(str(results['data'])).name}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        path = out / f"rd_{metric}.png"
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def _nearest(records: list[dict[str, object]], codec: str, image: str, bpp: float) -> dict[str, object]:
    rows = [r for r in records if r["codec"] == codec and r["image"] == image]
    return min(rows, key=lambda r: abs(np.log(float(r["bpp"]) / bpp)))  # type: ignore[arg-type]


def _markdown_table_to_html(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]
    rows = [[html.escape(c.strip()) for c in line.strip("|").split("|")] for line in lines]
    head = "".join(f"<th>{c}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(results_path: str | Path, out: str | Path) -> Path:
    results = json.loads(Path(results_path).read_text())
    out = Path(out)
    shutil.rmtree(out / "crops", ignore_errors=True)  # no crops left over from an earlier run
    (out / "crops").mkdir(parents=True)
    plots = plot_curves(results, out)
    records = results["records"]
    codec_names = list(results["codecs"])

    sections = []
    for anchor in (a for a in ANCHORS if a in codec_names):
        text = format_table(table(results, anchor, HIGHER_IS_BETTER), anchor)
        (out / f"bdrate_vs_{anchor}.md").write_text(text + "\n")
        sections.append(f"<h3>vs {anchor}</h3>" + _markdown_table_to_html(text))

    timing = ["| codec | settings | encode s (mean) | decode s (mean) |", "|---|---|---|---|"]
    for codec in codec_names:
        rows = [r for r in records if r["codec"] == codec]
        timing.append(f"| {codec} | {results['codecs'][codec]['settings']} | "
                      f"{np.mean([r['encode_s'] for r in rows]):.3f} | "
                      f"{np.mean([r['decode_s'] for r in rows]):.3f} |")

    cache = Path(results["cache"])
    viewer: dict[str, dict[str, list[dict[str, object]]]] = {}
    for image in results["images"][:VIEWER_IMAGES]:
        stem = Path(image).stem
        original = cache / "original" / f"{stem}.png"
        if not original.exists():
            continue
        shutil.copy(original, out / "crops" / f"{stem}-original.png")
        viewer[image] = {}
        for target in TARGET_BPP:
            entries = []
            for codec in codec_names:
                r = _nearest(records, codec, image, target)
                crop = cache / codec / f"{stem}-{r['point']}.png"
                if crop.exists():
                    name = f"{stem}-{codec}-{r['point']}.png"
                    shutil.copy(crop, out / "crops" / name)
                    entries.append({"codec": codec, "bpp": round(float(r["bpp"]), 3),
                                    "src": f"crops/{name}"})
            viewer[image][str(target)] = entries

    page = _PAGE.format(
        data=html.escape(str(results["data"])), n_images=len(results["images"]),
        notes="".join(f"<li>{html.escape(n)}</li>" for n in results["notes"]),
        plots="".join(f'<img src="{p.name}" alt="{p.stem}">' for p in plots),
        bd="".join(sections), timing=_markdown_table_to_html("\n".join(timing)),
        viewer=json.dumps(viewer), targets=json.dumps([str(t) for t in TARGET_BPP]))
    path = out / "report.html"
    path.write_text(page)
    return path


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>picodec bench report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; margin: .5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: .25em .6em; text-align: left; font-size: .9em; }}
.plots img {{ width: 32%; min-width: 380px; }}
.crops {{ display: flex; flex-wrap: wrap; gap: 8px; }}
.crops figure {{ margin: 0; }} .crops img {{ width: 256px; height: 256px; image-rendering: pixelated; }}
figcaption {{ font-size: .85em; text-align: center; }}
</style></head><body>
<h1>picodec bench report</h1>
<p>Data: <code>{data}</code> ({n_images} images). Rates are real file sizes (headers included).</p>
<ul>{notes}</ul>
<h2>Rate–quality curves</h2><div class="plots">{plots}</div>
<h2>BD-rate</h2>{bd}
<h2>Timing</h2>{timing}
<h2>Side by side (centre crops, nearest point to the chosen bpp)</h2>
<p>Image <select id="image"></select> target bpp <select id="target"></select></p>
<div class="crops" id="crops"></div>
<script>
const viewer = {viewer}, targets = {targets};
const imageSel = document.getElementById("image"), targetSel = document.getElementById("target");
for (const k of Object.keys(viewer)) imageSel.add(new Option(k, k));
for (const t of targets) targetSel.add(new Option(t, t));
function show() {{
  const image = imageSel.value, stem = image.replace(/\\.[^.]+$/, "");
  const box = document.getElementById("crops");
  box.innerHTML = "";
  const add = (src, label) => {{
    const f = document.createElement("figure"), img = document.createElement("img"),
          c = document.createElement("figcaption");
    img.src = src; img.alt = label; c.textContent = label; f.append(img, c); box.append(f);
  }};
  add(`crops/${{stem}}-original.png`, "original");
  for (const e of (viewer[image] || {{}})[targetSel.value] || []) add(e.src, `${{e.codec}} @ ${{e.bpp}} bpp`);
}}
imageSel.onchange = targetSel.onchange = show; show();
</script></body></html>
"""
