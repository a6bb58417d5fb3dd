"""The arena: building a study from a real bench run, the server under use and misuse,
blindness, screening, and scoring what raters voted."""

import io
import json
import sqlite3

import numpy as np
import pytest
from PIL import Image

from picodec.arena.study import ORIGINAL, select_pairs
from picodec.cli import main
from picodec.weights import DEFAULT_MODEL

fastapi = pytest.importorskip("fastapi", reason="the arena extra (fastapi) is not installed")
from fastapi.testclient import TestClient  # noqa: E402

from picodec.arena.app import create_app  # noqa: E402


@pytest.fixture
def study(tmp_path, bench_results):
    folder = tmp_path / "study"
    assert main(["arena", "build", str(bench_results), "--out", str(folder)]) == 0
    return folder


def _client(study) -> TestClient:
    return TestClient(create_app(study, seed=0))


def _screen(client, study, digits_right=True):
    assert client.post("/api/start", json={"screen_width": 1920, "screen_height": 1080,
                                           "pixel_ratio": 1.0}).status_code == 200
    plates = json.loads((study / "study.json").read_text())["plates"]
    answers = {p["token"]: p["digit"] if digits_right else "0" for p in plates}
    return client.post("/api/plates", json={"answers": answers}).json()["passed"]


def _vote(client, study, view=(1600, 900)):
    """Show a trial and answer it as a careful rater would."""
    trial = client.get("/api/trial").json()
    response = client.post("/api/vote", json={"trial": trial["trial"],
                                              "choice": _right_answer(study, trial),
                                              "response_ms": 1234, "view_width": view[0],
                                              "view_height": view[1]})
    assert response.status_code == 200, response.text
    return trial


def _right_answer(study, trial) -> str:
    """What a careful rater answers: the image closer to the reference (pixel MSE)."""
    def pixels(url):
        return np.asarray(Image.open(study / "images" / f"{url.rsplit('/', 1)[1]}.png"), float)
    ref = pixels(trial["reference"])
    errors = [np.mean((pixels(trial[side]) - ref) ** 2) for side in ("left", "right")]
    return "same" if abs(errors[0] - errors[1]) < 1e-9 else ("left" if errors[0] < errors[1] else "right")


def test_pairs_cover_every_condition_across_codecs():
    bpp = {"a@0": 0.1, "a@1": 0.3, "a@2": 0.9, "b@0": 0.12, "b@1": 0.5}
    pairs = select_pairs(bpp)
    assert ("a@0", "b@0") in pairs and ("a@2", ORIGINAL) in pairs and ("a@0", "a@1") in pairs
    met = {c for p in pairs for c in p}
    assert met == set(bpp) | {ORIGINAL}


def test_build_writes_blind_images_and_refuses_to_overwrite(study, bench_results):
    described = json.loads((study / "study.json").read_text())
    assert described["pairs"] and ORIGINAL in described["conditions"]
    for token in described["files"]:
        assert (study / "images" / f"{token}.png").exists()
        assert "jpeg" not in token and "picodec" not in token
    assert main(["arena", "build", str(bench_results), "--out", str(study)]) == 1


def test_a_careful_rater_is_screened_in_and_votes_are_stored(study):
    client = _client(study)
    assert _screen(client, study)
    for _ in range(14):
        _vote(client, study, view=(1500, 800))
    db = sqlite3.connect(study / "votes.sqlite")
    kinds = dict(db.execute("SELECT t.kind, COUNT(*) FROM votes v JOIN trials t ON t.id = v.trial "
                            "GROUP BY t.kind").fetchall())
    assert kinds["check"] == 4 and kinds["pair"] + kinds.get("planted", 0) == 10
    assert db.execute("SELECT artefact_ok, colour_ok FROM raters").fetchone() == (1, 1)
    assert db.execute("SELECT DISTINCT view_width, response_ms FROM votes").fetchall() == [(1500, 1234)]


def test_nothing_sent_to_the_browser_names_a_codec_or_level(study):
    client = _client(study)
    _screen(client, study)
    page = client.get("/").text
    seen = [page]
    for _ in range(6):
        seen.append(json.dumps(_vote(client, study)))
    for text in seen:
        for word in ("jpeg", "picodec", "@", "bpp", "level", "original"):
            assert word not in text.lower().replace("@media", ""), word
    trial = client.get("/api/trial").json()
    image = client.get(trial["left"])
    assert image.headers["content-type"] == "image/png"
    assert not Image.open(io.BytesIO(image.content)).info  # no text chunks, no metadata


def test_bad_requests_get_clear_4xx(study):
    client = _client(study)
    assert client.get("/api/trial").status_code == 401  # no session
    assert client.post("/api/start", json={"screen_width": -5, "screen_height": 1,
                                           "pixel_ratio": 1}).status_code == 422
    assert client.post("/api/start", content=b"{not json",
                       headers={"content-type": "application/json"}).status_code == 422
    assert client.post("/api/start", json={"screen_width": 800, "screen_height": 600,
                                           "pixel_ratio": 1, "admin": True}).status_code == 422
    big = {"screen_width": 800, "screen_height": 600, "pixel_ratio": 1, "pad": "x" * 10000}
    assert client.post("/api/start", json=big).status_code == 413
    _screen(client, study)
    assert client.post("/api/plates", json={"answers": {}}).status_code == 409  # answered once
    trial = client.get("/api/trial").json()
    assert client.get("/api/trial").status_code == 409  # vote on the shown trial first
    vote = {"trial": trial["trial"], "choice": "left", "response_ms": 5, "view_width": 10,
            "view_height": 10}
    assert client.post("/api/vote", json={**vote, "choice": "both"}).status_code == 422
    assert client.post("/api/vote", json={**vote, "trial": "x'; DROP TABLE votes;--"}).status_code == 422
    assert client.post("/api/vote", json=vote).status_code == 200
    assert client.post("/api/vote", json=vote).status_code == 409  # one vote per trial
    other = _client(study)
    _screen(other, study)
    assert other.post("/api/vote", json=vote).status_code == 404  # not this rater's trial
    assert client.get("/img/..%2Fstudy.json").status_code == 404
    assert client.get("/img/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.cookies.get("rater") != other.cookies.get("rater")


def test_raters_who_fail_screening_are_stopped_and_left_out(study):
    colour_blind = _client(study)
    assert not _screen(colour_blind, study, digits_right=False)
    assert colour_blind.get("/api/trial").json() == {"done": True}
    careless = _client(study)
    assert _screen(careless, study)
    for _ in range(4):  # every artefact check answered wrongly
        trial = careless.get("/api/trial").json()
        wrong = {"left": "right", "right": "left", "same": "left"}[_right_answer(study, trial)]
        careless.post("/api/vote", json={"trial": trial["trial"], "choice": wrong,
                                         "response_ms": 100, "view_width": 800, "view_height": 600})
    assert careless.get("/api/trial").json() == {"done": True}
    assert main(["arena", "score", str(study)]) == 1  # nobody left to score


def test_score_from_served_votes(study, capsys):
    for _ in range(3):
        client = _client(study)
        _screen(client, study)
        for _ in range(40):
            _vote(client, study)
    assert main(["arena", "score", str(study), "--anchor", "jpeg"]) == 0
    result = json.loads((study / "score" / "scores.json").read_text())
    assert result["raters"]["scored"] == 3
    elo = {c: v["elo"] for c, v in result["conditions"].items()}
    assert elo[ORIGINAL] == 0
    ours = f"picodec-{DEFAULT_MODEL}"
    assert elo["jpeg@95"] > elo["jpeg@3"] and elo[f"{ours}@7"] > elo[f"{ours}@0"]
    assert (study / "score" / "elo_vs_bpp.png").stat().st_size > 1000
    assert "BD-rate" in (study / "score" / "report.md").read_text()
