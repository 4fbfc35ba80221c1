"""
Settings for CertPortal, read only from the environment (and an optional .env file).

DJANGO_ENV selects the mode. "development" (the default) runs on SQLite with Celery
tasks executed in-process and generates missing secrets into var/secrets/.
"production" generates nothing: every secret must be set, and the process refuses to
start with a message naming the missing variable. The README lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from certportal.secrets import SecretSource

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# DJANGO_ENV_FILE names another file to read, or "" to read none, which the
# settings tests use so that a developer's .env cannot change their outcome.
ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in ("development", "production"):
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r} is invalid: use 'development' or 'production'."
    )
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

secrets = SecretSource(env, VAR_DIR / "secrets", generate=not PRODUCTION)
SECRET_KEY = secrets.django_secret_key("SECRET_KEY")

# Fernet keys for private keys at rest, newest first. Older keys stay listed until
# `manage.py rotate_encryption_key` has re-encrypted everything with the newest one.
PRIVATE_KEY_ENCRYPTION_KEYS = secrets.fernet_keys("PRIVATE_KEY_ENCRYPTION_KEYS")

if PRODUCTION:
    ALLOWED_HOSTS = secrets.required_list("ALLOWED_HOSTS")
else:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The portal's own address, used in links inside emails.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "audit",
    "certificates",
    "issuance",
    "servicedesk",
    "governance",
    "catalogue",
    "reporting",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "certportal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "certportal.urls"
WSGI_APPLICATION = "certportal.wsgi.application"

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
                "certportal.navigation.navigation",
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL names another database.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'certportal.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers wait for
    # each other instead of failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
elif CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed sign-ins, counted per username and address pair so
# that one attacker cannot lock every account from one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

# Email: EMAIL_URL such as smtp+tls://user:password@mail.example.com:587.
# Development prints messages to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="certportal@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers and cookies. In production every flag is on by default; each can
# be turned off for a deployment behind a proxy that already does the job.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Uploads larger than this are rejected before they reach a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Certificate files (PEM bundles, PKCS#7, PKCS#12) above this size, in bytes, are
# rejected by the import with a message. 10 MiB holds about 6,000 PEM certificates.
CERTIFICATE_IMPORT_MAX_BYTES = env.int(
    "CERTIFICATE_IMPORT_MAX_BYTES", default=10 * 1024 * 1024
)

# Probes of client hosts (TLS verification, domain monitoring, discovery) reject
# private, loopback, link-local and multicast addresses unless a network is listed
# here, as CIDR strings. Tests allow 127.0.0.1/32 only.
PROBE_ALLOWED_NETWORKS = env.list("PROBE_ALLOWED_NETWORKS", default=[])

REST_FRAMEWORK = {
    # The token class comes first because DRF takes the WWW-Authenticate header
    # from the first class. Session authentication sends none, which would turn a
    # missing login into a 403 instead of a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "certportal.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "certportal.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CertPortal API",
    "DESCRIPTION": "Certificates, service desk, catalogue and reports of CertPortal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
}
API_TOKEN_DEFAULT_LIFETIME = timedelta(
    days=env.int("API_TOKEN_LIFETIME_DAYS", default=90)
)

# Celery. Without CELERY_BROKER_URL, tasks run in-process as they are called.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="certportal")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only after it finishes, so a worker that dies mid-task
# leaves it to another worker. Every task must therefore be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs. Each app's job is listed here so one place shows the whole schedule.
CELERY_BEAT_SCHEDULE: dict = {}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Service desk. Attachments above this size (bytes) are rejected with a message.
SERVICEDESK_ATTACHMENT_MAX_BYTES = env.int(
    "SERVICEDESK_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024
)
# A resolved ticket with no answer from the client closes after this many
# business days of its client's calendar; the notice goes out one business day
# earlier.
SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS = env.int(
    "SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS", default=5
)
CELERY_BEAT_SCHEDULE["servicedesk-check-sla"] = {
    "task": "servicedesk.check_sla",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["servicedesk-close-resolved"] = {
    "task": "servicedesk.close_resolved_tickets",
    "schedule": timedelta(minutes=15),
}

# Service desk email. Replies go to the desk address; mail sent to it by a known
# person opens a ticket. GOVERNANCE_IMAP_URL (imaps://user:password@host:993/INBOX)
# turns on polling that mailbox; leave it empty when a mail server pipes messages
# into `manage.py ingest_email` instead.
GOVERNANCE_DESK_ADDRESS = env.str("GOVERNANCE_DESK_ADDRESS", default="desk@example.com")
GOVERNANCE_IMAP_URL = env.str("GOVERNANCE_IMAP_URL", default="")
CELERY_BEAT_SCHEDULE["governance-poll-mailbox"] = {
    "task": "governance.poll_mailbox",
    "schedule": timedelta(minutes=2),
}

# The expiry job runs daily; a shorter interval is for tests and demonstrations.
MONITORING_EXPIRY_CHECK_SECONDS = env.int(
    "MONITORING_EXPIRY_CHECK_SECONDS", default=24 * 3600
)
CELERY_BEAT_SCHEDULE["monitoring-check-expiry"] = {
    "task": "monitoring.check_expiry",
    "schedule": timedelta(seconds=MONITORING_EXPIRY_CHECK_SECONDS),
}
CELERY_BEAT_SCHEDULE["monitoring-verify-endpoints"] = {
    "task": "monitoring.verify_endpoints",
    "schedule": timedelta(hours=6),
}
CELERY_BEAT_SCHEDULE["monitoring-check-domains"] = {
    "task": "monitoring.check_domains",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["monitoring-rollup-domain-checks"] = {
    "task": "monitoring.rollup_domain_checks",
    "schedule": timedelta(hours=1),
}
# Stable enum names in the schema, whatever "kind" or "outcome" fields other apps add.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "MonitoringNoticeKindEnum": "monitoring.choices.NoticeKind",
        "VerificationOutcomeEnum": "monitoring.choices.VerificationOutcome",
    }
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "IssuanceOrderStatusEnum": "issuance.choices.OrderStatus",
        "IssuanceQuoteStatusEnum": "issuance.choices.QuoteStatus",
        "AcmeStatusEnum": "issuance.choices.AcmeStatus",
        "ChallengeResponderEnum": "issuance.choices.ChallengeResponder",
        "AcmeChallengeTypeEnum": "issuance.choices.ChallengeType",
        "RevocationReasonEnum": "issuance.choices.RevocationReason",
    }
)

# Reporting. The job runs hourly, so each client's monthly report is made soon
# after the 1st begins in its own time zone. A month already reported only gets
# the emails not sent yet.
CELERY_BEAT_SCHEDULE["reporting-monthly-reports"] = {
    "task": "reporting.generate_monthly_reports",
    "schedule": timedelta(hours=1),
}
CELERY_BEAT_SCHEDULE["reporting-slo-results"] = {
    "task": "reporting.compute_slo_results",
    "schedule": timedelta(hours=1),
}
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ReportKindEnum": "reporting.choices.ReportKind",
        "ReportStateEnum": "reporting.choices.ReportState",
    }
)

CELERY_BEAT_SCHEDULE["catalogue-mark-overdue"] = {
    "task": "catalogue.mark_overdue_requests",
    "schedule": timedelta(minutes=15),
}

# One name per choice set in the OpenAPI schema, where several apps use a field
# called "status" or "state", or one choice set under several field names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "CertificateStatusEnum": "certificates.choices.CertificateStatus",
        "CsrStateEnum": "certificates.choices.CsrState",
        "TicketStatusEnum": "servicedesk.choices.Status",
        "LevelEnum": "servicedesk.choices.Level",
        "SlaTargetKindEnum": "servicedesk.choices.TargetKind",
        "ChangeStateEnum": "governance.choices.ChangeState",
        "IncidentReportStateEnum": "governance.choices.ReportState",
    }
)

# A PEM file of extra trust anchors for installation verification: the roots of
# private CAs (an internal ACME server, say) whose certificates the portal issues.
# Verification trusts certifi's public roots plus these. Empty: public roots only.
VERIFICATION_EXTRA_ROOTS_FILE = env.str("VERIFICATION_EXTRA_ROOTS_FILE", default="")
