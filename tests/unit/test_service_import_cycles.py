"""No import cycle among the service modules: a service composed of others is handed them by
the composition root, it never reaches back into the service that uses it (the old
`auth ↔ ldap_login` cycle). Every import counts, those under TYPE_CHECKING and inside
functions too: a cycle hidden there is still two modules that need each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "app.services"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from package import module` names a module as well as a name.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(package: str = PACKAGE) -> dict[str, set[str]]:
    """Each module of `package` and the modules of `package` it imports."""
    files = sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
    modules = {_module_name(path): path for path in files}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = _imported(node, module, is_package)
                targets.update(name for name in names if name in modules and name != module)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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


def test_the_service_modules_import_each_other_without_a_cycle() -> None:
    graph = import_graph()
    assert "app.services.auth" in graph
    assert "app.services.sessions" in graph
    assert cycles(graph) == []


def test_a_cycle_is_found_where_one_exists() -> None:
    """The check itself: the shape the auth ↔ ldap_login cycle had, through a package."""
    graph = {
        "app.services.auth": {"app.services.login_drivers.ldap"},
        "app.services.login_drivers": set(),
        "app.services.login_drivers.ldap": {"app.services.auth"},
        "app.services.sessions": set(),
    }
    assert cycles(graph) == [["app.services.auth", "app.services.login_drivers.ldap"]]


def test_relative_and_package_imports_are_resolved() -> None:
    tree = ast.parse("from .. import sessions\nfrom .ldap import LdapLogin\n")
    first, second = (node for node in tree.body if isinstance(node, ast.ImportFrom))
    package = "app.services.login_drivers"
    assert "app.services.sessions" in _imported(first, "app.services.login_drivers.local", False)
    assert _imported(second, package, True)[0] == "app.services.login_drivers.ldap"


def test_the_app_modules_import_each_other_without_a_cycle() -> None:
    """The same rule across the whole app package: the settings and the SSO provider
    configuration (once a late import in `load_settings`) included. (The GraphQL types are
    left out: a role's users and a user's role are one recursive schema, joined lazily.)"""
    graph = import_graph("app")
    assert "app.main" in graph
    assert "app.settings_loader" in graph
    assert cycles(graph) == []
