"""The import rules of DESIGN.md, checked on the source: a new import that breaks one fails.

Reads every module's imports with ``ast`` (those under ``if TYPE_CHECKING:`` excepted:
they are annotations, not dependencies at run time) and checks them against the layers:
the floor, the ledger, the features, the handlers and the edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reporting"

FEATURES = ("directory", "accounts", "reports", "summaries", "audit",
            "operations")
FLOOR = ("config", "db", "errors", "text", "bodies", "unit_of_work", "group_commit", "outbox",
         "migration", "openapi", "http_headers", "problems", "rate_limits")
# Edges wire things together; only they may import the wiring or a blueprint module.
EDGES = ("reporting", "reporting.cli", "reporting.installation", "reporting.server",
         "reporting.wiring", "reporting.readiness", "reporting.health")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports at run time (``from a import b`` counts a and a.b)."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.split(".")[0] in ("reporting", "workers")}


MODULES = {module_name(path): imports_of(path)
           for path in sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "workers").rglob("*.py"))}


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def feature_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def violations(rule) -> list[str]:  # noqa: ANN001 - a predicate (module, import) -> bool
    return sorted(f"{module} imports {target}" for module, targets in MODULES.items()
                  for target in targets if rule(module, target))


def test_the_sources_were_read():
    assert "reporting.ledger.log" in MODULES
    assert "reporting.reports.api" in MODULES["reporting"]


def test_the_ledger_imports_no_feature_package():
    assert violations(lambda module, target: under(module, "reporting.ledger")
                      and feature_of(target) is not None) == []


def test_the_floor_imports_no_feature_and_no_ledger():
    floor = tuple(f"reporting.{name}" for name in FLOOR)
    assert violations(lambda module, target: under(module, *floor) and (
        feature_of(target) is not None or under(target, "reporting.ledger"))) == []


def test_only_edges_import_the_wiring():
    assert violations(lambda module, target: under(target, "reporting.wiring")
                      and module not in EDGES and not under(module, "reporting.demo", "workers")
                      ) == []


def test_nothing_but_the_app_factory_imports_a_blueprint_module():
    assert violations(lambda module, target: target.endswith(".api")
                      and under(target, "reporting") and module != "reporting") == []


# The audit trail is written through the unit of work and read by its own handler: below
# its handlers it needs no other feature (a read's caller arrives as a state code).
@pytest.mark.parametrize("feature", ["directory", "audit"])
def test_the_directory_imports_no_other_feature_below_its_handlers(feature):
    assert violations(lambda module, target: feature_of(module) == feature
                      and not module.endswith(".api")
                      and feature_of(target) not in (None, feature)) == []


def test_services_import_neither_handlers_nor_the_http_layer():
    def rule(module: str, target: str) -> bool:
        if feature_of(module) is None or module.endswith(".api"):
            return False
        return target.endswith(".api") or under(target, "reporting.accounts.auth")

    assert violations(rule) == []


def test_reports_never_import_summaries():
    assert violations(lambda module, target: under(module, "reporting.reports")
                      and under(target, "reporting.summaries")) == []


def test_the_demo_does_not_import_the_command_line():
    # The CLI runs the demo; the demo importing the CLI back made a cycle.
    assert violations(lambda module, target: under(module, "reporting.demo")
                      and under(target, "reporting.cli")) == []
