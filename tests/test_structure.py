"""The integration's shape: no import cycle, and no long function.

An import cycle is allowed only through ``if TYPE_CHECKING:`` imports, which
never run. Functions stay within 60 lines, as the project's rules ask.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components"
PACKAGE = "pushover_plus"
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = path.relative_to(INTEGRATION).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.Module) -> Iterator[ast.ImportFrom | ast.Import]:
    """Yield the imports that run: at any depth, outside TYPE_CHECKING blocks."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Return the package modules a relative ``from`` import loads."""
    if node.level == 0:
        if node.module and node.module.startswith(f"custom_components.{PACKAGE}"):
            base = node.module.removeprefix("custom_components.")
        else:
            return []
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    names = [f"{base}.{alias.name}" for alias in node.names]
    # "from . import x" loads the module x; the package is loading already.
    return names if node.module is None and node.level else [base, *names]


def _graph() -> dict[str, set[str]]:
    paths = sorted((INTEGRATION / PACKAGE).rglob("*.py"))
    modules = {_module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in _runtime_imports(tree):
            if isinstance(node, ast.ImportFrom):
                is_package = path.name == "__init__.py"
                targets.update(_resolve(module, is_package, node))
        graph[module] = {target for target in targets if target in modules} - {module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle_outside_type_checking() -> None:
    graph = _graph()
    # Modules that only re-export (the api package) would hide a cycle through
    # them; they count like any other.
    assert len(graph) > 30
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_function_over_60_lines() -> None:
    long: list[str] = []
    for path in sorted((INTEGRATION / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.name} ({lines})")
    assert long == []
