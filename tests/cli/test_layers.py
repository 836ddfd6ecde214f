"""The package's layers run one way: the command line calls the library, never the reverse,
and no module imports itself back through another (module-level imports read with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import acoustid_pg

PACKAGE = Path(acoustid_pg.__file__).parent
# The entry points: the only modules outside commands/ that may import it.
ENTRY_POINTS = {"acoustid_pg.cli", "acoustid_pg.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The package modules ``path`` imports at module level (TYPE_CHECKING blocks left out)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            if base.startswith("acoustid_pg"):
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("acoustid_pg")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imports_of(path) & set(modules) - {name} for name, path in modules.items()}


def test_nothing_outside_the_command_line_imports_commands() -> None:
    offenders = {
        name: sorted(i for i in imported if i.startswith("acoustid_pg.commands"))
        for name, imported in graph().items()
        if not name.startswith("acoustid_pg.commands") and name not in ENTRY_POINTS
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_import_graph_has_no_cycle() -> None:
    edges = graph()
    # A package's __init__ importing its own submodules is how packages are made, not a cycle.
    edges = {m: {i for i in imported if not i.startswith(m + ".")} for m, imported in edges.items()}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(edges.get(module, ())):
            assert state.get(imported) != "open", " -> ".join([*path, imported])
            if imported not in state:
                visit(imported)
        path.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert len(state) >= 40  # every module was read
