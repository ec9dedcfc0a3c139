"""Which AWS operations each Lambda function's code can reach: a static over-approximation.

The functions' code (app.py's three handlers and all of chalicelib) is parsed, never run.
Starting from a handler, everything it references is reachable: a name resolves through the
module's imports (also those inside functions) and its own definitions; ``x.name`` with a
receiver of unknown type resolves to *every* definition called ``name`` in chalicelib (a
method of any class, or a module's function reached through a module object); a string
constant that names a chalicelib module, or a ``(module, function)`` pair of string
constants (chat/router.py's tables), references that module or function. When a function is
reached, the top-level code of its module and the body of its class are too.

An AWS operation is a ``client.<operation>(...)`` call (or ``get_paginator("<operation>")``)
inside a reached function of one of the modules that hold a boto3 client; any such call in
another module fails the test, so a new client cannot slip past this.

Over-approximation errs on the safe side: a policy derived from it may grant an action a
function never takes, never miss one it takes. The one exception is stated, and tested
elsewhere: the webhook never runs the handler of a DEFERRED command (chat/router.py), only
its precheck; the queue worker runs the handler (tests/chat/test_admin_commands.py and
tests/entrypoints/test_deferred_commands.py pin that nothing of it runs in the webhook).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The modules that make boto3 clients, and the service of each one's calls.
CLIENT_MODULES = {
    "chalicelib.store.table": "dynamodb",
    "chalicelib.store.schema": "dynamodb",
    "chalicelib.queue": "sqs",
    "chalicelib.secrets": "ssm",
}
# Client methods that are no request of their own.
NOT_OPERATIONS = {"get_paginator", "get_waiter", "paginate", "close"}


@dataclass
class Definition:
    key: str  # "module:qualified.name"
    module: str
    node: ast.AST
    owner: str | None = None  # the class's key, for a method
    # Further definitions of the same name (a property's getter and setter).
    more: list[ast.AST] = field(default_factory=list)


@dataclass
class Index:
    modules: dict[str, ast.Module] = field(default_factory=dict)
    defs: dict[str, Definition] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    module_imports: dict[str, dict[str, str]] = field(default_factory=dict)

    def is_protocol(self, key: str) -> bool:
        node = self.defs[key].node
        return isinstance(node, ast.ClassDef) and any(
            (b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")) == "Protocol"
            for b in node.bases
        )

    def implementers(self, protocol: str, name: str) -> list[str]:
        """``name`` of every class that has all the methods ``protocol`` declares."""
        node = self.defs[protocol].node
        assert isinstance(node, ast.ClassDef)
        wanted = {s.name for s in node.body if isinstance(s, ast.FunctionDef)}
        found = []
        for key, definition in self.defs.items():
            if not isinstance(definition.node, ast.ClassDef) or key == protocol:
                continue
            have = {s.name for s in definition.node.body if isinstance(s, ast.FunctionDef)}
            if wanted <= have and name in have:
                found.append(f"{key}.{name}")
        return found

    def bases(self, key: str) -> list[str]:
        """A class's bases among chalicelib's classes (resolved by name)."""
        node = self.defs[key].node
        assert isinstance(node, ast.ClassDef)
        found = []
        for base in node.bases:
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            found += [
                k
                for k in self.by_name.get(name or "", ())
                if isinstance(self.defs[k].node, ast.ClassDef)
            ]
        return found

    def family(self, key: str) -> set[str]:
        """A class, its ancestors and its descendants."""
        up, todo = {key}, [key]
        while todo:
            for base in self.bases(todo.pop()):
                if base not in up:
                    up.add(base)
                    todo.append(base)
        classes = [k for k, d in self.defs.items() if isinstance(d.node, ast.ClassDef)]
        down, changed = set(up), True
        while changed:
            changed = False
            for other in classes:
                if other not in down and set(self.bases(other)) & down:
                    down.add(other)
                    changed = True
        return down

    @classmethod
    def build(cls, root: Path = ROOT) -> Index:
        index = cls()
        files = [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]
        for path in files:
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            index.modules[name] = tree
            index.module_imports[name] = _imports(tree.body, name)
            index._collect(name, tree.body, prefix="", owner=None)
        return index

    def _collect(self, module: str, body: list[ast.stmt], prefix: str, owner: str | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                key = f"{module}:{prefix}{node.name}"
                if key in self.defs:
                    self.defs[key].more.append(node)
                    continue
                self.defs[key] = Definition(key, module, node, owner)
                self.by_name[node.name].add(key)
                if isinstance(node, ast.ClassDef):
                    self._collect(module, node.body, f"{prefix}{node.name}.", key)


def _imports(body: list[ast.stmt], module: str) -> dict[str, str]:
    """Local name → "module" or "module:name", for the import statements in ``body``
    (top level only: nested statements are walked by the caller)."""
    found: dict[str, str] = {}
    for node in body:
        for stmt in ast.walk(node) if not isinstance(node, ast.FunctionDef) else [node]:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        found[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                for alias in stmt.names:
                    found[alias.asname or alias.name] = f"{stmt.module}:{alias.name}"
    return found


@dataclass(frozen=True)
class Operation:
    service: str
    name: str  # the API's name, e.g. UpdateItem
    where: str  # "module:function", for the failure message


def _api_name(method: str) -> str:
    return "".join(part.title() for part in method.split("_"))


class Reach:
    def __init__(self, index: Index, *, skip: set[str] = frozenset()) -> None:
        self.index = index
        self.skip = set(skip)
        self.seen: set[str] = set()
        self.loaded: set[str] = set()
        self.operations: set[Operation] = set()
        self.indexes: set[str] = set()  # Query ... index=<these>
        self.table_queries = False  # a Query of the table itself
        self.parent: dict[str, str] = {}  # how each definition was reached first
        self.types = Types(index)

    def path(self, key: str) -> list[str]:
        """The chain of references from the start to ``key`` (for failure messages)."""
        chain = [key]
        while chain[-1] in self.parent:
            chain.append(self.parent[chain[-1]])
        return chain[::-1]

    def run(self, start: str) -> Reach:
        todo = [(start, "")]
        while todo:
            key, parent = todo.pop()
            if key in self.seen or key in self.skip:
                continue
            self.seen.add(key)
            if parent:
                self.parent[key] = parent
            definition = self.index.defs[key]
            found = list(self._load(definition.module))
            if definition.owner:
                found.append(definition.owner)
            node = definition.node
            body: list[ast.AST] = [node, *definition.more]
            if isinstance(node, ast.ClassDef):
                # A class's own statements (not its methods': those are reached by name).
                body = [s for s in node.body if not isinstance(s, _DEF_TYPES)]
                body += [
                    d for s in node.body if isinstance(s, _DEF_TYPES) for d in s.decorator_list
                ]
            found.extend(self._references(definition.module, body, key))
            todo.extend((target, key) for target in found)
        return self

    def _load(self, module: str) -> Iterator[str]:
        """A module's top level runs when it is imported: its references are reached."""
        if module in self.loaded or module not in self.index.modules:
            return
        self.loaded.add(module)
        tree = self.index.modules[module]
        top = [s for s in tree.body if not isinstance(s, _DEF_TYPES)]
        top += [d for s in tree.body if isinstance(s, _DEF_TYPES) for d in s.decorator_list]
        yield from self._references(module, top, f"{module}:<module>")

    def _references(self, module: str, body: list[ast.AST], where: str) -> Iterator[str]:
        imports = dict(self.index.module_imports[module])
        for node in body:
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom | ast.Import):
                    imports.update(_imports([stmt], module))
        for node in body:
            for sub in ast.walk(node):
                yield from self._reference(module, sub, imports, where)

    def _reference(
        self, module: str, node: ast.AST, imports: dict[str, str], where: str
    ) -> Iterator[str]:
        index = self.index
        if isinstance(node, ast.ImportFrom | ast.Import):
            # Importing runs the module's top level; what it imports is reached only
            # where it is used (a Name below).
            for target in _imports([node], module).values():
                yield from self._target(target, use=False)
        elif isinstance(node, ast.Name):
            target = imports.get(node.id)
            if target is not None:
                yield from self._target(target)
            elif f"{module}:{node.id}" in index.defs:
                yield f"{module}:{node.id}"
        elif isinstance(node, ast.Attribute):
            base = node.value
            typed = self.types.of(base, module, where, imports)
            if typed == BUILTIN:
                return  # a dict's .get or .update, a str's .split: nothing of ours
            if typed:
                own = self._methods(typed, node.attr)
                if own is not None:
                    yield from own
                    return
            elif node.attr in DICT_METHODS and not _looks_like_ours(base):
                return  # record.get, response.get, ...: untyped, but plainly a dict
            target = imports.get(base.id) if isinstance(base, ast.Name) else None
            if target is not None:
                target = target.replace(":", ".")
            if target in index.modules and f"{target}:{node.attr}" in index.defs:
                yield f"{target}:{node.attr}"
                return
            yield from index.by_name.get(node.attr, ())
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in index.modules:
                yield from self._load(node.value)
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            first, second = node.elts
            if (
                isinstance(second, ast.Constant)
                and isinstance(second.value, str)
                and isinstance(first, ast.Constant | ast.Name)
            ):
                name = first.value if isinstance(first, ast.Constant) else None
                if isinstance(first, ast.Name):
                    name = _string_value(index.modules[module], first.id)
                    if first.id == "__name__":
                        name = module
                if name and f"{name}:{second.value}" in index.defs:
                    yield f"{name}:{second.value}"
        elif isinstance(node, ast.Call):
            self._operation(module, node, where)
            func = node.func
            if (
                isinstance(func, ast.Name)
                and func.id in ("getattr", "hasattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                yield from index.by_name.get(str(node.args[1].value), ())

    def _methods(self, classes: set[str], name: str) -> list[str] | None:
        """``x.name`` for an ``x`` of one of ``classes``: the methods called ``name`` of
        those classes, their bases and their subclasses. None (resolve by name everywhere)
        for a Protocol, or when no such method exists (an attribute holding a callable)."""
        found: set[str] = set()
        for cls in classes:
            if cls not in self.index.defs:
                continue  # None, or a builtin alongside
            if self.index.is_protocol(cls):
                found |= set(self.index.implementers(cls, name))
                continue
            family = self.index.family(cls)
            found |= {f"{c}.{name}" for c in family if f"{c}.{name}" in self.index.defs}
        return sorted(found) or None

    def _target(self, target: str, *, use: bool = True) -> Iterator[str]:
        if ":" in target:
            module, name = target.split(":", 1)
            yield from self._load(module)
            if target in self.index.defs:
                if use:
                    yield target
            elif f"{module}.{name}" in self.index.modules:
                yield from self._load(f"{module}.{name}")
        else:
            yield from self._load(target)

    def _operation(self, module: str, call: ast.Call, where: str) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = func.value
        named = (isinstance(receiver, ast.Name) and receiver.id == "client") or (
            isinstance(receiver, ast.Attribute) and receiver.attr in ("client", "_client")
        )
        if func.attr == "query" and not named:
            index = next((k.value for k in call.keywords if k.arg == "index"), None)
            if index is None:
                self.table_queries = True
            else:
                self.indexes.add(ast.unparse(index))
        if not named:
            return
        if module not in CLIENT_MODULES:
            raise AssertionError(f"a boto3 client call outside {sorted(CLIENT_MODULES)}: {where}")
        service = CLIENT_MODULES[module]
        if func.attr == "get_paginator" and call.args:
            first = call.args[0]
            if isinstance(first, ast.Constant):
                self.operations.add(Operation(service, _api_name(first.value), where))
            return
        if func.attr not in NOT_OPERATIONS:
            self.operations.add(Operation(service, _api_name(func.attr), where))


_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

# Methods of dict (and list, set) that share a name with a method of ours (Table.get,
# Table.update): called on an untyped receiver, they are taken for the dict's, unless the
# receiver's name says otherwise (``table``, ``store``, ``secrets``, ``source``, ``queue``).
DICT_METHODS = {"get", "update", "pop", "setdefault", "items", "keys", "values", "copy"}
_OURS = ("table", "store", "secret", "source", "queue")


def _looks_like_ours(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return any(word in name.lower() for word in _OURS)


def _string_value(tree: ast.Module, name: str) -> str | None:
    """A module-level ``NAME = "text"``'s text."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


# -- a little type inference: enough to tell a dict's .get from a Table's ---------------------

BUILTIN = frozenset({"<builtin>"})
BUILTIN_TYPES = {
    "dict", "list", "set", "frozenset", "tuple", "str", "bytes", "int", "float", "bool",
    "Counter", "defaultdict", "OrderedDict", "deque", "Mapping", "MutableMapping",
    "Sequence", "Iterable", "Iterator", "date", "datetime", "timedelta", "Path",
}  # fmt: skip


class Types:
    """The class of an expression, when the code says it plainly: a parameter's or a
    field's annotation, ``x = SomeClass(...)``, a literal, ``self``. Anything else is
    unknown (None), and its attributes resolve by name everywhere."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def of(
        self, node: ast.AST, module: str, where: str, imports: dict[str, str]
    ) -> frozenset[str] | None:
        if isinstance(node, ast.Dict | ast.List | ast.Set | ast.JoinedStr | ast.DictComp):
            return BUILTIN
        if isinstance(node, ast.ListComp | ast.SetComp):
            return BUILTIN
        if isinstance(node, ast.Constant):
            return BUILTIN
        definition = self.index.defs.get(where)
        if isinstance(node, ast.Name):
            if node.id in ("self", "cls") and definition is not None and definition.owner:
                return frozenset({definition.owner})
            if definition is None or isinstance(definition.node, ast.ClassDef):
                return None
            return self._local(definition.node, node.id, module, imports)
        if isinstance(node, ast.Attribute):
            owner = self.of(node.value, module, where, imports)
            if not owner or owner == BUILTIN:
                return None
            found: set[str] = set()
            for cls in owner:
                if cls not in self.index.defs:
                    return None
                typed = self._field(cls, node.attr)
                if typed is None:
                    return None
                found |= typed
            return frozenset(found) or None
        return None

    def _local(
        self, function: ast.AST, name: str, module: str, imports: dict[str, str]
    ) -> frozenset[str] | None:
        args = getattr(function, "args", None)
        if args is not None:
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if arg.arg == name:
                    return self.annotation(arg.annotation, module, imports)
        found: frozenset[str] | None = None
        for stmt in ast.walk(function):
            value = None
            if isinstance(stmt, ast.AnnAssign) and getattr(stmt.target, "id", None) == name:
                typed = self.annotation(stmt.annotation, module, imports)
                if found is not None and typed != found:
                    return None
                found = typed
                continue
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in stmt.targets
            ):
                value = stmt.value
            elif isinstance(stmt, ast.For | ast.With | ast.NamedExpr | ast.comprehension):
                targets = ast.walk(getattr(stmt, "target", stmt))
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return None
            if value is None:
                continue
            typed = self._value(value, module, imports)
            if typed is None or (found is not None and typed != found):
                return None
            found = typed
        return found

    def _value(self, value: ast.AST, module: str, imports: dict[str, str]) -> frozenset[str] | None:
        if isinstance(value, ast.Dict | ast.List | ast.Set | ast.Constant | ast.JoinedStr):
            return BUILTIN
        if isinstance(value, ast.ListComp | ast.SetComp | ast.DictComp):
            return BUILTIN
        if isinstance(value, ast.Call):
            func = value.func
            name = func.id if isinstance(func, ast.Name) else None
            if name in ("getattr", "next", "max", "min") or (
                isinstance(func, ast.Attribute) and func.attr in ("get", "pop")
            ):
                return None
            typed = self.annotation(func, module, imports)
            if typed is not None:
                return typed
            return self.returns(func, module, imports)
        return None

    def returns(self, func: ast.AST, module: str, imports: dict[str, str]) -> frozenset[str] | None:
        """What a call of a plain function returns, by its return annotation."""
        if not isinstance(func, ast.Name):
            return None
        target = imports.get(func.id) or f"{module}:{func.id}"
        definition = self.index.defs.get(target)
        if definition is None or not isinstance(definition.node, ast.FunctionDef):
            return None
        returns = definition.node.returns
        return self.annotation(
            returns, definition.module, self.index.module_imports[definition.module]
        )

    def annotation(
        self, node: ast.AST | None, module: str, imports: dict[str, str]
    ) -> frozenset[str] | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            parts = [self.annotation(side, module, imports) for side in (node.left, node.right)]
            parts = [p for p in parts if p != frozenset({"None"})]
            if any(p is None for p in parts):
                return None
            merged = frozenset().union(*parts)  # type: ignore[arg-type]
            if merged >= BUILTIN:
                return BUILTIN if merged == BUILTIN else None
            return merged or None
        if isinstance(node, ast.Constant) and node.value is None:
            return frozenset({"None"})
        if isinstance(node, ast.Subscript):
            return self.annotation(node.value, module, imports)
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if name is None:
            return None
        if name in BUILTIN_TYPES:
            return BUILTIN
        target = imports.get(name) if isinstance(node, ast.Name) else None
        if target and ":" in target and target in self.index.defs:
            key = target
        elif f"{module}:{name}" in self.index.defs:
            key = f"{module}:{name}"
        else:
            return None
        if not isinstance(self.index.defs[key].node, ast.ClassDef):
            return None
        return frozenset({key})

    def _field(self, cls: str, name: str) -> frozenset[str] | None:
        """The annotated type of a class's attribute: a class-level annotation (dataclass
        fields), or ``self.name: T`` / ``self.name = <param annotated T>`` in a method."""
        definition = self.index.defs[cls]
        node = definition.node
        assert isinstance(node, ast.ClassDef)
        imports = self.index.module_imports[definition.module]
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and getattr(stmt.target, "id", None) == name:
                return self.annotation(stmt.annotation, definition.module, imports)
        for stmt in node.body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(stmt):
                target = getattr(sub, "target", None) if isinstance(sub, ast.AnnAssign) else None
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == name
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    return self.annotation(sub.annotation, definition.module, imports)
                if isinstance(sub, ast.Assign) and any(
                    isinstance(t, ast.Attribute)
                    and t.attr == name
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                    for t in sub.targets
                ):
                    if isinstance(sub.value, ast.Name):
                        return self._local(stmt, sub.value.id, definition.module, imports)
                    return self._value(sub.value, definition.module, imports)
        for base in self.index.bases(cls):
            found = self._field(base, name)
            if found is not None:
                return found
        return None
