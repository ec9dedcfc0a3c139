"""Zones come from the pinned tzdata package on every machine, whatever its own zone files say."""

from __future__ import annotations

import copy
import pickle
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import pytest

from chalicelib.domain import tz
from chalicelib.domain.calendar import LocalCalendar, UnknownTimezone, zone

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


@pytest.fixture
def machine_zone_files(tmp_path: Path) -> Iterator[Path]:
    """This machine's zone files replaced by ones that put Asia/Shanghai at UTC+5.

    Through zoneinfo's public TZPATH, restored afterwards; the caches are emptied on both
    sides so no zone loaded before the test answers for it.
    """
    fake = tmp_path / "zoneinfo"
    (fake / "Asia").mkdir(parents=True)
    gmt_minus_5 = files("tzdata.zoneinfo").joinpath("Etc", "GMT-5").read_bytes()  # UTC+5
    (fake / "Asia" / "Shanghai").write_bytes(gmt_minus_5)
    before = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(fake)])
    zoneinfo.ZoneInfo.clear_cache()
    tz.load.cache_clear()
    try:
        yield fake
    finally:
        zoneinfo.reset_tzpath(to=before)
        zoneinfo.ZoneInfo.clear_cache()
        tz.load.cache_clear()


def test_a_zone_is_read_from_tzdata_even_when_the_machine_has_zone_files(
    machine_zone_files: Path,
) -> None:
    """Lambda reads tzdata (PYTHONTZPATH=""); laptops, CI and `serve` must compute the same."""
    machine = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert machine.utcoffset(WINTER) == timedelta(hours=5)  # the machine's files do win there
    assert zone("Asia/Shanghai").utcoffset(WINTER) == timedelta(hours=8)
    assert LocalCalendar("Asia/Shanghai").at_local(WINTER.date(), WINTER.time()) == datetime(
        2026, 1, 15, 4, tzinfo=UTC
    )


def test_zones_are_the_installed_tzdata_which_is_the_locked_one() -> None:
    root = Path(__file__).resolve().parents[2]
    assert f"tzdata=={version('tzdata')} " in (root / "requirements.txt").read_text()
    assert tz.known_zones() == frozenset(
        files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    )


def test_one_zone_instance_per_name_that_survives_copy_and_pickle() -> None:
    """Aware datetimes are deep-copied and pickled; a file-built zone alone would refuse."""
    shanghai = zone("Asia/Shanghai")
    assert zone("Asia/Shanghai") is shanghai and str(shanghai) == "Asia/Shanghai"
    instant = datetime(2026, 3, 1, 9, tzinfo=shanghai)
    assert copy.deepcopy(instant).tzinfo is shanghai
    assert pickle.loads(pickle.dumps(instant)).tzinfo is shanghai  # noqa: S301 - our own bytes


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "/usr/share/zoneinfo/UTC", "localtime", "right/UTC"]
)
def test_only_names_in_tzdatas_list_are_opened(name: str) -> None:
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        tz.load(name)
    with pytest.raises(UnknownTimezone):
        zone(name)
