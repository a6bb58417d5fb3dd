"""End to end in a real headless browser: Debian's chromium driven by Selenium through the
served app — start, colour plates, artefact checks, ten votes — then the database."""

import json
import shutil
import socket
import sqlite3
import threading
import time

import pytest

from picodec.cli import main

pytest.importorskip("fastapi", reason="the arena extra (fastapi) is not installed")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (apt install)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, bench_results):
    import uvicorn

    from picodec.arena.app import create_app

    study = tmp_path / "study"
    assert main(["arena", "build", str(bench_results), "--out", str(study)]) == 0
    port = _free_port()
    config = uvicorn.Config(create_app(study, seed=1), host="127.0.0.1", port=port, log_level="error")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", study
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _wait(condition, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the page")


def test_rating_in_a_real_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, study = server
    browser.get(url)
    browser.find_element(By.ID, "start").click()
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "input[data-plate]"))
    digits = {p["token"]: p["digit"] for p in json.loads((study / "study.json").read_text())["plates"]}
    for field in browser.find_elements(By.CSS_SELECTOR, "input[data-plate]"):
        field.send_keys(digits[field.get_attribute("data-plate")])
    browser.find_element(By.ID, "plates-done").click()
    browser.save_screenshot(str(tmp_path / "plates-done.png"))

    files = json.loads((study / "study.json").read_text())["files"]

    def shown(side):
        return browser.find_element(By.ID, side).get_attribute("src").rsplit("/", 1)[1]

    for answered in range(14):  # 4 artefact checks, then 10 rated trials
        _wait(lambda n=answered: browser.find_element(By.ID, "count").text == (f"{n} done" if n else ""))
        _wait(lambda: browser.execute_script(
            "return ['left','reference','right'].every(id => document.getElementById(id).complete "
            "&& document.getElementById(id).naturalWidth > 0)"))
        left, right = files[shown("left")]["condition"], files[shown("right")]["condition"]
        button = "vote-left" if left == "original" else "vote-right" if right == "original" else "vote-same"
        browser.find_element(By.ID, button).click()
    _wait(lambda: browser.find_element(By.ID, "count").text == "14 done")
    browser.save_screenshot(str(tmp_path / "rating.png"))

    db = sqlite3.connect(study / "votes.sqlite")
    rows = db.execute("SELECT t.kind, v.choice, v.view_width, v.response_ms FROM votes v "
                      "JOIN trials t ON t.id = v.trial").fetchall()
    assert len(rows) == 14
    assert sum(kind == "check" for kind, *_ in rows) == 4
    assert all(width > 0 and ms >= 0 for _, _, width, ms in rows)
    assert db.execute("SELECT colour_ok, artefact_ok FROM raters").fetchall() == [(1, 1)]
