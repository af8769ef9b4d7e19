"""Settings, all read from the environment (see README's table and .env.example).

``DJANGO_DEBUG`` unset or true is the embedded/development mode: SQLite and a filesystem broker in
``.data/``, keys generated there. Production (``DJANGO_DEBUG=0``) refuses generated keys. Neither mode
shows Django's debug pages unless a developer sets ``PORTAL_DEBUG_PAGES`` (embedded mode only).
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from portal.env import (
    env_bool,
    env_days,
    env_int,
    env_json_list,
    env_list,
    env_minutes,
    env_ports,
    env_proxy_header,
    env_str,
    env_url_base,
    generated_secret,
    new_django_key,
    parse_nameservers,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PORTAL_DATA_DIR") or BASE_DIR / ".data")

# The mode (DESIGN.md "Modes"): DJANGO_DEBUG unset or 1 is the embedded/development mode.
EMBEDDED = env_bool("DJANGO_DEBUG", True)
# Django's debug pages list the settings and the process environment (DATABASE_URL with its password)
# to whoever meets an error: newcomers and small teams run the embedded mode, so they get the styled
# error pages, and a developer asks for the debug pages by name.
DEBUG = env_bool("PORTAL_DEBUG_PAGES", False)
if DEBUG and not EMBEDDED:
    raise ImproperlyConfigured(
        "PORTAL_DEBUG_PAGES=1 shows tracebacks, settings and the environment to anyone who meets an error; "
        "it is for development in the embedded mode, never with DJANGO_DEBUG=0."
    )

# -- keys -------------------------------------------------------------------------------------
_django_key = env_str("DJANGO_SECRET_KEY")
_fernet_keys = env_list("PORTAL_SECRET_KEYS")
if not EMBEDDED and not (_django_key and _fernet_keys):
    raise ImproperlyConfigured(
        "Production mode (DJANGO_DEBUG=0) needs DJANGO_SECRET_KEY and PORTAL_SECRET_KEYS from the "
        "environment; generated keys are for the embedded mode only."
    )
if not EMBEDDED and (len(_django_key) < 50 or _django_key.startswith("change-me")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random value of at least 50 characters in production.")
SECRET_KEY = _django_key or generated_secret(DATA_DIR / "django-secret-key", new_django_key)
PORTAL_SECRET_KEYS = _fernet_keys or [
    generated_secret(DATA_DIR / "portal-secret-keys", lambda: Fernet.generate_key().decode())
]
PORTAL_KEYS_GENERATED = not _fernet_keys

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if EMBEDDED else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "portal",
    "portal.monitoring",  # alerts on change, early warnings, history and fleet snapshots (issue 10)
    "diagnostics",
    "lab",  # the demo's local stand-ins for Exchange Online, Entra ID and DNS, and load_demo
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "system_list"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.roles",
            ],
        },
    },
]

# -- database ---------------------------------------------------------------------------------
_env = environ.Env()
DATABASES = {
    "default": _env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write at once: WAL lets readers go on, the timeout makes writers wait.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # A file (not :memory:) so that worker processes started by tests see the test data; one per
    # test process so that two test runs on one machine never share it. It lives in the temporary
    # directory, not beside the checkout: WAL needs a file system whose shared memory every process
    # sees, and a CI checkout may sit on a mount that offers less (stale reads, "disk I/O error").
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"sap-mail-portal-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if EMBEDDED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# The embedded mode runs no collectstatic: whitenoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = EMBEDDED

if not EMBEDDED:
    # Production sits behind a TLS proxy (README, Production); each part can be turned off for a
    # deployment that ends TLS, redirects or sends HSTS elsewhere.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = env_proxy_header("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
# Preloading binds the whole domain in browsers' built-in lists for months: the domain owner's
# decision (SECURE_HSTS_PRELOAD=1), not a default the deployment check should nag about.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "portal.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", "INFO")},
}

# -- Celery -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # Embedded broker: kombu's filesystem transport, no server needed, with messages published whole
    # (portal/embedded_broker.py says why).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "portal.embedded_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # kombu does not create its folders; a worker started before anything was queued would die.
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Who grants roles: named on the 403 page (free text, e.g. "the SAP Basis team, basis@contoso.com").
PORTAL_ADMINS_CONTACT = env_str("PORTAL_ADMINS_CONTACT") or "the portal's administrators"

# -- diagnostics ------------------------------------------------------------------------------
PORTAL_DNS_NAMESERVERS = parse_nameservers("PORTAL_DNS_NAMESERVERS")
PORTAL_EXTRA_CA_BUNDLE = env_str("PORTAL_EXTRA_CA_BUNDLE") or None
if PORTAL_EXTRA_CA_BUNDLE and not Path(PORTAL_EXTRA_CA_BUNDLE).is_file():
    raise ImproperlyConfigured(f"PORTAL_EXTRA_CA_BUNDLE={PORTAL_EXTRA_CA_BUNDLE!r} is not a readable file")
PORTAL_LOGIN_AUTHORITY_HOST = env_url_base("PORTAL_LOGIN_AUTHORITY_HOST")
PORTAL_ALLOW_LOOPBACK_TARGETS = env_bool("PORTAL_ALLOW_LOOPBACK_TARGETS", False)
PORTAL_ALLOWED_PORTS = env_ports("PORTAL_ALLOWED_PORTS", "25,465,587,2525")
PORTAL_HTTPS_PROXY = env_str("PORTAL_HTTPS_PROXY") or None
PORTAL_DNSBL_ZONES = env_list("PORTAL_DNSBL_ZONES")  # empty: the diagnostics' default lists
# None: Microsoft's announced dates. Read by diagnostics.milestones only; checked by portal.E002.
PORTAL_BASIC_AUTH_MILESTONES = env_json_list("PORTAL_BASIC_AUTH_MILESTONES")
PORTAL_CHECK_TIMEOUT = env_int("PORTAL_CHECK_TIMEOUT", 10)
# Seconds a scheduled run may reuse DNS answers of other runs of its worker (at most their TTL); 0: never.
PORTAL_DNS_REUSE = env_int("PORTAL_DNS_REUSE", 60)
if PORTAL_DNS_REUSE < 0:
    raise ImproperlyConfigured(f"PORTAL_DNS_REUSE={PORTAL_DNS_REUSE} must be 0 (never) or more seconds")
PORTAL_RUN_BUDGET = env_int("PORTAL_RUN_BUDGET", 30)
PORTAL_QUEUE_TIMEOUT = env_int("PORTAL_QUEUE_TIMEOUT", 900)  # seconds a run may wait for a worker
# Seconds between a running diagnosis's signs of life; silent for three, its executor counts as gone and
# the run is taken over or ended (by any worker's watchdog, the next delivery or the page; no beat needed).
PORTAL_RUN_HEARTBEAT = env_int("PORTAL_RUN_HEARTBEAT", 5)
if PORTAL_RUN_HEARTBEAT < 1:
    raise ImproperlyConfigured(f"PORTAL_RUN_HEARTBEAT={PORTAL_RUN_HEARTBEAT} must be at least 1 (seconds)")
# A task's limits follow the run's budget, so the budget always ends a run before Celery kills it.
CELERY_TASK_SOFT_TIME_LIMIT = PORTAL_RUN_BUDGET + 60
CELERY_TASK_TIME_LIMIT = PORTAL_RUN_BUDGET + 90
PORTAL_ZONE = env_str("PORTAL_ZONE")  # the zone this process's worker serves; empty = default
PORTAL_WORKER_NAME = env_str("PORTAL_WORKER_NAME") or socket.gethostname()

# Scheduled checks (portal/schedule.py): minutes between checks per landscape role, "default" for the rest;
# a system's own interval (Configuration tab, CSV column check_interval) wins. Checked by portal.E003.
PORTAL_CHECK_INTERVALS = env_minutes("PORTAL_CHECK_INTERVALS", "PRD:15,default:60")
PORTAL_SCHEDULE_TICK = env_int("PORTAL_SCHEDULE_TICK", 60)  # seconds between beat's looks for systems due
if PORTAL_SCHEDULE_TICK < 1:
    raise ImproperlyConfigured(f"PORTAL_SCHEDULE_TICK={PORTAL_SCHEDULE_TICK} must be at least 1 (seconds)")

CELERY_BEAT_SCHEDULE = {
    "worker-heartbeats": {"task": "portal.tasks.ask_for_heartbeats_task", "schedule": 60.0, "options": {"expires": 55}},
    # One task a minute enqueues the systems that are due (benchmarks/scheduler_at_scale.py says why).
    "scheduled-checks": {
        "task": "portal.tasks.enqueue_due_checks_task",
        "schedule": float(PORTAL_SCHEDULE_TICK),
        "options": {"expires": max(1, PORTAL_SCHEDULE_TICK - 5)},  # a late look is replaced by the next one
    },
}
CELERY_BEAT_SCHEDULE["alerts-overdue"] = {"task": "portal.monitoring.tasks.send_overdue_alerts_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["early-warnings"] = {
    "task": "portal.monitoring.tasks.send_early_warnings_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["fleet-snapshot"] = {
    "task": "portal.monitoring.tasks.take_fleet_snapshot_task",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["prune-history"] = {"task": "portal.monitoring.tasks.prune_history_task", "schedule": 86400.0}
# One all-in-one worker serves every zone in the embedded mode; with Redis each zone has its own queue.
PORTAL_ROUTE_BY_ZONE = env_bool("PORTAL_ROUTE_BY_ZONE", bool(REDIS_URL))

# -- monitoring: alerts on change, early warnings, history (portal/monitoring) ----------------------
# The portal's address as recipients reach it: alerts link to the system's page with it.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A new health counts (and is told) once it held for this many consecutive runs: one odd run is not news.
PORTAL_ALERT_AFTER_RUNS = env_int("PORTAL_ALERT_AFTER_RUNS", 2)
if PORTAL_ALERT_AFTER_RUNS < 1:
    raise ImproperlyConfigured(f"PORTAL_ALERT_AFTER_RUNS={PORTAL_ALERT_AFTER_RUNS} must be at least 1 (runs)")
# A failed delivery is tried again after 1, 2, 4… times this many seconds, this many attempts in all.
PORTAL_ALERT_RETRY_SECONDS = env_int("PORTAL_ALERT_RETRY_SECONDS", 60)
PORTAL_ALERT_ATTEMPTS = env_int("PORTAL_ALERT_ATTEMPTS", 6)
PORTAL_WEBHOOK_TIMEOUT = env_int("PORTAL_WEBHOOK_TIMEOUT", 10)  # seconds to connect to and hear from a webhook
# Days before a client secret, a certificate or a Basic-auth milestone at which one early warning each goes out.
PORTAL_EXPIRY_WARNING_DAYS = env_days("PORTAL_EXPIRY_WARNING_DAYS", "30,14,7,1")
PORTAL_MILESTONE_WARNING_DAYS = env_days("PORTAL_MILESTONE_WARNING_DAYS", "30,7")
# Check results (with their evidence and transcripts) are kept this many days; daily fleet snapshots for good.
PORTAL_RESULTS_RETENTION_DAYS = env_int("PORTAL_RESULTS_RETENTION_DAYS", 30)
if PORTAL_RESULTS_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"PORTAL_RESULTS_RETENTION_DAYS={PORTAL_RESULTS_RETENTION_DAYS} must be at least 1")

# E-mail (alerts): Django's mail settings. Without EMAIL_HOST the embedded mode prints mails on the
# worker's console; production sends through EMAIL_HOST (a failed delivery is retried and audited).
EMAIL_HOST = env_str("EMAIL_HOST", "" if EMBEDDED else "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SAP Mail Health <mail-health@localhost>")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not EMBEDDED
    else "django.core.mail.backends.console.EmailBackend"
)
