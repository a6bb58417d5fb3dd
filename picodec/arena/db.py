"""The study's SQLite store: raters, the trials they were shown, and their votes.

Every statement is parameterised. A trial belongs to one rater and takes one vote (the
vote's primary key is the trial). Raters who fail screening, or miss planted pairs,
stay in the database but are left out of the scores.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS raters (
    id TEXT PRIMARY KEY, created REAL NOT NULL,
    screen_width INTEGER, screen_height INTEGER, pixel_ratio REAL,
    colour_ok INTEGER, artefact_ok INTEGER);
CREATE TABLE IF NOT EXISTS trials (
    id TEXT PRIMARY KEY, rater TEXT NOT NULL REFERENCES raters(id), image TEXT NOT NULL,
    left_condition TEXT NOT NULL, right_condition TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pair', 'planted', 'check')),
    expected TEXT, shown REAL NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    trial TEXT PRIMARY KEY REFERENCES trials(id), choice TEXT NOT NULL
        CHECK (choice IN ('left', 'right', 'same')),
    response_ms INTEGER NOT NULL, view_width INTEGER NOT NULL, view_height INTEGER NOT NULL,
    created REAL NOT NULL);
"""


class Store:
    """A thread-safe wrapper around one SQLite connection."""

    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def execute(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple]:
        with self.lock, self.db:
            return self.db.execute(sql, args).fetchall()

    def add_rater(self, rater: str, width: int, height: int, ratio: float) -> None:
        self.execute("INSERT INTO raters (id, created, screen_width, screen_height, pixel_ratio)"
                     " VALUES (?, ?, ?, ?, ?)", (rater, time.time(), width, height, ratio))

    def rater(self, rater: str) -> tuple[int | None, int | None] | None:
        """(colour_ok, artefact_ok) of a rater; None for an unknown id."""
        rows = self.execute("SELECT colour_ok, artefact_ok FROM raters WHERE id = ?", (rater,))
        return rows[0] if rows else None

    def set_screening(self, rater: str, colour_ok: bool, artefact_ok: bool | None) -> None:
        """Record the checks' outcomes (artefact_ok None: not taken yet)."""
        self.execute("UPDATE raters SET colour_ok = ?, artefact_ok = ? WHERE id = ?",
                     (int(colour_ok), None if artefact_ok is None else int(artefact_ok), rater))

    def add_trial(self, trial: str, rater: str, image: str, left: str, right: str, kind: str,
                  expected: str | None) -> None:
        self.execute("INSERT INTO trials VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (trial, rater, image, left, right, kind, expected, time.time()))

    def trial(self, trial: str, rater: str) -> tuple | None:
        rows = self.execute("SELECT kind, expected FROM trials WHERE id = ? AND rater = ?",
                            (trial, rater))
        return rows[0] if rows else None

    def add_vote(self, trial: str, choice: str, response_ms: int, width: int, height: int) -> bool:
        """False when the trial already has its vote."""
        try:
            self.execute("INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?)",
                         (trial, choice, response_ms, width, height, time.time()))
        except sqlite3.IntegrityError:
            return False
        return True

    def pair_counts(self) -> dict[tuple[str, str, str], int]:
        """Votes so far per (image, condition, condition), conditions sorted."""
        rows = self.execute(
            "SELECT t.image, t.left_condition, t.right_condition, COUNT(v.trial) FROM trials t "
            "JOIN votes v ON v.trial = t.id WHERE t.kind = 'pair' GROUP BY 1, 2, 3")
        counts: dict[tuple[str, str, str], int] = {}
        for image, a, b, n in rows:
            first, second = sorted((a, b))
            counts[image, first, second] = counts.get((image, first, second), 0) + n
        return counts

    def votes(self) -> list[tuple]:
        """Every vote with its trial and rater: (rater, kind, image, left, right, expected,
        choice, response_ms, colour_ok, artefact_ok)."""
        return self.execute(
            "SELECT t.rater, t.kind, t.image, t.left_condition, t.right_condition, t.expected,"
            " v.choice, v.response_ms, r.colour_ok, r.artefact_ok FROM votes v"
            " JOIN trials t ON t.id = v.trial JOIN raters r ON r.id = t.rater")
