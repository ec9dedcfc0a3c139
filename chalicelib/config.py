"""Settings.from_env(): the one place that reads ``os.environ``.

Read lazily, when a handler first needs it, never at import time: the Chalice test client
applies a stage's environment variables per call, and moto must be active before any
client is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from chalicelib.secrets import ParameterStoreSecrets, SecretSource

PLATFORMS = ("slack", "discord", "telegram", "feishu", "dingtalk", "wecom", "console")

DEFAULT_API_BASES = {
    "slack": "https://slack.com/api",
    "discord": "https://discord.com/api/v10",
    "telegram": "https://api.telegram.org",
    "feishu": "https://open.feishu.cn/open-apis",
    "dingtalk": "https://oapi.dingtalk.com",
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin",
    "console": "",
}


MANAGE_SECRET = "ROLLCALL_MANAGE_SECRET"  # noqa: S105 (a name, not a value)

# The due index's shards (store/due.py): 12 unless ROLLCALL_DUE_SHARDS says more. It may
# only grow (readers read shards 0 to count - 1, so pointers under a smaller count stay read).
DUE_SHARDS_SETTING = "ROLLCALL_DUE_SHARDS"
DUE_SHARDS_DEFAULT = 12
DUE_SHARDS_MAX = 999


# Requests a second one bot may make, per platform, across every worker (store/pacing.py):
# e.g. "telegram=25,discord=40". Unset: no shared budget (each adapter paces per chat).
SEND_BUDGET_SETTING = "ROLLCALL_SEND_BUDGET"


def send_budgets(env: Mapping[str, str] | None = None) -> dict[str, int]:
    """ROLLCALL_SEND_BUDGET as {platform: requests a second}; ValueError saying what is
    wrong."""
    env = os.environ if env is None else env
    budgets: dict[str, int] = {}
    for entry in filter(None, (e.strip() for e in env.get(SEND_BUDGET_SETTING, "").split(","))):
        platform, _, value = entry.partition("=")
        platform, value = platform.strip(), value.strip()
        if platform not in PLATFORMS or not value.isdigit() or not 1 <= int(value) <= 1000:
            raise ValueError(
                f"{SEND_BUDGET_SETTING} must read like telegram=25,discord=40 (a platform and "
                f"1 to 1000 requests a second), not {entry[:40]!r}"
            )
        budgets[platform] = int(value)
    return budgets


def due_shard_count(env: Mapping[str, str] | None = None) -> int:
    """The number of the due index's shards; ValueError saying what is wrong."""
    env = os.environ if env is None else env
    text = env.get(DUE_SHARDS_SETTING, "").strip()
    if not text:
        return DUE_SHARDS_DEFAULT
    if not text.isdigit() or not DUE_SHARDS_DEFAULT <= int(text) <= DUE_SHARDS_MAX:
        raise ValueError(
            f"{DUE_SHARDS_SETTING} must be a whole number from {DUE_SHARDS_DEFAULT} to "
            f"{DUE_SHARDS_MAX} (and never lowered), not {text[:20]!r}"
        )
    return int(text)


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    table_name: str = "rollcall-local"
    region: str = "us-east-1"
    queue_name: str = "rollcall-local-jobs"
    log_level: str = "INFO"
    console_secret: str = ""
    # The organiser's pages (chalicelib/manage/): where the stage's API is reached from a
    # browser (sign-in links point there), and the key their session cookies are signed with
    # (ROLLCALL_MANAGE_SECRET: the environment, or the stage's Parameter Store folder).
    public_url: str = ""
    api_bases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_API_BASES))
    secrets: Mapping[str, str] = field(default_factory=dict)
    # Deployed stages: SSM Parameter Store, consulted before ``secrets`` (the environment).
    # None for the local stage and for Settings built by hand (tests): no AWS call.
    secret_source: SecretSource | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        stage = env.get("ROLLCALL_STAGE", "local")
        bases = {
            name: env.get(f"ROLLCALL_{name.upper()}_API_BASE", default).rstrip("/")
            for name, default in DEFAULT_API_BASES.items()
        }
        # Platform credentials: ROLLCALL_TELEGRAM_BOT_TOKEN, ROLLCALL_SLACK_SIGNING_SECRET, ...
        prefixes = tuple(f"ROLLCALL_{p.upper()}_" for p in PLATFORMS)
        secrets = {
            k: v
            for k, v in env.items()
            if (k.startswith(prefixes) and not k.endswith("_API_BASE")) or k == MANAGE_SECRET
        }
        region = _region(env, stage)
        return cls(
            stage=stage,
            table_name=env.get("ROLLCALL_TABLE", f"rollcall-{stage}"),
            region=region,
            queue_name=env.get("ROLLCALL_QUEUE", f"rollcall-{stage}-jobs"),
            log_level=env.get("ROLLCALL_LOG_LEVEL", "INFO").upper(),
            console_secret=env.get("ROLLCALL_CONSOLE_SECRET", ""),
            public_url=env.get("ROLLCALL_PUBLIC_URL", "").rstrip("/"),
            api_bases=bases,
            secrets=secrets,
            # Built here, read on first use: no AWS call at import or for the local stage.
            secret_source=None
            if stage == "local"
            else ParameterStoreSecrets.for_stage(stage, region),
        )

    def secret(self, name: str) -> str:
        """A platform credential by its environment name, '' when unset.

        Parameter Store's ``/rollcall/<stage>/<name>`` wins when the stage has it (so a
        rotation there takes effect within the cache TTL); the environment is the fallback
        (local use, or a stage that keeps a credential in its environment).
        """
        if self.secret_source is not None:
            value = self.secret_source.get(name)
            if value is not None:
                return value
        return self.secrets.get(name, "")

    def manage_key(self) -> bytes | None:
        """The key that signs the organiser's pages' cookies: ``ROLLCALL_MANAGE_SECRET``
        (Parameter Store, then the environment); on the local stage, without one, a key
        derived from the console secret (the local pages are on 127.0.0.1 only). None: the
        pages refuse to sign anyone in."""
        import hashlib
        import hmac

        configured = self.secret(MANAGE_SECRET)
        if configured:
            return hashlib.sha256(configured.encode()).digest()
        if self.stage == "local" and self.console_secret:
            return hmac.new(self.console_secret.encode(), b"rollcall-manage", "sha256").digest()
        return None

    def secrets_version(self) -> int:
        """Moves when the secret source loaded different values (see Runtime.adapter)."""
        return self.secret_source.version() if self.secret_source is not None else 0


class NoRegion(ValueError):
    """A deployed stage with no AWS region anywhere in boto3's own chain."""


def _region(env: Mapping[str, str], stage: str) -> str:
    """The AWS region: the environment's (Lambda always sets AWS_REGION), else, for a
    deployed stage, boto3's own chain (the profile's region), the one ``chalice deploy``
    follows; so bootstrap, secrets and the deploy never land in different regions. The
    local stage's embedded endpoint does not care: us-east-1."""
    found = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if found:
        return found
    if stage == "local":
        return "us-east-1"
    import boto3

    profile_region = boto3.session.Session().region_name
    if not profile_region:
        raise NoRegion(
            f"no AWS region for stage {stage!r}: set AWS_REGION (or AWS_DEFAULT_REGION), or a "
            "region in your AWS profile, the one chalice deploy uses"
        )
    return str(profile_region)
