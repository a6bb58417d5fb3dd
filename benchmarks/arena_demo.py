"""Example arena run for the docs: a study from a bench run, simulated raters, the score
report, and a screenshot of the rating page in headless chromium.

    python benchmarks/arena_demo.py runs/kodak_full.json docs/arena [--raters 30 --votes 150]

The raters are SIMULATED, not people: each answers "which is closer to the reference" by
the SSIMULACRA2 of the two images (as the bench measured them on the whole image) plus
Gaussian noise, and says "same" when the noisy scores are within 2 points. The example
shows what the tool produces; it is no evidence about the codecs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from picodec.arena.report import score
from picodec.arena.study import ORIGINAL, build

NOISE = 6.0  # SSIMULACRA2 points
SAME_WITHIN = 2.0


def simulate(study_dir: Path, results: dict[str, object], raters: int, votes: int, seed: int) -> None:
    from fastapi.testclient import TestClient

    from picodec.arena.app import create_app

    quality = {(str(r["image"]), f"{r['codec']}@{r['point']}"): float(r["ssimulacra2"])
               for r in results["records"]}  # type: ignore[attr-defined]
    study = json.loads((study_dir / "study.json").read_text())
    files = study["files"]
    rng = np.random.default_rng(seed)
    for _ in range(raters):
        client = TestClient(create_app(study_dir, seed=int(rng.integers(1 << 30))))
        client.post("/api/start", json={"screen_width": 1920, "screen_height": 1080, "pixel_ratio": 1})
        client.post("/api/plates", json={"answers": {p["token"]: p["digit"] for p in study["plates"]}})
        for _ in range(votes):
            trial = client.get("/api/trial").json()
            if trial.get("done"):
                break
            left, right = (files[trial[s].rsplit("/", 1)[1]] for s in ("left", "right"))
            q = [100.0 if f["condition"] == ORIGINAL else quality[f["image"], f["condition"]]
                 for f in (left, right)]
            noisy = np.array(q) + rng.normal(0, NOISE, 2)
            choice = "same" if abs(noisy[0] - noisy[1]) < SAME_WITHIN else (
                "left" if noisy[0] > noisy[1] else "right")
            client.post("/api/vote", json={"trial": trial["trial"], "choice": choice,
                                           "response_ms": int(rng.integers(800, 4000)),
                                           "view_width": 1600, "view_height": 900})


def screenshot(study_dir: Path, path: Path) -> None:
    """The rating page after screening, in Debian's headless chromium."""
    import socket
    import threading
    import time

    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    from picodec.arena.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(study_dir, seed=3), port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless=new", "--no-sandbox", "--window-size=1500,950"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=options)
    try:
        driver.get(f"http://127.0.0.1:{port}")
        driver.find_element(By.ID, "start").click()
        time.sleep(1)
        plates = json.loads((study_dir / "study.json").read_text())["plates"]
        digits = {p["token"]: p["digit"] for p in plates}
        driver.save_screenshot(str(path.with_name("screening.png")))
        for field in driver.find_elements(By.CSS_SELECTOR, "input[data-plate]"):
            field.send_keys(digits[field.get_attribute("data-plate")])
        driver.find_element(By.ID, "plates-done").click()
        time.sleep(2)
        driver.save_screenshot(str(path))
    finally:
        driver.quit()
        server.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("out")
    parser.add_argument("--raters", type=int, default=30)
    parser.add_argument("--votes", type=int, default=150)
    parser.add_argument("--anchor", default="jpeg")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = json.loads(Path(args.results).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "study"
        build(args.results, study)
        simulate(study, results, args.raters, args.votes, seed=0)
        score(study, out / "example-score", anchor=args.anchor)
        screenshot(study, out / "rating.png")  # after scoring: this visitor never votes
    print(f"wrote {out}/rating.png, {out}/screening.png and {out}/example-score/")


if __name__ == "__main__":
    main()
