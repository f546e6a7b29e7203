"""The compose file (production) parses and has the parts DESIGN.md asks for; it cannot run here."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_describes_the_deployment() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "csc", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "csc", "beat"]
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    env = services["web"]["environment"]
    # Secrets have no defaults: compose refuses to start without them.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")


def test_compose_runs_the_app_as_a_role_that_owns_nothing() -> None:
    """Issue 12, point 1: migrations as the owner, everything else as csc_app."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgres://csc_owner:")
    assert services["migrate"]["environment"]["CSC_DB_APP_ROLE"] == "csc_app"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://csc_app:"), name
        assert env["CSC_CHECKPOINT_KEY"].startswith("${CSC_CHECKPOINT_KEY:?"), name
    assert any("init-roles.sh" in v for v in services["db"]["volumes"])
    script = (ROOT / "deploy" / "postgres" / "init-roles.sh").read_text()
    assert "NOSUPERUSER" in script and "OWNER csc_owner" in script


def test_dockerfile_runs_production_settings_with_gunicorn() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE=csc.settings.production" in text
    assert "gunicorn" in text and "collectstatic" in text


def test_ci_runs_lint_and_tests_strictly() -> None:
    text = (ROOT / ".ci" / "run").read_text()
    assert "CSC_STRICT=1" in text and "make lint" in text and "make test" in text


def test_the_demo_serves_without_debug_pages_and_with_static_files(tmp_path: Path) -> None:
    """Issue 9, point 26: `make run` (the demo settings) has debug pages off, so a 404 shows no
    URL list, and the app still serves its static files."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "from django.test import Client\n"
        "call_command('migrate', verbosity=0)\n"
        "assert settings.DEBUG is False\n"
        "c = Client()\n"
        "r = c.get('/no-such-page/')\n"
        "assert r.status_code == 404 and b'URLconf' not in r.content, r.content[:200]\n"
        "r = c.get('/static/js/csc.js')\n"
        "assert r.status_code == 200, r.status_code\n"
        "print('demo ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="csc.settings", CSC_VAR_DIR=str(tmp_path))
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "demo ok" in out.stdout


def test_compose_puts_a_tls_proxy_in_front_and_checks_every_service() -> None:
    """Issue 15, point 4: Caddy ends TLS and is the only published service; every long-running
    service has a health check; the app trusts exactly one proxy hop; uploads are writable."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy")
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert any("Caddyfile" in v for v in proxy["volumes"])
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile and "{$CSC_DOMAIN}" in caddyfile
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile  # replaces, never appends
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["proxy"]
    for name in ("web", "worker", "beat", "proxy", "db", "redis"):
        assert "healthcheck" in services[name], name
    env = services["web"]["environment"]
    assert env["CSC_TRUSTED_PROXIES"] == "1" and env["HTTP_PROTOCOL"] == "https"
    assert "--config" in services["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /app/var/media && chown -R csc /app/var" in dockerfile
    assert any(v.startswith("media:/app/var/media") for v in services["web"]["volumes"])


def test_the_gunicorn_config_logs_no_query_string() -> None:
    namespace: dict[str, object] = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    log_format = str(namespace["access_log_format"])
    assert "%(U)s" in log_format
    for leak in ("%(r)s", "%(q)s", "%(f)s", "%(a)s", "%(h)s"):
        assert leak not in log_format, leak
