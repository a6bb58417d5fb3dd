"""``picodec arena score``: Elo per (codec, level) from a study's votes, plots and BD-rates.

    votes.sqlite ─► screened raters' votes ─► Bayesian Bradley–Terry (score.fit)
        ─► scores.json: Elo, 95 % interval, votes and mean bpp per condition
        ─► elo_vs_bpp.png: one curve per codec (bars: credible intervals)
        ─► report.md: the table, and BD-rate on the Elo-vs-bpp curves against an anchor
"""

from __future__ import annotations

import json
from pathlib import Path

from picodec.arena import study as studies
from picodec.arena.db import Store
from picodec.arena.score import Rating, fit, study_votes
from picodec.eval.bdrate import bd_rate


def curves(ratings: dict[str, Rating], bpp: dict[str, float | None]
           ) -> dict[str, list[tuple[float, Rating]]]:
    """Per codec: (mean bpp, rating) of its levels, by rate."""
    out: dict[str, list[tuple[float, Rating]]] = {}
    for cond, rating in ratings.items():
        rate = bpp.get(cond)
        if rate is not None and rating.votes:
            out.setdefault(cond.rsplit("@", 1)[0], []).append((rate, rating))
    return {codec: sorted(points, key=lambda p: p[0]) for codec, points in out.items()}


def score(study_dir: str | Path, out: str | Path | None = None, anchor: str | None = None
          ) -> dict[str, object]:
    """Fit, then write scores.json, elo_vs_bpp.png and report.md into ``out``."""
    study = studies.load(study_dir)
    votes, stats = study_votes(Store(study.folder / "votes.sqlite").votes())
    if not votes:
        raise ValueError("no scored votes yet (or every rater was screened out)")
    ratings = fit(list(study.conditions), votes, reference=studies.ORIGINAL)
    per_codec = curves(ratings, study.conditions)
    anchor = anchor or next((c for c in per_codec if not c.startswith("picodec")), None)
    bd = {}
    if anchor in per_codec:
        ra = [r for r, _ in per_codec[anchor]]
        qa = [x.elo for _, x in per_codec[anchor]]
        for codec, points in per_codec.items():
            if codec != anchor:
                bd[codec] = bd_rate(ra, qa, [r for r, _ in points], [x.elo for _, x in points])
    out = Path(out) if out else study.folder / "score"
    out.mkdir(parents=True, exist_ok=True)
    result = {"raters": stats, "votes": len(votes), "anchor": anchor,
              "conditions": {c: {"elo": r.elo, "low": r.low, "high": r.high, "votes": r.votes,
                                 "bpp": study.conditions[c]} for c, r in ratings.items()},
              "bd_rate_elo": {c: {"percent": v[0], "elo_low": v[1], "elo_high": v[2]}
                              for c, v in bd.items()}}
    (out / "scores.json").write_text(json.dumps(result, indent=1))
    _plot(per_codec, out / "elo_vs_bpp.png")
    (out / "report.md").write_text(_markdown(ratings, study.conditions, stats, len(votes), anchor, bd))
    return result


def _plot(per_codec: dict[str, list[tuple[float, Rating]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for codec, points in per_codec.items():
        rates = [r for r, _ in points]
        elo = [x.elo for _, x in points]
        err = [[x.elo - x.low for _, x in points], [x.high - x.elo for _, x in points]]
        ax.errorbar(rates, elo, yerr=err, marker="o", capsize=3, label=codec)
    ax.axhline(0, color="gray", lw=0.8, ls="--", label="original")
    ax.set_xscale("log")
    ax.set_xlabel("bpp")
    ax.set_ylabel("Elo (original = 0)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _markdown(ratings: dict[str, Rating], bpp: dict[str, float | None], stats: dict[str, int],
              votes: int, anchor: str | None, bd: dict[str, tuple[float, float, float]]) -> str:
    lines = [f"# Study scores\n\n{votes} scored votes from {stats['scored']} raters "
             f"({stats['failed_screening']} failed screening, {stats['inattentive']} missed "
             "planted pairs; all left out).\n",
             "| condition | bpp | Elo | 95 % interval | votes |", "|---|---|---|---|---|"]
    for cond, r in sorted(ratings.items()):
        rate = bpp.get(cond)
        shown = "—" if rate is None else f"{rate:.3f}"
        lines.append(f"| {cond} | {shown} | {r.elo:.0f} | {r.low:.0f} … {r.high:.0f} | {r.votes} |")
    if bd:
        lines += [f"\nBD-rate on Elo vs bpp against {anchor} (negative: fewer bits):\n",
                  "| codec | BD-rate | Elo range |", "|---|---|---|"]
        for codec, (percent, low, high) in bd.items():
            lines.append(f"| {codec} | {percent:+.1f} % | {low:.0f} … {high:.0f} |")
    return "\n".join(lines) + "\n"
