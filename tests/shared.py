"""The project's shared data beside the checkout (``../shared``: benchmarks, the acceptance page).

A test that reads it calls :func:`shared_path`. Where the folder is missing the test is skipped
on a developer's machine, and fails under CI (``CI=true``), as a missing Redis does.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``; fails the test under CI when it is missing, else skips it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the shared data is checked out beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def load_bench(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module (the benches are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
