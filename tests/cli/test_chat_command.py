"""``rollcall chat`` speaks as a roster member without renaming them."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from chalicelib.domain.models import Community, Member
from rollcall.cli import main
from tests.cli.test_serve import Server, server  # noqa: F401  (the running serve fixture)


def test_chat_without_name_keeps_the_roster_name_and_with_name_renames(
    server: Server,  # noqa: F811
):
    from rollcall.context import open_store

    with open_store() as store:
        store.create_community(
            Community(id="c1", name="Room", platform="console", chat_id="room-1", locale="en")
        )
        store.save_member(Member("c1", "u1", "Ann Lee", joined_at=date(2026, 1, 1)))
    runner = CliRunner()
    args = ["chat", "--community", "c1", "--user", "u1", "--port", str(server.port)]
    said = runner.invoke(main, [*args, "hello"])
    assert said.exit_code == 0, said.output
    with open_store() as store:
        assert store.get_member("c1", "u1").name == "Ann Lee"
    said = runner.invoke(main, [*args, "--name", "Annie", "hello again"])
    assert said.exit_code == 0, said.output
    with open_store() as store:
        assert store.get_member("c1", "u1").name == "Annie"
    said = runner.invoke(
        main, ["chat", "--community", "c1", "--user", "u9", "--port", str(server.port), "hi"]
    )
    assert said.exit_code == 0, said.output
    with open_store() as store:
        assert store.get_member("c1", "u9").name == "u9"  # someone new: their user id
