"""The package's layers: no import loops, and no module imports a higher layer.

Every import statement counts, wherever it is: at module level, inside a
function (a lazy import), under ``if TYPE_CHECKING:``; so do
``importlib.import_module("claimcalc…")`` and names taken from the package's
lazy exports (``from claimcalc import settle``). A module that no layer
names fails too, so a new module has to be placed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from claimcalc import _EXPORTS

SRC = Path(__file__).resolve().parent.parent / "src" / "claimcalc"

#: Low to high. A module may import its own layer and the layers below it.
LAYERS: list[set[str]] = [
    {"compiled"},  # the finder of compiled modules: the package imports it first
    {"errors", "money", "jsonio", "facts", "i18n"},
    {"product"},
    {"claim"},  # reads no product: the two are apart
    {"settlement"},  # the records settle returns
    {"settling"},
    {"compare", "cases"},  # settle claims under products; print nothing
    {"output"},
    {"authoring"},  # writing a claim: questions, skeletons, checks (claimcalc claim)
    {"ledger"},  # the claims ledger: settles claims against what was paid; below batch and cli
    {"batch"},
    {"cli", "__main__"},
]

Graph = dict[str, set[str]]


def module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _targets(
    node: ast.AST, module: str, is_package: bool, modules: set[str], exports: dict[str, str]
) -> list[str]:
    """The package's modules that one AST node imports."""
    package = module.split(".")[0]
    found: list[str] = []
    if isinstance(node, ast.Import):
        found = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            anchor = module.split(".")
            anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        for alias in node.names:
            name = f"{base}.{alias.name}"
            if name in modules:
                found.append(name)
            elif base == package and alias.name in exports:
                found.append(exports[alias.name])
            else:
                found.append(base)
    elif (
        isinstance(node, ast.Call)
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
        )
    ):
        found = [node.args[0].value]
    out = []
    for name in found:
        # "import claimcalc.product.cache" or a name inside a module: the module.
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != package:  # the package itself holds lazy exports only
            out.append(name)
    return out


def import_graph(root: Path, package: str, exports: dict[str, str]) -> Graph:
    """Module → the package's modules it imports."""
    names = module_names(root, package)
    modules = set(names)
    graph: Graph = {}
    for module, path in names.items():
        if module == package:
            continue  # the facade: its imports are lazy by name, checked as exports
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        graph[module] = {
            target
            for node in ast.walk(tree)
            for target in _targets(node, module, is_package, modules, exports)
            if target != module
        }
    return graph


def layer_of(module: str, layers: list[set[str]]) -> int | None:
    top = module.split(".")[1]
    return next((i for i, names in enumerate(layers) if top in names), None)


def upward_imports(graph: Graph, layers: list[set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        own = layer_of(module, layers)
        if own is None:
            problems.append(f"{module}: in no layer (add it to LAYERS)")
            continue
        for target in sorted(targets):
            other = layer_of(target, layers)
            if other is not None and other > own:
                problems.append(f"{module} imports {target}, a higher layer")
    return problems


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(SRC, "claimcalc", _EXPORTS)


def test_no_import_loops(graph: Graph) -> None:
    assert cycles(graph) == []


def test_no_module_imports_a_higher_layer(graph: Graph) -> None:
    assert upward_imports(graph, LAYERS) == []


def test_the_graph_sees_lazy_and_type_checking_imports(graph: Graph) -> None:
    """The graph is not empty by accident: imports known to be lazy are in it."""
    assert "claimcalc.product.load" in graph["claimcalc.product.catalog"]  # in a function
    assert "claimcalc.compare.diff" in graph["claimcalc.output.tables"]  # TYPE_CHECKING
    assert "claimcalc.product.cache" in graph["claimcalc.product.load"]  # from pkg import mod


def _package(tmp_path: Path, files: dict[str, str]) -> Graph:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(root, "pkg", {"late": "pkg.low.b"})


def test_a_loop_through_a_lazy_import_is_found(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "from pkg.low import b\n",
            "low/b.py": "def f():\n    from . import a\n",
        },
    )
    assert cycles(graph) == [["pkg.low.a", "pkg.low.b"]]


def test_an_upward_import_is_found_even_through_the_lazy_exports(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "import importlib\nimportlib.import_module('pkg.high')\n",
            "low/b.py": "",
            "high.py": "from pkg import late\n",
            "stray.py": "",
        },
    )
    layers = [{"low"}, {"high"}]
    assert upward_imports(graph, layers) == [
        "pkg.low.a imports pkg.high, a higher layer",
        "pkg.stray: in no layer (add it to LAYERS)",
    ]
    assert graph["pkg.high"] == {"pkg.low.b"}
