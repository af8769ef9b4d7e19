# Production image: the same code and requirements as `make run`, served by gunicorn.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=portal.settings
WORKDIR /app
# Pango and a font: WeasyPrint lays out the status report's PDF with them.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings, not secrets: build-time placeholders only.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-needs-settings-not-secrets-this-key-is-never-used PORTAL_SECRET_KEYS=YnVpbGQtYnVpbGQtYnVpbGQtYnVpbGQtYnVpbGQtYnU= \
    python manage.py collectstatic --noinput
RUN useradd --system --home /app mailhealth && mkdir -p /app/.data && chown mailhealth /app/.data
USER mailhealth
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
