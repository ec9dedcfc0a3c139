"""Browser tests (``@pytest.mark.browser``): headless Chromium through Selenium.

Where Chromium, chromedriver or Selenium is missing, those tests (and only those) are
skipped and the run says in one line how to install them; with ``CI=1`` or
``ROLLCALL_REQUIRE_BROWSER=1`` (what .ci/run sets) a missing browser fails them instead, so
CI always runs them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver",)
INSTALL = (
    "browser tests skipped: install Chromium and its driver (Debian/Ubuntu: "
    "sudo apt-get install chromium chromium-driver) and Selenium (pip install selenium)"
)


def _first(paths: tuple[str, ...], name: str, setting: str) -> str | None:
    """``setting`` (an environment variable) names the program elsewhere; else the usual
    places, then PATH."""
    if os.environ.get(setting):
        chosen = os.environ[setting]
        return chosen if Path(chosen).exists() else None
    found = next((p for p in paths if Path(p).exists()), None)
    return found or shutil.which(name)


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) when both and Selenium are here, else None."""
    chromium = _first(CHROMIUM, "chromium", "ROLLCALL_CHROMIUM")
    driver = _first(CHROMEDRIVER, "chromedriver", "ROLLCALL_CHROMEDRIVER")
    if chromium is None or driver is None or importlib.util.find_spec("selenium") is None:
        return None
    return chromium, driver


def browser_required() -> bool:
    return os.environ.get("CI") == "1" or os.environ.get("ROLLCALL_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [item for item in items if item.get_closest_marker("browser")]
    if not marked or browser_paths() is not None:
        return
    if browser_required():
        return  # the browser fixture fails them
    config.stash[_SKIPPED] = len(marked)
    skip = pytest.mark.skip(reason=INSTALL)
    for item in marked:
        item.add_marker(skip)


_SKIPPED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if config.stash.get(_SKIPPED, 0):
        terminalreporter.write_line(INSTALL)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """A headless Chromium (Selenium's webdriver), closed after the test."""
    paths = browser_paths()
    if paths is None:  # without CI=1 / ROLLCALL_REQUIRE_BROWSER=1 collection skipped them
        pytest.fail(
            "no browser, but CI=1 or ROLLCALL_REQUIRE_BROWSER=1 requires the browser tests: "
            + INSTALL.removeprefix("browser tests skipped: ")
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = paths
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1100",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
