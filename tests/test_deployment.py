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


def test_dockerfile_runs_production_settings_with_gunicorn() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE=csc.settings.production" in text
    assert "gunicorn" in text and "collectstatic" in text


def test_ci_runs_lint_and_tests_strictly() -> None:
    text = (ROOT / ".ci" / "run").read_text()
    assert "CSC_STRICT=1" in text and "make lint" in text and "make test" in text
