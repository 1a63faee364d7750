"""The lock file agrees with pyproject.toml, and the check that says so can fail."""

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import REPO

ROOT = REPO
UV = ROOT / ".tools" / "bin" / "uv"

pytestmark = pytest.mark.skipif(not UV.exists(), reason="uv is installed by `make setup-test`")


def lock_check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UV), "lock", "--check", "--offline", "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_project(tmp_path: Path) -> Path:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_committed_lock_matches_pyproject(tmp_path: Path) -> None:
    result = lock_check(copy_project(tmp_path))
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_to_pyproject_only_fails_the_check(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('  "orjson>=3.10",\n', '  "orjson>=3.10",\n  "six>=1.16",\n'))
    assert "six>=1.16" in pyproject.read_text()
    result = lock_check(project)
    assert result.returncode != 0


def test_every_locked_package_carries_a_hash() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = [p for p in lock["package"] if "registry" in p["source"]]
    assert len(packages) > 50
    for package in packages:
        artefacts = [
            *package.get("wheels", []),
            *([package["sdist"]] if "sdist" in package else []),
        ]
        assert artefacts, package["name"]
        assert all(a["hash"].startswith("sha256:") for a in artefacts), package["name"]
