"""What the Lambda package is built from: ``python -m rollcall.ship [DIR]`` (``make ship``).

A copy of the chalice project (default ``build/ship``) in which ``chalicelib`` is bytecode
only: every module compiled to a sourceless ``.pyc`` beside where its source was, and no
``.py``. chalice zips ``chalicelib`` as it finds it, sources, caches and all; shipping
bytecode alone keeps the deployment zip about a third smaller (the 5 MB budget,
docs/operator.md#package-size), and Lambda's read-only code directory never compiles
anything on a cold start. The bytecode is compiled from the same sources by the Python
that runs chalice (the functions' runtime, 3.11), with the source's path recorded, so a
traceback in the logs still names ``chalicelib/<module>.py`` and its line.

``app.py`` stays source (chalice reads the app from it); ``.chalice`` and
``requirements.txt`` are links to the project's own, so a ``chalice --project-dir DIR
deploy`` keeps its record in the project's ``.chalice/deployed`` and builds the layer from
the same lock. The copy is rebuilt from scratch each time: a module deleted from the
source never lingers in the package.
"""

from __future__ import annotations

import argparse
import os
import py_compile
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = "chalicelib"
LINKED = (".chalice", "requirements.txt")
COPIED = ("app.py",)


def stage(destination: Path, root: Path = ROOT) -> Path:
    """Build the bytecode-only project at ``destination`` (replaced if present)."""
    destination = destination.resolve()
    if destination == root.resolve() or root.resolve().is_relative_to(destination):
        raise ValueError(f"refusing to replace {destination}: it holds the project itself")
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for name in COPIED:
        shutil.copy2(root / name, destination / name)
    for name in LINKED:
        os.symlink(root / name, destination / name)
    source = root / LIBRARY
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(root)
        if "__pycache__" in relative.parts or path.is_dir():
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            py_compile.compile(
                str(path),
                cfile=str(target.with_suffix(".pyc")),
                dfile=relative.as_posix(),
                doraise=True,
                # No timestamp to check (there is no source beside it), and the same
                # bytes for the same source: a rebuilt package differs only where the
                # code did.
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        elif path.suffix != ".pyc":
            shutil.copy2(path, target)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rollcall.ship", description=__doc__)
    parser.add_argument("directory", nargs="?", default=str(ROOT / "build" / "ship"))
    args = parser.parse_args(argv)
    try:
        built = stage(Path(args.directory))
    except (OSError, ValueError, py_compile.PyCompileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{built}: {LIBRARY}/ as bytecode only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
