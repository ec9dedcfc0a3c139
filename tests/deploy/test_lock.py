"""What ships is what was locked, and what was tested.

requirements.txt is the Lambda's lock (compiled from requirements.in by `make lock`): every
package the layer holds, pinned, with the sha256 of each of its files. chalice reads it, but
fetches the arm64 wheels again by name==version, without hashes. So `make package` has pip
download every wheel into build/wheels first, checking the lock's hashes, and runs chalice
with no index but that folder; and these tests hold the result: the built layer holds exactly
the locked packages, each file byte for byte from a wheel whose sha256 the lock lists.

The fast tests read only the repository and the running environment. The layer tests need
`make package` (which `make test` runs before pytest) and skip only when no package was built.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

# `chalice package` and the deploy share .chalice/deployments and build/: under pytest-xdist
# (--dist loadgroup) these modules run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("chalice-package")

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_LOCK = ROOT / "requirements.txt"
LAMBDA_INPUT = ROOT / "requirements.in"
DEV_LOCK = ROOT / "requirements-dev.txt"
WHEELS = ROOT / "build" / "wheels"
STAGES = ("dev", "prod")
# Where a chalice layer unpacks its wheels.
SITE_PACKAGES = re.compile(r"^python/lib/python3\.\d+/site-packages/")
HASH = re.compile(r"^--hash=sha256:([0-9a-f]{64})$")
# Markers of the Lambda runtime: Python 3.11 on Amazon Linux, arm64 (.chalice/config.json).
LAMBDA_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: str
    extras: frozenset[str]
    marker: Marker | None
    hashes: frozenset[str]


def parse_lock(text: str) -> tuple[list[Pin], list[str]]:
    """The pins of a hashed lock, and one line per entry that is not `name==version --hash`."""
    pins: list[Pin] = []
    problems: list[str] = []
    logical = re.sub(r"\\\n", " ", text)
    for raw in logical.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        options = [w for w in words if w.startswith("-")]
        spec = " ".join(w for w in words if not w.startswith("-"))
        hashes = [m.group(1) for w in options if (m := HASH.match(w))]
        if len(hashes) != len(options) or not spec:
            problems.append(f"not a pinned requirement: {line[:80]}")
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            problems.append(f"not a pinned requirement: {line[:80]}")
            continue
        specs = list(req.specifier)
        if req.url or len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            problems.append(f"{req.name}: not pinned with ==: {spec}")
            continue
        if not hashes:
            problems.append(f"{req.name}=={specs[0].version}: no --hash")
            continue
        pins.append(
            Pin(
                canonicalize_name(req.name),
                specs[0].version,
                frozenset(req.extras),
                req.marker,
                frozenset(hashes),
            )
        )
    return pins, problems


def read_lock(path: Path) -> dict[str, Pin]:
    pins, problems = parse_lock(path.read_text(encoding="utf-8"))
    assert problems == [], f"{path.name}: {problems}"
    by_name: dict[str, Pin] = {}
    for pin in pins:
        assert pin.name not in by_name, f"{path.name}: {pin.name} is locked twice"
        by_name[pin.name] = pin
    return by_name


def applies(
    marker: Marker | None, env: dict[str, str] | None = None, extras: Iterable[str] = ()
) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**(env or {}), "extra": e}) for e in ("", *extras))


def lambda_inputs() -> list[Requirement]:
    lines = LAMBDA_INPUT.read_text(encoding="utf-8").splitlines()
    return [Requirement(code) for line in lines if (code := line.split("#", 1)[0].strip())]


# --- the lock files themselves: fast, no build needed ---


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("requests>=2.34 --hash=sha256:" + "a" * 64, "not pinned with =="),
        ("requests==2.34.2", "no --hash"),
        ("requests==2.* --hash=sha256:" + "a" * 64, "not pinned with =="),
        ("requests==2.34.2 --hash=md5:" + "a" * 32, "not a pinned requirement"),
        ("-e .", "not a pinned requirement"),
        ("-r requirements.in", "not a pinned requirement"),
        ("--index-url https://example.invalid/simple", "not a pinned requirement"),
    ],
)
def test_a_loose_line_is_not_a_lock(line: str, problem: str) -> None:
    """The parser the lock tests rely on refuses every way a line can escape the lock."""
    pins, problems = parse_lock(f"{line}\n")
    assert pins == []
    assert len(problems) == 1 and problem in problems[0]


def test_the_lambda_lock_pins_every_package_with_its_hashes() -> None:
    """chalice reads requirements.txt: every line exact, hashed, and for the Lambda alone."""
    lock = read_lock(LAMBDA_LOCK)
    assert {"requests", "pycryptodome", "tzdata", "certifi", "idna"} <= set(lock)
    assert [p.name for p in lock.values() if p.marker is not None] == []


def _dependencies(pin: Pin, env: dict[str, str]) -> list[Requirement]:
    dist = metadata.distribution(pin.name)
    assert dist.version == pin.version, (
        f"{pin.name} {dist.version} is installed, the lock has {pin.version}: reinstall (make)"
    )
    reqs = [Requirement(r) for r in dist.requires or ()]
    return [r for r in reqs if applies(r.marker, env, pin.extras)]


def test_the_lambda_lock_is_exactly_the_closure_of_its_input() -> None:
    """Nothing the Lambda imports is left to chalice's own resolution, and nothing extra ships."""
    lock = read_lock(LAMBDA_LOCK)
    roots = lambda_inputs()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        assert name in lock, f"{req} is needed but not in requirements.txt: make lock"
        assert req.specifier.contains(lock[name].version, prereleases=True), (
            f"requirements.txt has {name}=={lock[name].version}, {req} is needed: make lock"
        )
        if name not in seen:
            seen.add(name)
            todo.extend(_dependencies(lock[name], LAMBDA_ENV))
    assert set(lock) - seen == set(), "locked but not needed by requirements.in: make lock"


def test_tests_run_the_versions_that_ship() -> None:
    """The dev lock holds every Lambda package at the Lambda lock's version and hashes."""
    lock = read_lock(LAMBDA_LOCK)
    dev = read_lock(DEV_LOCK)
    for name, pin in lock.items():
        assert name in dev, f"{name} is in requirements.txt but not requirements-dev.txt"
        assert (dev[name].version, dev[name].hashes) == (pin.version, pin.hashes), name


def test_this_environment_is_the_dev_lock() -> None:
    """What the tests import is what requirements-dev.txt locks (make installs it)."""
    wrong = []
    for pin in read_lock(DEV_LOCK).values():
        if not applies(pin.marker):
            continue
        try:
            installed = metadata.version(pin.name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != pin.version:
            wrong.append(f"{pin.name}: {installed}, locked {pin.version}")
    assert wrong == [], "reinstall from requirements-dev.txt (make): " + "; ".join(wrong)


def test_pyproject_declares_what_the_cli_and_the_lambda_need_at_the_locked_versions() -> None:
    """`pip install .` gives a working rollcall; the locked versions satisfy what it asks."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        canonicalize_name(Requirement(r).name): Requirement(r) for r in project["dependencies"]
    }
    lock = read_lock(LAMBDA_LOCK)
    dev = read_lock(DEV_LOCK)
    lambda_roots = {canonicalize_name(r.name) for r in lambda_inputs()}
    assert lambda_roots | {"boto3", "chalice", "click", "moto"} <= set(declared)
    for name, req in declared.items():
        assert name in dev, f"pyproject asks for {name}, requirements-dev.txt does not lock it"
        assert req.specifier.contains(dev[name].version), f"{req} vs {dev[name].version}"
        assert set(req.extras) <= dev[name].extras, f"{req}: extras not locked"
        if name in lock:
            assert req.specifier.contains(lock[name].version), f"{req} vs {lock[name].version}"


def test_the_license_pyproject_names_is_in_the_repository() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "Apache-2.0"}
    assert "Apache License\n                           Version 2.0" in (ROOT / "LICENSE").read_text(
        encoding="utf-8"
    )


# --- the Makefile's wiring, read from a dry run (`make -n`: nothing runs) ---


def dry_run(*goal: str) -> list[str]:
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", *goal],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if not line.lstrip().startswith("#")]


def _first(commands: list[str], *words: str) -> int:
    return next(i for i, c in enumerate(commands) if all(w in c for w in words))


def test_make_test_builds_both_packages_before_pytest_so_the_layer_test_runs() -> None:
    commands = dry_run("test")
    pytest_at = _first(commands, "bin/pytest")
    for stage in STAGES:
        assert _first(commands, "package", f"--stage {stage}") < pytest_at


@pytest.mark.parametrize("goal", ["package", "deploy"])
def test_chalice_builds_the_layer_only_from_the_hash_checked_wheels(goal: str) -> None:
    """chalice fetches by name==version, unchecked: it gets no index, only build/wheels."""
    commands = dry_run(goal, "STAGE=prod")
    chalice = _first(commands, "bin/chalice", f" {goal} ")
    assert "PIP_NO_INDEX=1" in commands[chalice]
    assert f"PIP_FIND_LINKS={ROOT / 'build' / 'wheels'}" in commands[chalice]
    downloads = [i for i, c in enumerate(commands) if "pip download" in c]
    assert len(downloads) == 2 and max(downloads) < chalice
    assert all("--require-hashes" in commands[i] for i in downloads)
    assert "--platform manylinux2014_aarch64" in commands[downloads[1]]
    assert _first(commands, "-m rollcall.ship") < chalice  # default: build/ship
    assert "--project-dir build/ship" in commands[chalice]


def test_make_deploy_runs_the_runbook_in_its_order() -> None:
    """`make deploy` is operator.md's `chalice deploy` runbook, line for line: bootstrap,
    the bytecode-only copy (rollcall/ship.py), chalice deploying that copy, bootstrap
    again. Only the venv's path and chalice's wheel settings are added."""
    from tests.deploy.motodeploy import runbook_block

    commands = dry_run("deploy", "STAGE=prod")
    runbook = runbook_block("First deploy with `chalice deploy`")
    recipe = [_as_typed(command) for command in commands[-len(runbook) :]]
    assert recipe == runbook
    assert "python -m rollcall.ship" in runbook
    assert "chalice --project-dir build/ship deploy --stage prod" in runbook


def _as_typed(command: str) -> str:
    """A recipe line as the operator types it: no leading VAR=value, no venv path."""
    words = command.split()
    while words and "=" in words[0]:
        words.pop(0)
    words[0] = words[0].rsplit("/", 1)[-1]
    return " ".join(words)


# --- the built layer against the lock ---


def lambda_machine() -> str:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return {"arm64": "aarch64", "x86_64": "x86_64"}[config.get("lambda_architecture", "x86_64")]


def runs_on_lambda(wheel: str, machine: str) -> bool:
    _, _, _, tags = parse_wheel_filename(wheel)
    return any(
        t.platform == "any" or (t.platform.startswith("manylinux") and t.platform.endswith(machine))
        for t in tags
    )


def _name_version(wheel: str) -> tuple[str, str]:
    name, version, _, _ = parse_wheel_filename(wheel)
    return name, str(version)


def _installed_path(member: str) -> str:
    # chalice moves a wheel's <dist>.data/purelib and platlib up into site-packages.
    return re.sub(r"^[^/]+\.data/(?:purelib|platlib)/", "", member)


def _wheel_problems(
    name: str, wheel: Path, files: dict[str, bytes], lock: dict[str, Pin]
) -> tuple[list[str], set[str]]:
    """How the layer's files differ from one wheel's, and the paths that wheel installs."""
    problems: list[str] = []
    data = wheel.read_bytes()
    if name in lock and hashlib.sha256(data).hexdigest() not in lock[name].hashes:
        problems.append(f"{wheel.name}: sha256 not in the lock")
    paths = set()
    with zipfile.ZipFile(io.BytesIO(data)) as w:
        for info in w.infolist():
            if info.is_dir():
                continue
            path = _installed_path(info.filename)
            paths.add(path)
            if files.get(path) != w.read(info):
                problems.append(f"{name}: {path} differs from {wheel.name}")
    return problems, paths


def layer_problems(layer: Path, wheels: Path, lock: dict[str, Pin], machine: str) -> list[str]:
    """Every way the layer differs from the locked wheels, one line each."""
    problems: list[str] = []
    with zipfile.ZipFile(layer) as z:
        files = {
            SITE_PACKAGES.sub("", i.filename): z.read(i) for i in z.infolist() if not i.is_dir()
        }
        outside = [i.filename for i in z.infolist() if not SITE_PACKAGES.match(i.filename)]
    problems += [f"outside site-packages: {name}" for name in outside if not name.endswith("/")]
    shipped: dict[str, str] = {}
    for path in files:
        if m := re.match(r"^([^/]+)-([^/-]+)\.dist-info/METADATA$", path):
            shipped[canonicalize_name(m.group(1))] = m.group(2)
    for name in sorted(set(lock) | set(shipped)):
        if name not in shipped:
            problems.append(f"{name}: locked, not in the layer")
        elif name not in lock:
            problems.append(f"{name} {shipped[name]}: in the layer, not locked")
        elif shipped[name] != lock[name].version:
            problems.append(f"{name}: layer has {shipped[name]}, lock {lock[name].version}")
    unclaimed = set(files)
    for name, version in sorted(shipped.items()):
        candidates = [
            w
            for w in sorted(wheels.glob("*.whl"))
            if _name_version(w.name) == (name, version) and runs_on_lambda(w.name, machine)
        ]
        if name in lock and not candidates:
            problems.append(f"{name} {version}: no wheel in {wheels} (make package)")
            continue
        # Several arm64 builds of one release may lie there: the layer must be one of them.
        checked = [_wheel_problems(name, w, files, lock) for w in candidates]
        best = min(checked, key=lambda c: len(c[0]), default=([], set()))
        problems += best[0]
        unclaimed -= best[1]
    problems += [f"from no locked wheel: {path}" for path in sorted(unclaimed)]
    return problems


@pytest.mark.parametrize("stage", STAGES)
def test_the_built_layer_is_the_locked_wheels(stage: str) -> None:
    """Each package in the layer: the locked version, every file from a wheel the lock hashes."""
    layer = ROOT / "build" / f"package-{stage}" / "layer-deployment.zip"
    if not layer.exists():
        pytest.skip(f"no {layer.relative_to(ROOT)}: `make package STAGE={stage}` builds it")
    assert layer_problems(layer, WHEELS, read_lock(LAMBDA_LOCK), lambda_machine()) == []


def _wheel(path: Path, files: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path.read_bytes()


def _layer(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(f"python/lib/python3.11/site-packages/{name}", data)
    return path


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, Pin]]:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    content = {"demo/__init__.py": b"x = 1\n", "demo-1.0.dist-info/METADATA": b"Name: demo\n"}
    data = _wheel(wheels / "demo-1.0-py3-none-any.whl", content)
    _wheel(wheels / "demo-1.0-cp311-cp311-win_amd64.whl", {"other": b"windows"})
    lock = {"demo": Pin("demo", "1.0", frozenset(), None, frozenset({_sha(data)}))}
    return wheels, content, lock


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_layer_check_passes_a_layer_made_of_the_locked_wheels(tmp_path: Path, built) -> None:
    wheels, content, lock = built
    assert layer_problems(_layer(tmp_path / "l.zip", content), wheels, lock, "aarch64") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("edit", "demo: demo/__init__.py differs from demo-1.0-py3-none-any.whl"),
        ("extra", "from no locked wheel: stray.py"),
        ("version", "demo: layer has 1.1, lock 1.0"),
        ("unlocked", "other 2.0: in the layer, not locked"),
        ("hash", "demo-1.0-py3-none-any.whl: sha256 not in the lock"),
        ("missing", "demo: locked, not in the layer"),
        ("no wheel", "demo 1.0: no wheel in"),
    ],
)
def test_the_layer_check_names_each_way_a_layer_can_differ(
    tmp_path: Path, built, change: str, problem: str
) -> None:
    """Each guard of the layer test, shown failing on a small layer built to break it."""
    wheels, content, lock = built
    files = dict(content)
    if change == "edit":
        files["demo/__init__.py"] = b"x = 2\n"
    elif change == "extra":
        files["stray.py"] = b""
    elif change == "version":
        files = {"demo/__init__.py": b"", "demo-1.1.dist-info/METADATA": b""}
    elif change == "unlocked":
        files["other-2.0.dist-info/METADATA"] = b""
    elif change == "hash":
        lock = {"demo": Pin("demo", "1.0", frozenset(), None, frozenset({"0" * 64}))}
    elif change == "missing":
        files = {}
    elif change == "no wheel":
        (wheels / "demo-1.0-py3-none-any.whl").unlink()
    problems = layer_problems(_layer(tmp_path / "l.zip", files), wheels, lock, "aarch64")
    assert any(p.startswith(problem) for p in problems), problems


def test_the_layer_may_come_from_any_of_a_releases_locked_arm64_wheels(tmp_path: Path, built):
    wheels, content, lock = built
    arm = {**content, "demo/_speedups.so": b"\x7fELF aarch64"}
    data = _wheel(wheels / "demo-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", arm)
    lock = {"demo": Pin("demo", "1.0", frozenset(), None, lock["demo"].hashes | {_sha(data)})}
    assert layer_problems(_layer(tmp_path / "l.zip", arm), wheels, lock, "aarch64") == []
    assert layer_problems(_layer(tmp_path / "x.zip", arm), wheels, lock, "x86_64") != []
