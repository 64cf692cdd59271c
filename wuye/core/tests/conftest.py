"""Fixtures for tests that run ``wuye`` commands as real processes against a temp SQLite DB."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wuye.core.tests.processes import ROOT, process_env, wuye_command


@pytest.fixture(scope="session")
def migrated_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory whose SQLite database is migrated (once per test session)."""
    var_dir = tmp_path_factory.mktemp("wuye-var")
    subprocess.run(
        wuye_command("migrate", "--no-input", "-v", "0"),
        cwd=ROOT,
        env=process_env(var_dir),
        check=True,
        timeout=120,
        capture_output=True,
    )
    return var_dir


@pytest.fixture
def var_dir(migrated_var_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the migrated var directory for one test."""
    target = tmp_path / "var"
    target.mkdir()
    for path in migrated_var_dir.glob("wuye.sqlite3*"):
        shutil.copy2(path, target / path.name)
    return target
