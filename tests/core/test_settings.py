"""Configuration mistakes fail loudly at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_DEBUG"}}
    clean.update({"SECRET_KEY_FILE": str(tmp_path / "missing"), **env})
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(len(s.SECRET_KEY))"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _import_settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_the_secret_key_file_is_read_when_the_variable_is_unset(tmp_path):
    (tmp_path / "key").write_text("k" * 60 + "\n")
    result = _import_settings(tmp_path, SECRET_KEY_FILE=str(tmp_path / "key"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


@pytest.mark.parametrize(
    "env", [{"DATABASE_URL": "mysql://x/y"}, {"REDIS_URL": "http://x"}, {"DJANGO_DEBUG": "maybe"}]
)
def test_malformed_settings_refuse_to_start(tmp_path, env):
    result = _import_settings(tmp_path, SECRET_KEY="x" * 50, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
