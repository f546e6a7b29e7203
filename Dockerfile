# The production image: gunicorn serves the app and its static files (whitenoise).
# Bookworm: its postgresql-client (15) matches the database image in docker-compose.yml, so
# `manage.py backup` (pg_dump) runs in this image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=csc.settings.production \
    CSC_VAR_DIR=/app/var

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 postgresql-client libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e . \
    && SECRET_KEY=collectstatic-only CSC_PSEUDONYM_KEY=collectstatic-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.db \
       REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput \
    && useradd --system --create-home csc \
    && mkdir -p /app/var/media && chown -R csc /app/var

USER csc
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "csc.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
