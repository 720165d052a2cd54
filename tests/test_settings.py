"""Settings: safe defaults, production mode refuses insecure configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_check(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    unwanted = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603  (fixed argv, our own interpreter)
        [sys.executable, str(ROOT / "manage.py"), "check", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    result = _run_check(
        {
            "INTERMEDIARY_MODE": "production",
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value-0123456789",
            "ALLOWED_HOSTS": "intermediary.example.org",
            "INTERMEDIARY_VAR_DIR": str(tmp_path),
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_production_mode_requires_a_secret_key(tmp_path: Path) -> None:
    result = _run_check({"INTERMEDIARY_MODE": "production", "INTERMEDIARY_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_production_mode_refuses_debug(tmp_path: Path) -> None:
    result = _run_check(
        {
            "INTERMEDIARY_MODE": "production",
            "DEBUG": "1",
            "SECRET_KEY": "k" * 60,
            "INTERMEDIARY_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_debug_is_off_by_default() -> None:
    from django.conf import settings

    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
