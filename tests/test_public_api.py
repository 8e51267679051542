"""The public API is exactly what `scrapeguard.__all__` lists, each name documented."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import scrapeguard

PUBLIC = [
    "ConfigError",
    "Decision",
    "Disclosure",
    "Guard",
    "Inline",
    "Policy",
    "Protection",
    "RequestEvent",
    "ScrapeguardError",
    "SiteModel",
    "__version__",
    "build_inline",
    "load_policy",
    "load_site",
    "protection",
]


def test_all_is_pinned_and_sorted() -> None:
    assert scrapeguard.__all__ == PUBLIC
    assert sorted(scrapeguard.__all__) == scrapeguard.__all__


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "__version__"])
def test_every_public_name_is_importable_and_documented(name: str) -> None:
    module = importlib.import_module("scrapeguard")
    obj = getattr(module, name)
    assert obj is not None
    # Read the docstring from the source: a compiled build (setup.py) drops docstrings, and a
    # class's docstring must be its own, not inherited from a base class.
    package = Path(inspect.getfile(scrapeguard)).parent
    source = package.joinpath(*obj.__module__.split(".")[1:]).with_suffix(".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defs = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef)]
    found = [n for n in defs if n.name == name]
    assert found, f"{name} is not defined in {source.name}"
    doc = ast.get_docstring(found[0])
    assert doc and doc.strip(), f"{name} has no docstring"


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from scrapeguard import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == PUBLIC


def test_the_version_is_a_version_string() -> None:
    assert isinstance(scrapeguard.__version__, str)
    parts = scrapeguard.__version__.split(".")
    assert len(parts) >= 2 and all(p.isdigit() for p in parts[:2])


def test_the_package_has_a_docstring() -> None:
    assert scrapeguard.__doc__ and "__all__" in scrapeguard.__doc__


def test_errors_form_one_tree() -> None:
    assert issubclass(scrapeguard.ConfigError, scrapeguard.ScrapeguardError)
    assert issubclass(scrapeguard.ScrapeguardError, Exception)
    err = scrapeguard.ConfigError(["a.yaml:1: x: bad", "a.yaml:2: y: worse"])
    assert err.messages == ["a.yaml:1: x: bad", "a.yaml:2: y: worse"]
    assert str(err) == "a.yaml:1: x: bad\na.yaml:2: y: worse"
