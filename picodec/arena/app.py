"""``picodec arena serve``: the rating web app (FastAPI + SQLite).

    GET  /                 the page (static HTML + JS)
    POST /api/start        a new rater: session cookie, screen size
    GET  /api/plates       colour plates to read      POST /api/plates  the digits read
    GET  /api/trial        the next trial: reference + two images, sides at random
    POST /api/vote         left | right | same, response time, view size (once per trial)
    GET  /img/{token}      an image, by its random token only

A rater first reads the colour plates, then gets ``artefact_checks`` trials with a known
answer; failing either ends the session (the rater is kept out of the scores). After that,
every PLANTED_EVERY-th trial is a planted known-answer pair. Nothing sent to the browser
names a codec or a level: images are addressed by random tokens, trials by random ids,
both hexadecimal so that no token can spell a word such as "bpp" or "level" by chance.
"""

from __future__ import annotations

import random
import re
import secrets
from pathlib import Path
from typing import Literal

from fastapi import Cookie, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from picodec.arena import study as studies
from picodec.arena.db import Store

MAX_BODY = 4096  # bytes; every legitimate request is far smaller
PLANTED_EVERY = 8
ARTEFACT_PASS = 0.75  # share of artefact checks a rater must get right
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAGE = Path(__file__).with_name("page.html")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Start(Strict):
    screen_width: int = Field(ge=1, le=32768)
    screen_height: int = Field(ge=1, le=32768)
    pixel_ratio: float = Field(gt=0, le=16)


class Plates(Strict):
    answers: dict[str, str] = Field(max_length=32)


class Vote(Strict):
    trial: str = Field(pattern=TOKEN.pattern)
    choice: Literal["left", "right", "same"]
    response_ms: int = Field(ge=0, le=3_600_000)
    view_width: int = Field(ge=1, le=32768)
    view_height: int = Field(ge=1, le=32768)


def create_app(study_dir: str | Path, seed: int | None = None) -> FastAPI:
    study = studies.load(study_dir)
    store = Store(study.folder / "votes.sqlite")
    plates, checks, pairs = study.plates, study.checks, study.pairs
    n_checks = min(study.artefact_checks, len(checks))
    rng = random.Random(seed)
    app = FastAPI(title="picodec arena", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return JSONResponse({"detail": "a Content-Length is required"}, status_code=411)
            if int(length) > MAX_BODY:
                return JSONResponse({"detail": "request too large"}, status_code=413)
        return await call_next(request)

    def session(cookie: str | None) -> tuple[str, int | None, int | None]:
        """(rater id, colour check passed, artefact check passed) of a session cookie."""
        row = store.rater(cookie) if cookie and TOKEN.match(cookie) else None
        if cookie is None or row is None:
            raise HTTPException(401, "no rating session: start from the first page")
        return cookie, row[0], row[1]

    def url(image: str, cond: str) -> str:
        return f"/img/{study.token(image, cond)}"

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return PAGE.read_text()

    @app.post("/api/start")
    def start(body: Start, response: Response) -> dict[str, object]:
        rater = secrets.token_hex(16)
        store.add_rater(rater, body.screen_width, body.screen_height, body.pixel_ratio)
        response.set_cookie("rater", rater, httponly=True, samesite="strict")
        return {"plates": len(plates)}

    @app.get("/api/plates")
    def get_plates(rater: str | None = Cookie(None)) -> list[dict[str, str]]:
        session(rater)
        return [{"id": p["token"], "url": f"/img/{p['token']}"} for p in plates]

    @app.post("/api/plates")
    def read_plates(body: Plates, rater: str | None = Cookie(None)) -> dict[str, object]:
        rater_id, colour_ok, _ = session(rater)
        if colour_ok is not None:
            raise HTTPException(409, "the plates were already answered")
        if set(body.answers) != {p["token"] for p in plates}:
            raise HTTPException(422, "answer every plate, and only those")
        ok = all(body.answers[p["token"]].strip() == p["digit"] for p in plates)
        store.set_screening(rater_id, ok, None)
        return {"passed": ok}

    def artefact_result(rater_id: str) -> bool | None:
        """Whether the rater passed the artefact checks; None until all are answered."""
        rows = store.execute(
            "SELECT t.expected, v.choice FROM trials t JOIN votes v ON v.trial = t.id "
            "WHERE t.rater = ? AND t.kind = 'check'", (rater_id,))
        if len(rows) < n_checks:
            return None
        return sum(e == c for e, c in rows) >= ARTEFACT_PASS * n_checks

    def new_trial(rater_id: str, image: str, a: str, b: str, kind: str,
                  good: str | None = None) -> dict[str, object]:
        if rng.random() < 0.5:
            a, b = b, a
        expected = None if good is None else ("left" if a == good else "right")
        trial_id = secrets.token_hex(12)
        store.add_trial(trial_id, rater_id, image, a, b, kind, expected)
        return {"trial": trial_id, "reference": url(image, studies.ORIGINAL),
                "left": url(image, a), "right": url(image, b)}

    def pair_key(p: dict[str, str]) -> tuple[str, str, str]:
        a, b = sorted((p["a"], p["b"]))
        return p["image"], a, b

    @app.get("/api/trial")
    def trial(rater: str | None = Cookie(None)) -> dict[str, object]:
        rater_id, colour_ok, artefact_ok = session(rater)
        if colour_ok is None:
            raise HTTPException(409, "read the colour plates first")
        kinds = [k for (k,) in store.execute("SELECT kind FROM trials WHERE rater = ?", (rater_id,))]
        if store.execute("SELECT t.id FROM trials t LEFT JOIN votes v ON v.trial = t.id "
                         "WHERE t.rater = ? AND v.trial IS NULL", (rater_id,)):
            raise HTTPException(409, "vote on the trial you were shown first")
        if not colour_ok:
            return {"done": True}
        if artefact_ok is None:
            shown_checks = kinds.count("check")
            if shown_checks < n_checks:
                c = checks[shown_checks]
                return new_trial(rater_id, c["image"], c["good"], c["bad"], "check", c["good"])
            artefact_ok = int(bool(artefact_result(rater_id)))
            store.set_screening(rater_id, True, bool(artefact_ok))
        if not artefact_ok:
            return {"done": True}
        if len(kinds) % PLANTED_EVERY == PLANTED_EVERY - 1:
            c = rng.choice(checks)
            return new_trial(rater_id, c["image"], c["good"], c["bad"], "planted", c["good"])
        counts = store.pair_counts()
        fewest = min(counts.get(pair_key(p), 0) for p in pairs)
        p = rng.choice([p for p in pairs if counts.get(pair_key(p), 0) == fewest])
        return new_trial(rater_id, p["image"], p["a"], p["b"], "pair")

    @app.post("/api/vote")
    def vote(body: Vote, rater: str | None = Cookie(None)) -> dict[str, object]:
        rater_id, _, _ = session(rater)
        if store.trial(body.trial, rater_id) is None:
            raise HTTPException(404, "no such trial in this session")
        if not store.add_vote(body.trial, body.choice, body.response_ms, body.view_width,
                              body.view_height):
            raise HTTPException(409, "this trial already has its vote")
        return {"stored": True}

    @app.get("/img/{token}")
    def image(token: str) -> FileResponse:
        if not TOKEN.match(token) or token not in study.files:
            raise HTTPException(404, "no such image")
        return FileResponse(study.folder / "images" / f"{token}.png", media_type="image/png",
                            headers={"Cache-Control": "private, max-age=3600"})

    return app
