"""Settings, all taken from the environment.

``DJANGO_MODE=production`` switches on what ``manage.py check --deploy`` asks for (HTTPS only, secure cookies,
HSTS) and refuses to start without a real ``SECRET_KEY``. Everything else has a development default so that
``make demo`` runs on a fresh machine with no configuration at all.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


MODE = os.environ.get("DJANGO_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_MODE must be 'development' or 'production'")
PRODUCTION = MODE == "production"

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("DJANGO_MODE=production needs SECRET_KEY: at least 50 random characters")
# Rotation: the old key goes here while sessions and tokens signed with it expire.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "djmoney",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "enterprises",
    "ledger",
    "funds",
    "guarantees",
    "crowdfunding",
    "bonds",
    "statements",
    "api",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "web",
]

MIDDLEWARE = [
    "core.logs.RequestIdMiddleware",  # first: every record of the request, and its tasks, carry its id
    "api.common.middleware.RefuseNulMiddleware",  # a NUL in the path names nothing: 404 before any view
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: a page answers an htmx request with its fragment
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.common.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Connections are kept for a minute and checked before reuse: opening one per request (a new PostgreSQL
        # backend process each time) cost more than the rest of a small request.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A transaction broken off by a deadlock or a serialization failure is run again, up to this many times in all,
# before the request is answered 409 concurrent_update (core.db.run_retried).
DB_CONFLICT_ATTEMPTS = int(os.environ.get("DB_CONFLICT_ATTEMPTS", "4"))

AUTH_USER_MODEL = "enterprises.User"
AUTHENTICATION_BACKENDS = ["enterprises.login_guard.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins: after LOGIN_FAILURE_LIMIT failures for one user name or one address within
# LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the window has passed.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))

# Email: the backers' verification links (enterprises.backers). The console backend prints each message (make demo:
# in the terminal running the server); tests use Django's in-memory outbox whatever is set here; production sends
# through SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # for the file backend
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "사회적경제 금융 <noreply@localhost>")
# Where the links in emails point (https://fund.example.go.kr); empty: the address the request came to.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

# The web pages' session login (web/): where it is, and how long a session lasts without a request.
LOGIN_URL = "web:login"
LOGOUT_REDIRECT_URL = "web:landing"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))  # a working day
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The pages' tables (django-tables2): the project's own template (Korean conventions, sorting links, htmx paging).
DJANGO_TABLES2_TEMPLATE = "web/components/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data"}
WEB_PAGE_SIZE = int(os.environ.get("WEB_PAGE_SIZE", "25"))

# How many reverse proxies (nginx, a load balancer) stand in front and append to X-Forwarded-For. 0: trust only
# REMOTE_ADDR, so a client cannot choose its own address for throttling by sending the header.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    # Redis away: the cache answers "nothing stored" instead of failing the request (core.cache); it holds only
    # failed-login counts and throttle history, so a Redis outage must not stop logins and repayments.
    CACHES = {"default": {"BACKEND": "core.cache.TolerantRedisCache", "LOCATION": CACHE_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Issued statements (PDFs) are stored here; never served as static files, only through the API, which logs downloads.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Money: whole Korean won.
CURRENCIES = ("KRW",)
DEFAULT_CURRENCY = "KRW"
# Dates that move money (a contribution received, a loan disbursed, a repayment's value date, a recovery) are never
# in the future and at most this many days before today (core.dates): a transfer recorded late is back-dated, a
# date years back is a typing mistake.
BACKDATE_DAYS = int(os.environ.get("BACKDATE_DAYS", "90"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "api.common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.common.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Request bodies are JSON only (anything else is a 415), so the schema documents application/json alone;
    # checked where they enter (nesting, NUL, lone surrogates): api.common.parsers.
    "DEFAULT_PARSER_CLASSES": ["api.common.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("AUTH_THROTTLE_RATE", "30/min"),
        # Backers' own sign-up, per client address (the API's and the page's, counted together).
        "signup": os.environ.get("SIGNUP_THROTTLE_RATE", "10/hour"),
        # Asking for the verification email again, per user.
        "resend_verification": os.environ.get("RESEND_VERIFICATION_THROTTLE_RATE", "5/hour"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "UPDATE_LAST_LOGIN": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Social economy finance API (사회적경제 금융 API)",
    "DESCRIPTION": (
        "Revolving funds, special guarantees, crowdfunding contests and social impact bonds for Korean "
        "municipalities. Amounts are KRW in whole won, sent as decimal strings. Every 4xx has the body "
        "`{code, message, fields}`. Calls that move money need an `Idempotency-Key` header."
    ),
    # One tag per instrument or area, in this order; each view names its own (``schema_tag``, see api.common.schema).
    "TAGS": [
        {"name": "Revolving fund (사회적경제활성화기금)",
         "description": "Funds and their capital, loan products and quotes, applications with four-eyes approval, "
                        "loans, disbursement, schedules, repayments and their reversal, payoff, write-offs and "
                        "recoveries."},
        {"name": "Special guarantees (특례보증)",
         "description": "Special guarantee programs run with a credit guarantee foundation: their terms, the money "
                        "paid into them by source, and their capacity (contributions less net losses, times the "
                        "multiple), used and available; guarantee fees (보증료): quotes, the bills of each guarantee "
                        "year, the enterprise's payments with their late fees, and the city's share (보증료 지원) paid "
                        "in batches."},
        {"name": "Crowdfunding contests (소셜 크라우드펀딩 대회)",
         "description": "Contests with their phases, partner institutions and joint fund (공동기금); entries; judging "
                        "rounds with rubrics, panels, recusal, blind scores and aggregation (mean, trimmed mean, "
                        "z-scores); rankings; advance lists with four eyes; awards paid in tranches from the joint "
                        "fund and their settlement (보조금 정산)."},
        {"name": "Social impact bonds (사회성과보상사업)",
         "description": "Contracts with their investors, outcome metrics and payment terms (rate cards, achievement "
                        "tables), signed with four eyes; capital calls and disbursements to the provider; results "
                        "recorded with evidence by the evaluator's users and confirmed by another; outcome payments "
                        "prepared and approved (four eyes) within the budget cap; distributions to the investors; "
                        "payment quotes; the INDIGO data standard export."},
        {"name": "Statements and exports",
         "description": "PDF statements and receipts (asked for, followed, downloaded, verified), the download log, "
                        "and a fund's journal as CSV or XLSX."},
        {"name": "Enterprises and institutions",
         "description": "Social economy enterprises (사회적경제기업) and partner institutions."},
        {"name": "Sign-in and me", "description": "JWT access and refresh tokens; who I am; backers' (후원자) own "
                                                 "sign-up and the verification of their email address."},
        {"name": "Audit trail", "description": "The append-only, hash-chained audit events, and their verification."},
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BondTermKindEnum": "bonds.models.PaymentTerm.Kind",
        "BondTermModeEnum": "bonds.models.PaymentTerm.Mode",
        "BondTermBelowEnum": "bonds.models.PaymentTerm.Below",
        "BondPointKindEnum": "bonds.models.EvaluationPoint.Kind",
        "BondRoundingModeEnum": "bonds.models.contracts.ROUNDING_MODE_CHOICES",
        "ModeEnum": "crowdfunding.models.CampaignMode",
        "AdvanceListStateEnum": "crowdfunding.models.AdvanceList.State",
        "AggregationEnum": "crowdfunding.models.Aggregation",
        "ClaimStateEnum": "guarantees.models.Claim.State",
        "ContestCampaignTypeEnum": "crowdfunding.models.CampaignType",
        "ContestEntryStateEnum": "crowdfunding.models.Entry.State",
        "ContestPhaseEnum": "crowdfunding.models.Phase",
        "ContestRoundKindEnum": "crowdfunding.models.RoundKind",
        "EnterpriseKindEnum": "enterprises.models.Enterprise.Kind",
        "FeeBillStateEnum": "guarantees.models.FeeBill.State",
        "FeePayerEnum": "guarantees.models.Payer",
        "InstitutionKindEnum": "enterprises.models.Institution.Kind",
        "PanelKindEnum": "crowdfunding.models.Panel.Kind",
        "ProvinceEnum": "enterprises.models.Province",
        "ProgramRoundingUnitEnum": "guarantees.models.ROUNDING_UNIT_CHOICES",
        "RecourseWriteOffStateEnum": "guarantees.models.RecourseWriteOff.State",
        "RoundStateEnum": "crowdfunding.models.Round.State",
        "GuaranteeStateEnum": "guarantees.models.Guarantee.State",
        "GuaranteeApplicationStateEnum": "guarantees.models.GuaranteeApplication.State",
        "StatementKindEnum": "statements.models.Statement.Kind",
        "StatementStateEnum": "statements.models.Statement.State",
        "SubsidyRunStateEnum": "guarantees.models.SubsidyRun.State",
        "SubsidyPayeeEnum": "guarantees.models.SubsidyPayee",
        "SubsidyPeriodEnum": "guarantees.models.SubsidyPeriod",
        "AwardStateEnum": "crowdfunding.models.Award.State",
        "AwardTrancheStateEnum": "crowdfunding.models.AwardTranche.State",
        "SpendingCategoryEnum": "crowdfunding.models.SpendingItem.Category",
    },
}

# Celery: eager (in process) when no broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A worker killed in the middle of a task (SIGKILL, out of memory) leaves it to another: every task is safe to run
# twice (a statement renders once under its row lock; a closed day is never closed again).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING below (JSON, with the ids)
# Redis hands an unacknowledged task to another worker after this long: longer than the longest task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7200}
# A worker that loses the broker stops its running tasks (they are redelivered) rather than finish them twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# With Redis away, handing a task over gives up within about a second instead of holding the request: the work is
# in the outbox (core.outbox) and the relay hands it over once Redis is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = 2
# The outbox relay: how often it hands over waiting work, and after how many lost runs (the worker died each time)
# a message is given up.
OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", "30"))
OUTBOX_MAX_LOST = int(os.environ.get("OUTBOX_MAX_LOST", "3"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "30"))  # succeeded messages are then deleted
# Audit events are written unsealed and sealed into the hash chain after their commit (core.audit.audit_seal): by
# beat every AUDIT_SEAL_SECONDS, in one batch, on a worker; and, with AUDIT_SEAL_ON_COMMIT (the default when no
# broker is configured, so the demo and the tests have no beat to wait for), by the request itself right after it
# commits, which costs each audited request a short transaction of its own. audit_verify reports an event still
# unsealed after AUDIT_SEAL_GRACE_SECONDS: the sealer is not running.
AUDIT_SEAL_SECONDS = float(os.environ.get("AUDIT_SEAL_SECONDS", "2"))
AUDIT_SEAL_ON_COMMIT = env_bool("AUDIT_SEAL_ON_COMMIT", not CELERY_BROKER_URL)
AUDIT_SEAL_GRACE_SECONDS = float(os.environ.get("AUDIT_SEAL_GRACE_SECONDS", "300"))
# A repayment asks for its receipt (상환 영수증) to be rendered. On by default when a worker renders in the
# background; without a broker it would be rendered inside the repayment request, so it is off unless asked for.
STATEMENTS_AUTO_RECEIPT = env_bool("STATEMENTS_AUTO_RECEIPT", bool(CELERY_BROKER_URL))
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Long tasks have queues of their own, so that a 10,000-line fund statement never holds back the nightly close of
# business, nor the close a statement; everything else goes to the default queue "celery".
CELERY_TASK_ROUTES = {
    "statements.render": {"queue": "statements"},
    "funds.close_business": {"queue": "close_business"},
}
CELERY_TASK_ANNOTATIONS = {
    # seconds: soft (the task may clean up) and hard limits
    "statements.render": {"soft_time_limit": 300, "time_limit": 360},
    "funds.close_business": {"soft_time_limit": 3000, "time_limit": 3300},
    "guarantees.subsidy_runs": {"soft_time_limit": 600, "time_limit": 660},
    "guarantees.bill_fees": {"soft_time_limit": 1200, "time_limit": 1320},
    "crowdfunding.advance_phases": {"soft_time_limit": 600, "time_limit": 660},
    "crowdfunding.run_funding": {"soft_time_limit": 3000, "time_limit": 3300},  # charges call the payment provider
    "ledger.verify": {"soft_time_limit": 1200, "time_limit": 1320},
    "audit.verify": {"soft_time_limit": 1200, "time_limit": 1320},
    "audit.seal": {"soft_time_limit": 60, "time_limit": 90},
    "enterprises.send_verification_email": {"soft_time_limit": 60, "time_limit": 90},
}
CELERY_BEAT_SCHEDULE = {
    # Close of business for yesterday just after midnight (KST), then the integrity checks.
    "close-business-nightly": {"task": "funds.close_business", "schedule": crontab(hour=0, minute=10)},
    # Each program's interest subsidy run (이차보전) of the month or quarter just ended, prepared for a manager to
    # approve; nightly rather than on the 1st, so that a missed night is made up (a period's run is made once).
    "subsidy-runs-nightly": {"task": "guarantees.subsidy_runs", "schedule": crontab(hour=1, minute=30)},
    # Guarantee years whose period starts today are billed (보증료), each upfront on its first day.
    "guarantee-fees-daily": {"task": "guarantees.bill_fees", "schedule": crontab(hour=0, minute=20)},
    # Contests whose phase ended yesterday move on (the call closes, screening ends...), gates permitting.
    "contest-phases-daily": {"task": "crowdfunding.advance_phases", "schedule": crontab(hour=0, minute=10)},
    # After the phases: campaigns past their deadline close, due charges run, quadratic pools are shared out, and
    # what is ready settles (campaigns, then pools); a second run the same day does nothing more.
    "contest-funding-daily": {"task": "crowdfunding.run_funding", "schedule": crontab(hour=0, minute=20)},
    "ledger-verify-nightly": {"task": "ledger.verify", "schedule": crontab(hour=3, minute=0)},
    "audit-verify-nightly": {"task": "audit.verify", "schedule": crontab(hour=3, minute=15)},
    # Work the broker has not taken yet (it was away) and runs lost with their worker: handed over again.
    "outbox-relay": {"task": "outbox.relay", "schedule": OUTBOX_RELAY_SECONDS,
                     "options": {"expires": OUTBOX_RELAY_SECONDS}},
    # Audit events whose own commit did not seal them (its sealer failed): sealed into the chain.
    "audit-seal": {"task": "audit.seal", "schedule": AUDIT_SEAL_SECONDS, "options": {"expires": AUDIT_SEAL_SECONDS}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The card payment provider (crowdfunding.gateway; shaped like Toss Payments). The defaults are the local stand-in's
# (standins/payment_provider: `make demo`, the tests and `make e2e` run it); a real provider plugs in by these.
# Declared whatever the mode: the keys are the stand-in's test keys, worthless anywhere else.
PAYMENTS_PROVIDER_URL = os.environ.get("PAYMENTS_PROVIDER_URL", "http://127.0.0.1:8765").rstrip("/")
PAYMENTS_SECRET_KEY = os.environ.get("PAYMENTS_SECRET_KEY", "test_sk_standin_0000000000000000")
PAYMENTS_CLIENT_KEY = os.environ.get("PAYMENTS_CLIENT_KEY", "test_ck_standin_0000000000000000")
PAYMENTS_WEBHOOK_SECRET = os.environ.get("PAYMENTS_WEBHOOK_SECRET", "whsec_standin_0000000000000000")
# Seconds a call to the provider may take; a charge that outlasts it is looked up by its order id before giving up.
PAYMENTS_TIMEOUT_SECONDS = float(os.environ.get("PAYMENTS_TIMEOUT_SECONDS", "10"))
# Crowdfunding settlement (캠페인 정산): the platform's fee (플랫폼 수수료) and the card payment fee the provider keeps
# (카드 결제 수수료), as decimal fractions of what a campaign collected (charged less refunded), each rounded down
# (절사) to CROWDFUNDING_FEE_UNIT won (1 or 10).
def _fee_rate(name: str, default: str) -> Decimal:
    try:
        rate = Decimal(os.environ.get(name, default))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a decimal fraction, such as 0.05") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise ImproperlyConfigured(f"{name} must be between 0 and 1")
    return rate


CROWDFUNDING_PLATFORM_FEE_RATE = _fee_rate("CROWDFUNDING_PLATFORM_FEE_RATE", "0.05")
CROWDFUNDING_PAYMENT_FEE_RATE = _fee_rate("CROWDFUNDING_PAYMENT_FEE_RATE", "0.025")
if CROWDFUNDING_PLATFORM_FEE_RATE + CROWDFUNDING_PAYMENT_FEE_RATE > 1:
    raise ImproperlyConfigured("CROWDFUNDING_PLATFORM_FEE_RATE and CROWDFUNDING_PAYMENT_FEE_RATE add up to more than 1")
CROWDFUNDING_FEE_UNIT = int(os.environ.get("CROWDFUNDING_FEE_UNIT", "1"))

# The INDIGO export of a social impact bond (bonds.indigo): the sections marked PRIVATE (left out for callers who are
# not staff); a comma-separated list of bonds.indigo.SECTIONS.
BONDS_INDIGO_PRIVATE = tuple(
    name.strip() for name in os.environ.get("BONDS_INDIGO_PRIVATE", "investments,transactions").split(",")
    if name.strip())
if CROWDFUNDING_FEE_UNIT not in (1, 10):
    raise ImproperlyConfigured("CROWDFUNDING_FEE_UNIT must be 1 or 10 (won)")

# Demo data of each instrument, loaded by `manage.py load_demo` after the enterprises and users.
DEMO_EXTENSIONS = ["funds.demo.load", "guarantees.demo.load", "crowdfunding.demo.load", "bonds.demo.load"]

# LOG_FORMAT=json (the default in production): one JSON object a line, with the request id and the task id.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports each layout step at INFO, and fontTools each subsetting step: noise in a worker's log.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
