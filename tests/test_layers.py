"""Each layer imports only those below it (house style): a lower app never imports an upper one."""

import ast
from pathlib import Path

from django.conf import settings

import pytest

TOP = ("training.competency", "training.plans", "training.reports", "training.site", "training.demo")
MIDDLE = ("courses", "exams")
BOTTOM = ("training.org", "training.notify", "training.jobs", "training.backup")


def _imports(package: str) -> list[tuple[str, str]]:
    root = Path(settings.BASE_DIR) / package.replace(".", "/")
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(settings.BASE_DIR)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(settings.BASE_DIR)), alias.name) for alias in node.names]
    return found


def _above(module: str, uppers: tuple[str, ...]) -> bool:
    return any(module == upper or module.startswith(upper + ".") for upper in uppers)


@pytest.mark.parametrize("package", BOTTOM)
def test_a_bottom_app_imports_no_middle_or_top_app(package):
    assert [(path, m) for path, m in _imports(package) if _above(m, MIDDLE + TOP)] == []


@pytest.mark.parametrize("package", MIDDLE)
def test_a_middle_app_imports_no_top_app(package):
    assert [(path, m) for path, m in _imports(package) if _above(m, TOP)] == []
