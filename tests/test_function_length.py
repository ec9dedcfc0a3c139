"""Issue 14's rule, kept: no function in chalicelib/ is longer than 60 lines, its
docstring not counted. A long function is split into named steps that read top to
bottom (the runner's run_job, the webhook's event handling, the console's pages)."""

from __future__ import annotations

import ast
from pathlib import Path

LIMIT = 60
ROOT = Path(__file__).resolve().parent.parent / "chalicelib"


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if is_doc and isinstance(first.value.value, str) and first.end_lineno is not None:
        return first.end_lineno - first.lineno + 1
    return 0


def long_functions(root: Path = ROOT, limit: int = LIMIT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1 - _docstring_lines(node)
            if length > limit:
                where = path.relative_to(root.parent)
                found.append(f"{where}:{node.lineno} {node.name} {length}")
    return found


def test_no_function_in_chalicelib_is_over_sixty_lines():
    assert long_functions() == []


def test_the_count_leaves_out_the_docstring_and_nothing_else(tmp_path):
    body = "\n".join(f"    x{n} = {n}" for n in range(LIMIT - 1))
    doc = '    """A docstring\n    on three\n    lines."""\n'
    (tmp_path / "fits.py").write_text(f"def fits():\n{doc}{body}\n")
    (tmp_path / "over.py").write_text(f"def over():\n{doc}{body}\n    x = 1\n")
    assert long_functions(tmp_path) == [f"{tmp_path.name}/over.py:1 over 61"]
