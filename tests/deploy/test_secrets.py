"""Platform credentials from Parameter Store: cached briefly, rotated without a redeploy,
never printed, and never fetched where they are not needed (import, the local stage)."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from chalicelib.config import Settings
from chalicelib.runtime import Runtime
from chalicelib.secrets import (
    DEFAULT_TTL_SECONDS,
    RETRY_AFTER_ERROR_SECONDS,
    ParameterStoreSecrets,
    normalize_name,
    parameter_path,
)
from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from rollcall.cli import main

TOKEN = "ROLLCALL_TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET = "ROLLCALL_TELEGRAM_SECRET_TOKEN"


class FakeTime:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ssm(aws) -> Any:
    return boto3.client("ssm", region_name="us-east-1")


def put(ssm: Any, name: str, value: str, stage: str = "prod") -> None:
    ssm.put_parameter(
        Name=parameter_path(stage) + name, Value=value, Type="SecureString", Overwrite=True
    )


class CountingFactory:
    """Makes the real (moto) client and counts SSM requests through botocore's events."""

    def __init__(self) -> None:
        self.requests = 0
        self.clients = 0

    def __call__(self) -> Any:
        self.clients += 1
        client = boto3.client("ssm", region_name="us-east-1")
        client.meta.events.register("before-call.ssm", self._count)
        return client

    def _count(self, **_: object) -> None:
        self.requests += 1


def test_a_secret_is_read_once_per_ttl(ssm):
    put(ssm, TOKEN, "token-1")
    factory, clock = CountingFactory(), FakeTime()
    secrets = ParameterStoreSecrets(parameter_path("prod"), factory, monotonic=clock)
    assert factory.clients == 0  # built, not yet used: no client, no call
    assert secrets.get(TOKEN) == "token-1"
    assert secrets.get(WEBHOOK_SECRET) is None
    assert factory.requests == 1
    clock.now += DEFAULT_TTL_SECONDS - 1
    secrets.get(TOKEN)
    assert factory.requests == 1


def test_a_rotation_takes_effect_after_the_ttl(ssm):
    put(ssm, TOKEN, "token-1")
    clock = FakeTime()
    secrets = ParameterStoreSecrets(parameter_path("prod"), CountingFactory(), monotonic=clock)
    assert secrets.get(TOKEN) == "token-1"
    first_version = secrets.version()
    put(ssm, TOKEN, "token-2")
    assert secrets.get(TOKEN) == "token-1"  # cached
    clock.now += DEFAULT_TTL_SECONDS
    assert secrets.get(TOKEN) == "token-2"
    assert secrets.version() == first_version + 1


def test_an_unchanged_refresh_keeps_the_version(ssm):
    """Adapters are rebuilt when the version moves: a refresh that found the same values
    must not throw them away every five minutes."""
    put(ssm, TOKEN, "token-1")
    clock = FakeTime()
    secrets = ParameterStoreSecrets(parameter_path("prod"), CountingFactory(), monotonic=clock)
    secrets.get(TOKEN)
    version = secrets.version()
    clock.now += DEFAULT_TTL_SECONDS
    assert secrets.version() == version


def test_version_never_makes_the_first_read(ssm):
    """Runtime.adapter asks for the version on every request; a container that never needs
    a secret (the console platform, the dispatcher) must never call SSM."""
    factory = CountingFactory()
    secrets = ParameterStoreSecrets(parameter_path("prod"), factory, monotonic=FakeTime())
    assert secrets.version() == 0
    assert factory.requests == 0


def test_parameters_of_other_stages_are_not_read(ssm):
    put(ssm, TOKEN, "dev-token", stage="dev")
    put(ssm, TOKEN, "prod-token", stage="prod")
    secrets = ParameterStoreSecrets(parameter_path("dev"), CountingFactory())
    assert secrets.get(TOKEN) == "dev-token"


def test_more_than_a_page_of_parameters_is_read(ssm):
    """GetParametersByPath returns 10 per page."""
    for n in range(12):
        put(ssm, f"ROLLCALL_SLACK_SECRET_{n}", f"value-{n}")
    secrets = ParameterStoreSecrets(parameter_path("prod"), CountingFactory())
    assert secrets.get("ROLLCALL_SLACK_SECRET_11") == "value-11"


class FailingClient:
    """SSM answering AccessDenied (or throttling): what a missing IAM grant looks like."""

    def __init__(self) -> None:
        self.calls = 0

    def get_paginator(self, name: str) -> Any:
        client = self

        class Paginator:
            def paginate(self, **_: Any) -> Any:
                client.calls += 1
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                    "GetParametersByPath",
                )

        return Paginator()


class Recorded(logging.Handler):
    """Records rollcall.secrets' lines directly: configure_logging stops propagation to
    the root logger (and so to caplog) once any test built a Runtime from the env."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def secrets_log() -> Any:
    handler = Recorded()
    logger = logging.getLogger("rollcall.secrets")
    level = logger.level  # other tests may have quietened the "rollcall" parent
    logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_failed_read_falls_back_and_waits_before_trying_again(secrets_log):
    failing = FailingClient()
    clock = FakeTime()
    secrets = ParameterStoreSecrets(parameter_path("prod"), lambda: failing, monotonic=clock)
    settings = Settings(stage="prod", secrets={TOKEN: "from-env"}, secret_source=secrets)
    assert settings.secret(TOKEN) == "from-env"
    assert settings.secret(TOKEN) == "from-env"
    assert failing.calls == 1  # not once per request
    clock.now += RETRY_AFTER_ERROR_SECONDS
    settings.secret(TOKEN)
    assert failing.calls == 2
    assert len(secrets_log.lines) == 2
    assert "AccessDeniedException" in secrets_log.lines[0]
    assert "from-env" not in " ".join(secrets_log.lines)


def test_a_failed_refresh_keeps_the_last_good_values(ssm):
    put(ssm, TOKEN, "token-1")
    clients: list[Any] = [boto3.client("ssm", region_name="us-east-1")]
    clock = FakeTime()
    secrets = ParameterStoreSecrets(parameter_path("prod"), lambda: clients[0], monotonic=clock)
    assert secrets.get(TOKEN) == "token-1"
    secrets._client = FailingClient()  # SSM starts refusing after the first read
    clock.now += DEFAULT_TTL_SECONDS
    assert secrets.get(TOKEN) == "token-1"


# -- Settings and Runtime ------------------------------------------------------------------


def test_the_local_stage_never_builds_a_parameter_store_source():
    settings = Settings.from_env({"ROLLCALL_STAGE": "local", TOKEN: "env-token"})
    assert settings.secret_source is None
    assert settings.secret(TOKEN) == "env-token"


def test_deployed_stages_read_their_own_path_lazily():
    settings = Settings.from_env({"ROLLCALL_STAGE": "prod", "AWS_DEFAULT_REGION": "eu-west-1"})
    source = settings.secret_source
    assert isinstance(source, ParameterStoreSecrets)
    assert source.path == "/rollcall/prod/"
    assert source._client is None  # nothing asked yet: no client, no call


def test_parameter_store_wins_over_the_environment_and_the_environment_fills_in(ssm):
    put(ssm, TOKEN, "ssm-token")
    settings = Settings(
        stage="prod",
        secrets={TOKEN: "env-token", WEBHOOK_SECRET: "env-secret"},
        secret_source=ParameterStoreSecrets(parameter_path("prod"), CountingFactory()),
    )
    assert settings.secret(TOKEN) == "ssm-token"
    assert settings.secret(WEBHOOK_SECRET) == "env-secret"
    assert settings.secret("ROLLCALL_SLACK_BOT_TOKEN") == ""


def test_adapters_are_rebuilt_after_a_rotation_and_only_then(ssm):
    """Adapters hold their token; without a rebuild a rotated token would be used only
    after Lambda recycled the container, hours later."""
    put(ssm, TOKEN, "token-1")
    put(ssm, WEBHOOK_SECRET, "hook-secret")
    clock = FakeTime()
    source = ParameterStoreSecrets(parameter_path("prod"), CountingFactory(), monotonic=clock)
    runtime = Runtime(
        settings=Settings(stage="prod", secret_source=source), store=Store(MemoryTable())
    )
    first = runtime.adapter("telegram")
    assert first is not None and first._token == "token-1"
    assert runtime.adapter("telegram") is first
    clock.now += DEFAULT_TTL_SECONDS
    assert runtime.adapter("telegram") is first  # refreshed, unchanged: same adapter
    put(ssm, TOKEN, "token-2")
    clock.now += DEFAULT_TTL_SECONDS
    rotated = runtime.adapter("telegram")
    assert rotated is not first and rotated._token == "token-2"


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "ROLLCALL_TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN",
        "telegram-bot-token",
        " telegram_bot_token ",
    ],
)
def test_names_are_normalized_to_the_environment_name(given):
    assert normalize_name(given) == "ROLLCALL_TELEGRAM_BOT_TOKEN"


@pytest.mark.parametrize("given", ["manage-secret", "MANAGE_SECRET", "ROLLCALL_MANAGE_SECRET"])
def test_the_pages_cookie_key_may_be_stored_too(given):
    assert normalize_name(given) == "ROLLCALL_MANAGE_SECRET"


def test_the_pages_key_comes_from_the_secrets_and_locally_from_the_console_secret():
    from chalicelib.config import Settings

    stored = Settings.from_env({"ROLLCALL_MANAGE_SECRET": "s" * 40})
    assert stored.manage_key() is not None
    assert (
        stored.manage_key() != Settings.from_env({"ROLLCALL_MANAGE_SECRET": "t" * 40}).manage_key()
    )
    local = Settings.from_env({"ROLLCALL_CONSOLE_SECRET": "c"})
    assert local.manage_key() is not None and local.manage_key() != stored.manage_key()
    assert Settings(stage="prod").manage_key() is None  # deployed, none set: nobody signs in
    assert Settings(stage="local").manage_key() is None  # no console secret either


@pytest.mark.parametrize(
    "given", ["ROLLCALL_TABLE", "TELEGRAM", "myspace_token", "TELEGRAM_API_BASE", "slack_bot token"]
)
def test_names_that_no_code_reads_are_refused(given):
    with pytest.raises(ValueError):
        normalize_name(given)


# -- the CLI -------------------------------------------------------------------------------


def cli(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input)


def test_secrets_set_stores_a_secure_string_read_from_stdin(ssm):
    result = cli("secrets", "set", "telegram_bot_token", "--stage", "prod", input="t0ken-1\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "t0ken-1" not in result.output
    stored = ssm.get_parameter(
        Name="/rollcall/prod/ROLLCALL_TELEGRAM_BOT_TOKEN", WithDecryption=True
    )
    assert stored["Parameter"]["Type"] == "SecureString"
    assert stored["Parameter"]["Value"] == "t0ken-1"  # the newline from `echo` is gone


def test_secrets_set_overwrites_and_reports_the_version(ssm):
    cli("secrets", "set", "SLACK_SIGNING_SECRET", "--stage", "prod", "--value", "one")
    result = cli(
        "secrets", "set", "SLACK_SIGNING_SECRET", "--stage", "prod", "--value", "two", "--json"
    )
    assert json.loads(result.stdout) == {
        "name": "/rollcall/prod/ROLLCALL_SLACK_SIGNING_SECRET",
        "version": 2,
    }


def test_secrets_list_shows_names_and_never_values(ssm):
    put(ssm, TOKEN, "very-secret-token")
    put(ssm, WEBHOOK_SECRET, "very-secret-hook")
    put(ssm, TOKEN, "dev-only", stage="dev")
    result = cli("secrets", "list", "--stage", "prod", "--json")
    assert result.exit_code == 0, result.output + result.stderr
    assert "very-secret" not in result.output
    names = [p["name"] for p in json.loads(result.stdout)]
    assert names == [
        "/rollcall/prod/ROLLCALL_TELEGRAM_BOT_TOKEN",
        "/rollcall/prod/ROLLCALL_TELEGRAM_SECRET_TOKEN",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("secrets", "set", "TELEGRAM_BOT_TOKEN", "--value", "x"), "local stage"),
        (("secrets", "set", "TABLE", "--stage", "prod", "--value", "x"), "not a platform"),
        (("secrets", "set", "SLACK_BOT_TOKEN", "--stage", "prod", "--value", "  "), "empty"),
        (("secrets", "list"), "local stage"),
    ],
)
def test_secrets_commands_refuse_in_one_line(ssm, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert ssm.describe_parameters()["Parameters"] == []


def test_a_deployed_stage_takes_its_region_from_boto3s_chain_or_says_there_is_none(
    monkeypatch, tmp_path
):
    """Bootstrap, secrets and `chalice deploy` must land in one region: with none in the
    environment, the profile's (as chalice uses); with none at all, one clear error instead
    of a silent us-east-1."""
    from chalicelib.config import NoRegion, Settings

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(NoRegion, match="no AWS region for stage 'prod'"):
        Settings.from_env({"ROLLCALL_STAGE": "prod"})
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = ap-northeast-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert Settings.from_env({"ROLLCALL_STAGE": "prod"}).region == "ap-northeast-1"
    assert Settings.from_env({"ROLLCALL_STAGE": "prod", "AWS_REGION": "eu-west-1"}).region == (
        "eu-west-1"
    )
    assert Settings.from_env({}).region == "us-east-1"  # the local stage
