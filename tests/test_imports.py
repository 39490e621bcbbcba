"""No import cycles among armsbridge modules, counting imports inside functions too.

Every module under src/armsbridge is parsed with `ast`; every `import` and `from ... import` at
any depth (functions, methods, try blocks) is an edge, except those in the body of an
`if TYPE_CHECKING:` block, which never run (annotations are strings under
`from __future__ import annotations`). `from package import name` is an edge to the submodule
`package.name` when there is one, else to `package`; relative imports are resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import armsbridge

SRC = Path(armsbridge.__file__).resolve().parent.parent
PACKAGE = "armsbridge"


def module_files(root: Path = SRC) -> dict[str, Path]:
    """Return {dotted module name: file} for every module of the armsbridge package."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of a tree at any depth, outside `if TYPE_CHECKING:` bodies."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)  # the else branch does run
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _resolve_base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest armsbridge module that `name` is or lies in, or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(modules: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """Return {module: armsbridge modules it imports}, as described in this file's docstring."""
    modules = modules if modules is not None else module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _imports(tree):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [_known(alias.name, modules) for alias in node.names]
            else:
                base = _resolve_base(name, is_package, node)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else _known(base, modules))
            graph[name].update(t for t in targets if t and t != name)
    return graph


def knots(graph: dict[str, set[str]]) -> list[set[str]]:
    """Return the strongly connected components of more than one module (each holds cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative (no recursion limit)
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [component for component in components if len(component) > 1]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle (a path back to its start) per knot, sorted."""
    return sorted(_a_cycle(graph, knot) for knot in knots(graph))


def _a_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    return paths[node] + [start]
                if child not in paths:
                    paths[child] = paths[node] + [child]
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(component)}")  # pragma: no cover


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = [(_a_cycle(graph, knot), sorted(knot)) for knot in knots(graph)]
    assert not found, "import cycles:\n" + "\n".join(
        f"{' -> '.join(cycle)}  (knot: {', '.join(members)})" for cycle, members in sorted(found)
    )


def test_graph_sees_local_relative_and_submodule_imports(tmp_path: Path) -> None:
    """The walker itself: imports in functions, `from pkg import sub`, relative, TYPE_CHECKING."""
    pkg = tmp_path / PACKAGE / "dom"
    pkg.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from armsbridge.dom import b\n")
    (pkg / "b.py").write_text("from . import c\n")
    (pkg / "c.py").write_text("from .a import f\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from armsbridge.dom import a\n"
        "else:\n    import armsbridge.dom.c\n"
    )
    graph = import_graph(module_files(tmp_path))
    assert graph[f"{PACKAGE}.dom.a"] == {f"{PACKAGE}.dom.b"}
    assert graph[f"{PACKAGE}.dom.b"] == {f"{PACKAGE}.dom.c"}
    assert graph[f"{PACKAGE}.dom.c"] == {f"{PACKAGE}.dom.a"}
    assert graph[f"{PACKAGE}.dom.d"] == {f"{PACKAGE}.dom.c"}
    assert cycles(graph) == [
        [f"{PACKAGE}.dom.a", f"{PACKAGE}.dom.b", f"{PACKAGE}.dom.c"] + [f"{PACKAGE}.dom.a"]
    ]
