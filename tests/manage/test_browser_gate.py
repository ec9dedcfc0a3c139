"""Where no browser is installed, ``make test`` skips the browser tests (and only those)
with one line on how to install one; under CI=1 or ROLLCALL_REQUIRE_BROWSER=1 it fails them.
Run as a separate pytest over tests/manage with the browser pointed somewhere empty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every test in test_browser.py is a browser test (its pytestmark).
BROWSER_TESTS = (ROOT / "tests/manage/test_browser.py").read_text().count("\ndef test_")


def run_without_browser(**env: str) -> subprocess.CompletedProcess[str]:
    settings = {k: v for k, v in os.environ.items() if k not in ("CI", "ROLLCALL_REQUIRE_BROWSER")}
    settings.update(ROLLCALL_CHROMIUM="/nonexistent/chromium", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/manage/test_browser.py",
            "tests/manage/test_pages.py::test_a_link_works_once",
        ],
        cwd=ROOT,
        env=settings,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_a_browser_only_the_browser_tests_are_skipped_with_how_to_install():
    done = run_without_browser()
    assert done.returncode == 0, done.stdout
    assert f"1 passed, {BROWSER_TESTS} skipped" in done.stdout
    install = [
        line for line in done.stdout.splitlines() if line.startswith("browser tests skipped")
    ]
    assert len(install) == 1 and "apt-get install chromium chromium-driver" in install[0]


def test_when_ci_requires_the_browser_its_absence_fails_the_run():
    for env in ({"CI": "1"}, {"ROLLCALL_REQUIRE_BROWSER": "1"}):
        done = run_without_browser(**env)
        assert done.returncode == 1, done.stdout
        assert f"1 passed, {BROWSER_TESTS} errors" in done.stdout, done.stdout
        assert "no browser, but CI=1 or ROLLCALL_REQUIRE_BROWSER=1" in done.stdout
