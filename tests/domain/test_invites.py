"""Reading /setup's words: the invite code only when the first words look like one."""

from __future__ import annotations

import pytest

from chalicelib.domain.invites import setup_code_and_name

CODE = "RC-7KQM-X2PA-9HWD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{CODE} Writers' Circle", (CODE, "Writers' Circle")),
        (CODE, (CODE, "")),
        ("rc-7kqm-x2pa-9hwd  Night  Owls", ("rc-7kqm-x2pa-9hwd", "Night Owls")),
        ("rc 7kqm x2pa 9hwd Night Owls", ("rc 7kqm x2pa 9hwd", "Night Owls")),
        ("7KQM X2PA 9HWD Club", ("7KQM X2PA 9HWD", "Club")),
        ("RC7KQMX2PA9HWD", ("RC7KQMX2PA9HWD", "")),
        # no code: every word is the name
        ("My Group", ("", "My Group")),
        ("Writers", ("", "Writers")),
        ("读书会 第三期", ("", "读书会 第三期")),
        ("", ("", "")),
        ("   ", ("", "")),
        # a mistyped code is still a code (answered as a bad one), never a name
        ("RC-7KQM-X2PA-9HW Club", ("RC-7KQM-X2PA-9HW", "Club")),
        ("rc-0000-1111-oooo", ("rc-0000-1111-oooo", "")),
    ],
)
def test_the_first_words_are_a_code_only_when_they_look_like_one(text, expected):
    assert setup_code_and_name(text) == expected
