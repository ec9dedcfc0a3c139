"""Every mutant of tests/mutants.py still finds its code exactly once, and names tests that
exist: checked with the suite (in a second) so a moved guard is caught before the mutant
run (``make mutants``) spends minutes to say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutants import MUTANTS, ROOT


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_a_mutant_finds_its_code_exactly_once_and_names_real_tests(mutant) -> None:
    source = (ROOT / mutant.path).read_text(encoding="utf-8")
    assert source.count(mutant.old) == 1, f"{mutant.path}: the mutated code moved"
    assert mutant.old != mutant.new
    for test in mutant.tests:
        path, _, name = test.partition("::")
        text = (ROOT / path).read_text(encoding="utf-8")
        assert Path(ROOT / path).is_file()
        assert not name or f"def {name.split('[')[0]}(" in text, f"{test} does not exist"


def test_mutant_names_are_unique() -> None:
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names))
