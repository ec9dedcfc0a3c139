"""rollcall/ship.py: the bytecode-only copy of the project that `make package` packages."""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from rollcall import ship


def a_project(root: Path) -> Path:
    (root / "chalicelib" / "sub" / "__pycache__").mkdir(parents=True)
    (root / "chalicelib" / "__init__.py").write_text("")
    (root / "chalicelib" / "sub" / "__init__.py").write_text("")
    (root / "chalicelib" / "sub" / "mod.py").write_text("def boom():\n    raise ValueError(1)\n")
    (root / "chalicelib" / "sub" / "data.txt").write_text("kept")
    (root / "chalicelib" / "sub" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"stale")
    (root / "app.py").write_text("from chalicelib.sub.mod import boom\n")
    (root / ".chalice").mkdir()
    (root / "requirements.txt").write_text("")
    return root


def test_the_copy_has_bytecode_for_every_module_and_no_source(tmp_path: Path) -> None:
    root = a_project(tmp_path / "project")
    built = ship.stage(tmp_path / "out", root)
    files = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert files == [
        "app.py",
        "chalicelib/__init__.pyc",
        "chalicelib/sub/__init__.pyc",
        "chalicelib/sub/data.txt",
        "chalicelib/sub/mod.pyc",
        "requirements.txt",
    ]
    assert (built / ".chalice").resolve() == (root / ".chalice").resolve()
    assert (built / "requirements.txt").is_symlink()
    probe = (
        "import traceback, app\n"
        "try:\n    app.boom()\n"
        "except ValueError as e:\n"
        "    f = traceback.extract_tb(e.__traceback__)[-1]\n    print(f.filename, f.lineno)\n"
    )
    done = subprocess.run(
        [sys.executable, "-B", "-c", probe],
        cwd=built,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(built)},
    )
    assert done.stdout.split() == ["chalicelib/sub/mod.py", "2"]


def test_a_rebuild_leaves_nothing_of_a_deleted_module(tmp_path: Path) -> None:
    root = a_project(tmp_path / "project")
    ship.stage(tmp_path / "out", root)
    (root / "chalicelib" / "sub" / "mod.py").unlink()
    built = ship.stage(tmp_path / "out", root)
    assert not (built / "chalicelib" / "sub" / "mod.pyc").exists()


def test_it_refuses_to_replace_the_project_itself(tmp_path: Path) -> None:
    root = a_project(tmp_path / "project")
    with pytest.raises(ValueError, match="holds the project"):
        ship.stage(root, root)
    with pytest.raises(ValueError, match="holds the project"):
        ship.stage(tmp_path, root)
    assert (root / "chalicelib" / "sub" / "mod.py").exists()


def test_the_command_says_what_is_wrong_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert ship.main([str(ship.ROOT)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: refusing to replace") and err.count("\n") == 1


def test_a_module_that_does_not_compile_stops_the_build(tmp_path: Path) -> None:
    root = a_project(tmp_path / "project")
    (root / "chalicelib" / "broken.py").write_text("def (:\n")
    with pytest.raises(py_compile.PyCompileError, match=r"broken\.py"):
        ship.stage(tmp_path / "out", root)
