"""Production settings (issue 15, finding 9): no development key outside DEBUG, HTTPS enforced, and
no copy of a child's page kept by a browser or proxy (NCSC cloud security principle 2, data in
transit; UK GDPR Art. 32). Settings are read from the environment once, so each case runs
`django check` in a fresh process."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db

PRODUCTION = {"ALLOWED_HOSTS": "safeguard.example.gov.uk", "DEBUG": "0"}


def _check(tmp_path, *args, **env):
    """`safeguard check` in a fresh process with only these settings in the environment."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS")
             and not k.startswith(("SAFEGUARD_", "DJANGO_"))}
    clean.update(DJANGO_SETTINGS_MODULE="safeguard.settings", SAFEGUARD_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "django", "check", *args], env=clean,
                          capture_output=True, text=True, timeout=120)


def test_the_development_key_is_refused_without_debug(tmp_path):
    done = _check(tmp_path, SECRET_KEY="insecure-development-key-change-me", **PRODUCTION)
    assert done.returncode != 0
    assert "SECRET_KEY is a development or short key" in done.stderr
    assert _check(tmp_path, SECRET_KEY="short", **PRODUCTION).returncode != 0


def test_without_a_key_a_private_random_one_is_made_and_kept(tmp_path):
    assert _check(tmp_path, **PRODUCTION).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _check(tmp_path, **PRODUCTION).returncode == 0
    assert key_file.read_text() == first  # kept: sessions survive a restart


def test_check_deploy_is_clean_with_the_readmes_production_settings(tmp_path):
    done = _check(tmp_path, "--deploy", "--fail-level", "WARNING",
                  SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_plain_http_is_redirected_and_https_carries_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/sign-in/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/sign-in/", secure=True)
    assert secure.status_code == 200
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_pages_and_files_that_show_a_child_are_never_stored(world, client_for):
    client = client_for(world.sw_a)
    for url in (f"/children/{world.own.pk}/", f"/children/{world.own.pk}/chronology.csv",
                "/children/?name=Family", "/my-work/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    assert "no-store" in client_for(world.sw_b).get(f"/children/{world.own.pk}/")["Cache-Control"]
