"""The CLI as an operator runs it, in process (click's CliRunner): ``cli(*args)`` asserts
exit 0 unless ``ok=False``, and returns the result (stdout and stderr apart)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rollcall.cli import main


@pytest.fixture
def cli() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str, ok: bool = True, input: str | None = None, **_: Any) -> Result:
        result = runner.invoke(
            main, list(args), catch_exceptions=False, prog_name="rollcall", input=input
        )
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result

    return run
