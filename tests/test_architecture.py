"""The package's shape: one-way imports, small modules, lazy optional parts.

These tests read the source with :mod:`ast`; they import nothing of the package
except in the subprocess that checks what ``import django_ses`` pulls in.

- The import graph of ``django_ses`` has no cycle. Imports inside functions
  count, and so does the import of every parent package that importing a
  module runs. The one thing left out is a package's lazy ``__getattr__``,
  which runs only when a name is looked up, after every import has finished.
- An import inside a function says why it is there: an optional dependency, or
  Django's app-loading order.
- No module is over 400 lines, and no class over 200.
- ``import django_ses`` loads neither boto3 nor Django's settings.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "django_ses"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 200
REASONS = ("optional", "app loading", "app-loading")

# Modules allowed past MAX_MODULE_LINES, and why.
LONG_MODULES = {
    # Every error of the package lives in one module, one hierarchy (issue 8);
    # it is declarations, grouped by area, and the mapping from botocore errors.
    "django_ses.exceptions": 520,
}

# Loggers that keep a name other than their module's, and why.
NAMED_LOGGERS = {
    # The result of every send is logged under the package's own logger, as in
    # django-ses; projects filter on it.
    "django_ses/sending/result.py": "django_ses",
    # Pacing warnings of the throttle and of the quota it reads share one
    # logger, so a project can quiet or route them together.
    "django_ses/sending/throttle.py": "django_ses.throttle",
    "django_ses/sending/quota.py": "django_ses.throttle",
    # The local SES quiets the logger moto's server writes every request to.
    "django_ses/testing/server.py": "werkzeug",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


MODULES = {module_name(path): path for path in source_files()}


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def is_lazy_getattr(node: ast.AST, path: Path) -> bool:
    return (
        path.name == "__init__.py"
        and isinstance(node, ast.FunctionDef)
        and node.name == "__getattr__"
    )


def walk_imports(
    node: ast.AST, path: Path, in_function: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Yield each import that runs, with whether it sits inside a function."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and is_type_checking(child):
            for other in child.orelse:
                yield from walk_imports(other, path, in_function)
            continue
        if is_lazy_getattr(child, path) and not in_function:
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from walk_imports(child, path, nested)


def resolve(node: ast.Import | ast.ImportFrom, name: str) -> list[str]:
    """The modules of ``django_ses`` that one import statement loads."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}".rstrip(".")
        targets = [base]
        targets += [f"{base}.{alias.name}" for alias in node.names]
    loaded = []
    for target in targets:
        if target in MODULES:
            loaded.append(target)
    return loaded


def with_parents(module: str) -> list[str]:
    """Importing ``a.b.c`` runs ``a`` and ``a.b`` first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def explicit_imports() -> dict[str, set[str]]:
    """Each module's imports of other modules of the package, parents included."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        for node, _ in walk_imports(tree, path):
            for target in resolve(node, name):
                for module in with_parents(target):
                    # A module's own parent packages are import_graph's business.
                    if module in MODULES and not in_subtree(name, module):
                        graph[name].add(module)
    return graph


def in_subtree(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def leaves_and_returns(graph: dict[str, set[str]], package: str, module: str) -> bool:
    """Whether ``package`` reaches ``module`` through a module outside ``package``."""
    seen = set()
    todo = [(package, False)]
    while todo:
        node, left = todo.pop()
        for target in graph[node]:
            outside = left or not in_subtree(target, package)
            if target == module and outside:
                return True
            if (target, outside) not in seen:
                seen.add((target, outside))
                todo.append((target, outside))
    return False


def import_graph() -> dict[str, set[str]]:
    """The explicit imports, plus each module's import of its parent packages.

    Loading ``a.b`` runs ``a/__init__.py`` first. That edge closes a cycle
    that matters only when the cycle leaves the package: a module outside it
    can then start the chain before the package's ``__init__`` has run (the
    package importing its own submodules is harmless, since its ``__init__``
    always runs first).
    """
    explicit = explicit_imports()
    graph = {name: set(targets) for name, targets in explicit.items()}
    for name in MODULES:
        for parent in with_parents(name)[:-1]:
            if parent in MODULES and leaves_and_returns(explicit, parent, name):
                graph[name].add(parent)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walker_sees_the_package():
    graph = import_graph()
    assert "django_ses.backends.ses" in graph
    assert "django_ses.sending" in graph["django_ses.backends.ses"]


def test_a_cycle_through_a_package_init_counts_only_when_it_leaves_the_package():
    inside = {"p": {"p.a"}, "p.a": {"p.b"}, "p.b": set(), "t": set()}
    assert not leaves_and_returns(inside, "p", "p.b")
    through = {"p": {"p.a"}, "p.a": {"t"}, "p.b": set(), "t": {"p.b", "p"}}
    assert leaves_and_returns(through, "p", "p.b")


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_has_no_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def function_level_imports() -> Iterator[tuple[Path, ast.Import | ast.ImportFrom]]:
    for path in MODULES.values():
        tree = ast.parse(path.read_text(), str(path))
        for node, in_function in walk_imports(tree, path):
            if in_function:
                yield path, node


def test_an_import_inside_a_function_says_why():
    unexplained = []
    for path, node in function_level_imports():
        lines = path.read_text().splitlines()
        first = max(node.lineno - 3, 0)  # the comment may sit on the two lines above
        nearby = " ".join(lines[first : (node.end_lineno or node.lineno)]).lower()
        if not any(reason in nearby for reason in REASONS):
            unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not unexplained, "imports inside functions without a reason: " + ", ".join(unexplained)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= LONG_MODULES.get(name, MAX_MODULE_LINES), f"{name} has {lines} lines"


def test_no_class_is_over_200_lines():
    too_big = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    too_big.append(f"{name}.{node.name} ({size} lines)")
    assert not too_big, ", ".join(too_big)


def logger_names() -> Iterator[tuple[str, str]]:
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getLogger"
                and node.args
            ):
                argument = node.args[0]
                named = (
                    "__name__"
                    if isinstance(argument, ast.Name) and argument.id == "__name__"
                    else ast.literal_eval(argument)
                )
                yield str(path.relative_to(PACKAGE.parent)), named


def test_loggers_are_named_by_module():
    names = list(logger_names())
    assert names, "no logger found"
    others = {path: name for path, name in names if name != "__name__"}
    assert others == NAMED_LOGGERS


def test_importing_the_package_loads_no_boto3_and_no_settings():
    code = (
        "import sys, django_ses\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'django_ses.conf') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert result.stdout.strip() == "[]"
