"""The layer rules of ARCHITECTURE.md and the PySide6 pin, checked on every test run."""

from __future__ import annotations

import ast
import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[2]
QT_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6-Addons", "PySide6", "shiboken6")
# The first PySide6 release that drops a reference to None on every void Qt call under Python 3.11.
BROKEN_ON_PY311 = Version("6.12.0")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name a file imports, with its line, found by reading the syntax tree."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def ignored_imports() -> set[tuple[str, str]]:
    """The import-linter contracts' `ignore_imports`: declared once, in pyproject.toml, with a reason."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject.get("tool", {}).get("importlinter", {}).get("contracts", [])
    pairs = set()
    for contract in contracts:
        for line in contract.get("ignore_imports", []):
            importer, _, imported = line.partition("->")
            pairs.add((importer.strip(), imported.strip()))
    return pairs


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    package_dir = REPO_ROOT.joinpath(*package.split("."))
    allowed = ignored_imports()
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        importer = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for lineno, module in imported_modules(path):
            if not any(is_within(module, name) for name in forbidden):
                continue
            if any(importer == source and is_within(module, target) for source, target in allowed):
                continue
            found.append(f"{path.relative_to(REPO_ROOT)}:{lineno} imports {module}")
    return found


def lint_imports_command() -> str | None:
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.exists() else shutil.which("lint-imports")


def pyside6_requirements() -> list[Requirement]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    return [r for r in requirements if r.name.lower().startswith("pyside6")]


def test_import_linter_contracts_are_kept() -> None:
    command = lint_imports_command()
    if command is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [command, "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_scan_reads_the_workbook_sources() -> None:
    scanned = {path.relative_to(REPO_ROOT).as_posix() for path in (REPO_ROOT / "workbook").rglob("*.py")}

    assert {"workbook/__init__.py", "workbook/model/__init__.py", "workbook/errors.py"} <= scanned


def test_no_module_under_workbook_imports_qt_or_ui() -> None:
    assert violations("workbook", ("PySide6", "shiboken6", "ui")) == []


def test_no_module_under_workbook_formats_imports_storage() -> None:
    assert violations("workbook.formats", ("workbook.storage",)) == []


def test_import_scan_finds_plain_and_from_imports(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text(
        "import os\nfrom PySide6.QtCore import QObject\nimport shiboken6 as sb\nfrom . import sibling\n",
        encoding="utf-8",
    )

    assert imported_modules(module) == [(1, "os"), (2, "PySide6.QtCore"), (3, "shiboken6")]


def test_pyproject_keeps_pyside6_below_6_12_on_python_3_11() -> None:
    requirements = pyside6_requirements()
    on_py311 = [r for r in requirements if r.marker is None or r.marker.evaluate({"python_version": "3.11"})]

    assert on_py311, "pyproject.toml declares no PySide6 requirement for Python 3.11"
    for requirement in on_py311:
        assert not requirement.specifier.contains(BROKEN_ON_PY311, prereleases=True), str(requirement)


def test_installed_pyside6_on_python_3_11_is_below_6_12() -> None:
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the 6.12 defect is specific to Python 3.11")
    installed = {}
    for name in QT_DISTRIBUTIONS:
        try:
            installed[name] = Version(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            continue
    if not installed:
        pytest.skip("PySide6 is not installed")

    assert {name: version for name, version in installed.items() if version >= BROKEN_ON_PY311} == {}


def qt_module_names(path: Path) -> list[tuple[int, str]]:
    """Strings naming a Qt module (`"PySide6.QtGui"`, `f"PySide6.{name}"`): what importlib would load."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().partition(".")[0] in ("PySide6", "shiboken6")
    ]


def terminal_output(path: Path) -> list[tuple[int, str]]:
    """`print(...)` calls and uses of `sys.stdout` / `sys.stderr`, with their lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append((node.lineno, "print"))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("stdout", "stderr")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            found.append((node.lineno, f"sys.{node.attr}"))
    return sorted(found)


def test_no_module_under_workbook_loads_qt_by_name() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{lineno} names {name!r}"
        for path in sorted((REPO_ROOT / "workbook").rglob("*.py"))
        for lineno, name in qt_module_names(path)
    ]

    assert found == []


def test_services_return_data_and_never_print_or_read_the_command_line() -> None:
    printing = [
        f"{path.relative_to(REPO_ROOT)}:{lineno} uses {what}"
        for path in sorted((REPO_ROOT / "workbook" / "services").rglob("*.py"))
        for lineno, what in terminal_output(path)
    ]

    assert printing == []
    assert violations("workbook.services", ("argparse",)) == []


def test_the_scans_find_printing_and_qt_loaded_by_name(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text(
        "import importlib, sys\n"
        "print('hi')\n"
        "sys.stderr.write('x')\n"
        "report.print()\n"
        "importlib.import_module(f'PySide6.{name}')\n"
        "label = 'PySide6 is a Qt binding'\n",
        encoding="utf-8",
    )

    assert terminal_output(module) == [(2, "print"), (3, "sys.stderr")]
    assert qt_module_names(module) == [(5, "PySide6.")]


def test_the_launcher_hands_its_qt_check_to_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    import workbook.cli
    from ui import launch

    received: dict[str, Any] = {}

    def cli_main(**kwargs: Any) -> int:
        received.update(kwargs)
        return 0

    monkeypatch.setattr(workbook.cli, "main", cli_main)
    with pytest.raises(SystemExit) as exit_info:
        launch.main()

    assert exit_info.value.code == 0
    assert received["gui"] is launch.run_gui
    assert list(received["self_checks"]) == [("Qt", launch.check_qt)]


ROOMS = ("workbook", "ui")
MAX_LINES = 700


def test_no_module_in_workbook_or_ui_is_over_700_lines() -> None:
    long = {
        str(path.relative_to(REPO_ROOT)): n
        for room in ROOMS
        for path in (REPO_ROOT / room).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, "split these along their seams (docs/architecture.md)"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, known: set[str]) -> set[str]:
    """Modules of the project imported when `path` is imported: top-level statements, not TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)

    visit(tree.body)
    return {name for name in found if name in known}


def test_no_import_circle_at_run_time() -> None:
    paths = {_module_name(path): path for room in ROOMS for path in (REPO_ROOT / room).rglob("*.py")}
    graph = {name: _runtime_imports(path, set(paths)) - {name} for name, path in paths.items()}
    # A package's __init__ re-exporting its own submodules is not a circle: drop parent → child edges.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    circles: list[list[str]] = []
    state: dict[str, int] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                circles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                walk(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert circles == []
