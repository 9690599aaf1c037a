"""Invariant 1: nothing outside `incidents.actions` writes an incident. A scan of the source for
the three ways to do it: assigning a field of something called `incident`, saving it, and
`update()` on an `Incident` queryset (tests, migrations and the demo loader's bulk import are the
documented exceptions)."""

import ast
from pathlib import Path

import incidesk
from incidesk.incidents.models import Incident

ROOT = Path(incidesk.__file__).parent
ACTIONS = ROOT / "incidents" / "actions"
FIELDS = {f.name for f in Incident._meta.concrete_fields} | {
    f.attname for f in Incident._meta.concrete_fields
}


def _production_modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not path.is_relative_to(ACTIONS)
        and not {"tests", "migrations", "demo"} & set(path.relative_to(ROOT).parts)
    ]


def _is_incident(node: ast.expr) -> bool:
    """`incident`, `self.incident`, `comment.incident`, `locked_incident`..."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name == "incident" or name.endswith("_incident")


def _on_incident_queryset(node: ast.expr) -> bool:
    """Whether a call chain starts at `Incident.objects` (`Incident.objects.filter(...)...`)."""
    while isinstance(node, ast.Call | ast.Attribute):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id == "Incident"
        ):
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        parts = [
            part
            for target in targets
            for part in (target.elts if isinstance(target, ast.Tuple) else [target])
        ]
        found.extend(
            (node.lineno, f"assigns incident.{part.attr}")
            for part in parts
            if isinstance(part, ast.Attribute) and part.attr in FIELDS and _is_incident(part.value)
        )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, receiver = node.func.attr, node.func.value
            if attr in {"update", "bulk_update", "update_or_create"} and _on_incident_queryset(
                receiver
            ):
                found.append((node.lineno, f"Incident queryset .{attr}()"))
            if attr == "save" and _is_incident(receiver):
                found.append((node.lineno, "saves an incident"))
    return found


def test_no_module_outside_the_actions_writes_an_incident():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _production_modules()
        for line, what in _writes(ast.parse(path.read_text(), str(path)))
    ]
    assert offences == []


def test_only_the_actions_package_is_exempt():
    """The actions package is skipped (it does write, so skipping it matters); its neighbours are
    scanned."""
    scanned = {path.relative_to(ROOT).as_posix() for path in _production_modules()}
    package = sorted(ACTIONS.glob("*.py"))
    assert not {path.relative_to(ROOT).as_posix() for path in package} & scanned
    assert {"incidents/access.py", "incidents/tasks.py", "problems/actions.py"} <= scanned
    assert any(_writes(ast.parse(path.read_text())) for path in package)


def test_the_scan_sees_each_way_of_writing():
    """The scan is no stronger than its patterns: each is recognised, an unrelated update not."""
    source = """
Incident.objects.filter(pk=1).update(resolution_due_at=None)
Incident.objects.select_for_update().filter(pk=1).update(priority=2)
incident.priority = 1
self.incident.status, other = "new", 2
incident.save(update_fields=["status"])
SlaClock.objects.filter(pk=1).update(due_at=None)
clock.due_at = None
incident_ids = []
settings.update({"a": 1})
"""
    assert sorted(line for line, _ in _writes(ast.parse(source))) == [2, 3, 4, 5, 6]
