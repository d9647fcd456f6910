"""The app dependency order of docs/architecture.md, checked over every import in the project.

Apps may import only apps of a lower layer (never one of the same layer or above), and no
module may import a sibling app inside a function: such imports are how cycles hide.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower layers first. An app may import the apps of any lower layer, nothing else of ours.
LAYERS: list[set[str]] = [
    {"core"},
    {"tenants"},
    {"plans"},
    {"apikeys"},
    {"events"},  # history, events feed, webhooks: customer services call it, so it sits below
    {"usage", "customers", "onboarding"},
    {"portal"},  # the developer portal: pages over apikeys, usage and onboarding services
    {"config"},  # settings and the URL map see everything
]
LAYER_OF = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}


def _project_imports(tree: ast.AST):
    """(imported top-level package, line, inside a function?) for every import statement."""

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name.split(".")[0], child.lineno, in_function
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield child.module.split(".")[0], child.lineno, in_function
            yield from visit(child, nested)

    yield from visit(tree, False)


def _module_violations(app: str, source: str, where: str) -> list[str]:
    rank = LAYER_OF[app]
    found = []
    for target, line, in_function in _project_imports(ast.parse(source)):
        if target not in LAYER_OF or target == app:
            continue
        if LAYER_OF[target] >= rank:
            found.append(f"{where}:{line}: {app} (layer {rank}) imports {target}")
        elif in_function:
            found.append(f"{where}:{line}: function-level import of sibling app {target}")
    return found


def _violations() -> list[str]:
    found = []
    for app in LAYER_OF:
        for path in sorted((ROOT / app).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            found += _module_violations(app, path.read_text(), where)
    return found


def test_apps_depend_only_on_lower_layers_and_never_inside_functions():
    assert _violations() == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from apikeys.models import ApiKey\n", "m.py:1: tenants (layer 1) imports apikeys"),
        (
            "def f():\n    from core import views\n",
            "m.py:2: function-level import of sibling app core",
        ),
    ],
)
def test_the_check_catches_an_upward_and_a_function_level_import(source, expected):
    assert _module_violations("tenants", source, "m.py") == [expected]


def test_every_project_app_has_a_layer():
    from django.conf import settings

    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    assert ours <= set(LAYER_OF), ours - set(LAYER_OF)


def test_model_relations_point_only_to_the_same_or_a_lower_layer():
    """A foreign key is a dependency too, even when written as an "app.Model" string."""
    from django.apps import apps

    upward = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        if model._meta.app_label in LAYER_OF
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model._meta.app_label in LAYER_OF
        and field.related_model._meta.app_label != model._meta.app_label
        and LAYER_OF[field.related_model._meta.app_label] >= LAYER_OF[model._meta.app_label]
    ]
    assert upward == []
