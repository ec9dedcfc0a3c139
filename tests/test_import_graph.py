"""No import circle in chalicelib/, counting imports inside functions too: each layer
imports only the layers below it (STYLE.md), and a feature's use cases live in one place
that chat commands, jobs, the CLI and the web pages call (chat/ and jobs/ never import each
other in both directions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chalicelib"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The chalicelib modules a file imports, at its top or inside any function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    edges = {name: imports_of(path, modules) - {name} for name, path in paths.items()}
    # A package's __init__ is imported with any of its modules: not an edge of its own.
    return {
        name: {t for t in targets if not name.startswith(t + ".")}
        for name, targets in edges.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_chalicelib_has_no_import_circle():
    assert cycles(graph()) == []


def test_the_check_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_jobs_import_nothing_of_chat_and_the_domain_nothing_of_ours_above_it():
    edges = graph()
    for name, targets in edges.items():
        if name.startswith("chalicelib.jobs"):
            assert not {t for t in targets if t.startswith("chalicelib.chat")}, name
        if name.startswith("chalicelib.domain"):
            above = {t for t in targets if not t.startswith("chalicelib.domain")}
            assert not above, (name, above)


def test_chat_handlers_take_the_runtime_from_their_context_never_fetch_it():
    """Issue 14: a chat handler is handed its collaborators (CommandContext.runtime, given by
    the webhook and the worker); none reaches for the process-wide runtime."""
    import ast
    from pathlib import Path

    chat = Path(__file__).resolve().parent.parent / "chalicelib" / "chat"
    fetching = []
    for path in sorted(chat.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name | ast.alias | ast.Attribute):
                name = getattr(node, "id", None) or getattr(node, "name", None)
                name = name or getattr(node, "attr", None)
                if name == "get_runtime":
                    fetching.append(f"{path.name}:{getattr(node, 'lineno', '?')}")
    assert fetching == []
