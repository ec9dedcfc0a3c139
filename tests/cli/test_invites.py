"""`rollcall invite`: codes printed once and stored hashed, listed without the code, revoked
by id; whole workspaces allowed and disallowed. One line on bad input."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.invites import code_hash, normalise_code


def test_a_code_is_shown_once_and_listed_only_by_its_hash(cli):
    made = json.loads(
        cli("invite", "create", "--uses", "3", "--expires", "2099-01-31", "--json").stdout
    )
    code = made["code"]
    assert normalise_code(code) == code
    assert made["id"] == code_hash(code)[:10] and made["uses"] == 3
    assert made["valid_until"] == "2099-02-01T00:00:00+00:00"
    listed = cli("invite", "list").stdout
    assert code not in listed and code[3:] not in listed
    assert made["id"] in listed and "3/3 left" in listed and "usable" in listed
    as_json = json.loads(cli("invite", "list", "--json").stdout)
    assert code not in json.dumps(as_json)
    assert as_json["codes"][0]["platform"] is None


def test_plain_create_prints_the_code_and_how_to_use_it(cli):
    out = cli("invite", "create", "--platform", "telegram").stdout
    code = out.splitlines()[0]
    assert normalise_code(code) == code
    assert "1 use(s)" in out and "telegram only" in out and f"/setup {code}" in out


def test_revoke_by_id_removes_the_code(cli):
    made = json.loads(cli("invite", "create", "--json").stdout)
    cli("invite", "revoke", made["id"])
    assert "no invite codes" in cli("invite", "list").stdout
    again = cli("invite", "revoke", made["id"], ok=False)
    assert again.exit_code == 1 and "no invite code with id" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invite", "create", "--uses", "0"), "uses must be between 1 and 1000"),
        (("invite", "create", "--expires", "2001-01-01"), "already past"),
        (("invite", "create", "--expires", "tomorrow"), "a date like 2027-01-31"),
        (("invite", "create", "--platform", "myspace"), "platform must be one of"),
        (("invite", "revoke", "xyz"), "6 or more hex digits"),
        (("invite", "allow", "--platform", "slack", "--workspace", " "), "workspace must be"),
        (("invite", "disallow", "--platform", "slack", "--workspace", "T1"), "was not allowed"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(cli, args, message):
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "no invite codes" in cli("invite", "list").stdout


def test_a_workspace_is_allowed_and_disallowed(cli):
    cli("invite", "allow", "--platform", "slack", "--workspace", "T123")
    listed = json.loads(cli("invite", "list", "--json").stdout)
    assert listed["workspaces"] == [{"platform": "slack", "workspace": "T123"}]
    assert "allowed   slack workspace T123" in cli("invite", "list").stdout
    cli("invite", "disallow", "--platform", "slack", "--workspace", "T123")
    assert json.loads(cli("invite", "list", "--json").stdout)["workspaces"] == []
