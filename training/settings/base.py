"""Settings for Station Academy.

Every switch is an environment variable with a safe embedded default (SQLite, media on disk,
kombu's filesystem broker). ``.env.example`` mirrors this schema line for line.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

from training.secret_key import embedded_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# --- environment schema ---------------------------------------------------------------------
env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_SECRET_KEY=(str, ""),
    DJANGO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    DJANGO_CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, ""),
    DATABASE_CONN_MAX_AGE=(int, 60),
    DATABASE_SERVER_SIDE_BINDING=(bool, True),
    REDIS_URL=(str, ""),
    CELERY_BROKER_URL=(str, ""),
    CELERY_TASK_ALWAYS_EAGER=(bool, False),
    USE_S3=(bool, False),
    AWS_STORAGE_BUCKET_NAME=(str, ""),
    AWS_S3_ENDPOINT_URL=(str, ""),
    AWS_S3_REGION_NAME=(str, ""),
    AWS_ACCESS_KEY_ID=(str, ""),
    AWS_SECRET_ACCESS_KEY=(str, ""),
    AWS_S3_CUSTOM_DOMAIN=(str, ""),
    MEDIA_ROOT=(str, ""),
    SERVE_MEDIA=(bool, True),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "Station Academy <noreply@localhost>"),
    WAGTAILADMIN_BASE_URL=(str, "http://127.0.0.1:8000"),
    DEMO_PASSWORD=(str, "demo12345"),
    OB3_SIGNING_KEY_FILE=(str, ""),
    SECURE_SSL_REDIRECT=(bool, False),
    SESSION_COOKIE_SECURE=(bool, False),
    CSRF_COOKIE_SECURE=(bool, False),
    SECURE_HSTS_SECONDS=(int, 0),
    SECURE_PROXY_SSL_HEADER=(str, ""),
    CSP_REPORT_ONLY=(bool, False),
    CSP_REPORT_URI=(str, ""),
    IMAGE_MAX_UPLOAD_MB=(int, 10),
    IMAGE_MAX_MEGAPIXELS=(int, 40),
    DOCUMENT_MAX_UPLOAD_MB=(int, 50),
    VIDEO_MAX_UPLOAD_MB=(int, 2048),
    LOG_LEVEL=(str, "INFO"),
    LOGIN_FAILURE_LIMIT=(int, 5),
    LOGIN_FAILURE_LIMIT_PER_ADDRESS=(int, 30),
    LOGIN_COOLOFF_MINUTES=(int, 15),
    CLIENT_IP_HEADER=(str, ""),
    CLIENT_IP_PROXY_COUNT=(int, 1),
    SESSION_ABSOLUTE_TIMEOUT=(int, 60 * 60 * 12),
    SESSION_IDLE_TIMEOUT=(int, 60 * 60),
    SESSION_REFRESH_INTERVAL=(int, 60 * 5),
    PASSWORD_MIN_LENGTH=(int, 10),
    REQUIRE_ADMIN_TWO_FACTOR=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DJANGO_DEBUG")
# An empty value (as in a copied .env.example) means the embedded default, for every variable.
# The embedded secret key is random, made on the first start and kept in var/secret_key (never a
# key written here: anyone could sign a session or messages cookie with it); production settings
# refuse to start without DJANGO_SECRET_KEY.
SECRET_KEY = env("DJANGO_SECRET_KEY") or embedded_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    # ours, bottom layer first
    "training.org",
    "training.notify",
    "training.jobs",
    "training.backup",
    "training.accounts",
    "courses",
    "exams",
    "training.competency",
    "training.plans",
    "training.reports",
    "training.site",
    "training.demo",
    "csp",
    # wagtail
    "wagtailmedia",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts: login throttling and lockout, one-time passwords (TOTP and backup codes)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "training.csp.ContentSecurityPolicyMiddleware",
    "training.kept.GenerationsPerRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "training.org.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session expiry, the two-factor gate, the request behind audit records.
    "training.accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "training.urls"
WSGI_APPLICATION = "training.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "training.site.context_processors.roles",
                "training.notify.context_processors.notifications",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {"default": env.db_url_config(env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web processes read while the worker writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that asks the socket before it asks the server.
        DATABASES["default"]["ENGINE"] = "training.db.postgresql"
        # Parameters sent apart from the statement, so psycopg prepares a statement a connection
        # runs often (the session's user, saving an answer…): PostgreSQL plans it once.
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env(
            "DATABASE_SERVER_SIDE_BINDING"
        )
    DATABASES["default"]["CONN_MAX_AGE"] = env("DATABASE_CONN_MAX_AGE")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "training.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis, written through to the database: no session query per request.
    # Only with a shared cache: per-process memory caches would keep a logged-out session alive
    # in the other processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long what page serving looks up for everyone (site, routes, outlines: courses/page_cache.py)
# is kept. A change empties it at once where the cache is shared (Redis); with the per-process
# memory cache the other web processes see it within this many seconds.
PAGE_CACHE_SECONDS = int(env.str("PAGE_CACHE_SECONDS", default="") or (300 if REDIS_URL else 30))

# --- auth -----------------------------------------------------------------------------------
# django-axes first: it refuses a locked-out account or address before any password is checked.
# Tests' force_login picks ModelBackend (the first backend that can load a user). Ours is
# Django's, with the user row of each request read by a statement compiled once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "training.accounts.backends.ModelBackend",
]
PASSWORD_MIN_LENGTH = env("PASSWORD_MIN_LENGTH")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "training.accounts.passwords.CharacterClassesValidator"},
    {"NAME": "training.accounts.passwords.CommonChinesePasswordValidator"},
    {"NAME": "training.accounts.passwords.PersonalNumberValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Failed logins (django-axes): an account is locked after LOGIN_FAILURE_LIMIT failures, an address
# (a whole station behind one NAT, so a higher number) after LOGIN_FAILURE_LIMIT_PER_ADDRESS, each
# for LOGIN_COOLOFF_MINUTES after the last failure that counted. See training/accounts/lockout.py.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT")
AXES_ADDRESS_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT_PER_ADDRESS")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env("LOGIN_COOLOFF_MINUTES"))
AXES_HANDLER = "training.accounts.lockout.StationAxesHandler"
AXES_LOCKOUT_CALLABLE = "training.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "training.accounts.net.client_ip"
AXES_RESET_ON_SUCCESS = True
# A try while locked does not push the end of the lockout further: the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful logins are in our own audit trail (AuditEvent), not twice.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# The client address: REMOTE_ADDR, unless the site runs behind a reverse proxy that sets this header
# (e.g. X-Forwarded-For or X-Real-IP); then the CLIENT_IP_PROXY_COUNT-th address from the right of it.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER")
CLIENT_IP_PROXY_COUNT = env("CLIENT_IP_PROXY_COUNT")

# Sessions end SESSION_ABSOLUTE_TIMEOUT seconds after login and SESSION_IDLE_TIMEOUT seconds after
# the last request; the last-seen time is written at most every SESSION_REFRESH_INTERVAL seconds,
# so an ordinary request writes no session (training/accounts/middleware.py).
SESSION_ABSOLUTE_TIMEOUT = env("SESSION_ABSOLUTE_TIMEOUT")
SESSION_IDLE_TIMEOUT = env("SESSION_IDLE_TIMEOUT")
SESSION_REFRESH_INTERVAL = env("SESSION_REFRESH_INTERVAL")
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT

# Two-factor login (django-otp, TOTP): the issuer name shown in the authenticator app.
OTP_TOTP_ISSUER = "基层人社学堂"
# Administrators (who see full ID numbers and phones) must log in with a second factor. Empty: off
# here, so the embedded demo's administrator logs in with the password; on under production settings.
REQUIRE_ADMIN_TWO_FACTOR = env.bool("REQUIRE_ADMIN_TWO_FACTOR") if env("REQUIRE_ADMIN_TWO_FACTOR") else False

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "training" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT") or str(BASE_DIR / "media")
SERVE_MEDIA = env("SERVE_MEDIA")

USE_S3 = env("USE_S3")
if USE_S3:
    # Object storage (S3, MinIO, OSS/COS with S3 API) for uploads: several web processes and
    # workers on different machines then see the same media.
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY")
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
    SERVE_MEDIA = False
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"

STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- email ----------------------------------------------------------------------------------
vars().update(env.email_url_config(env("EMAIL_URL") or "consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
# The daily digests are sent inside a database transaction: a mail server that hangs must not hold it.
EMAIL_TIMEOUT = 20

# --- open badges ----------------------------------------------------------------------------
# The Ed25519 key certifications are signed with, created on first use. Every web process must
# read the same file.
OB3_SIGNING_KEY_FILE = env("OB3_SIGNING_KEY_FILE") or str(VAR_DIR / "keys" / "ob3-ed25519.pem")

# --- wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "基层人社学堂"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL")
WAGTAIL_I18N_ENABLED = False
# The database backend (SQLite FTS5 / PostgreSQL full text) over CJK bigrams: see courses/search.py.
# "simple": no English stemming of the bigram tokens on PostgreSQL.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
}
WAGTAILMEDIA = {
    "MEDIA_MODEL": "courses.LessonVideo",
    "VIDEO_EXTENSIONS": ["mp4", "m4v", "mov", "webm", "mkv"],
    "AUDIO_EXTENSIONS": [],
    # Every upload is probed with PyAV before it is accepted (courses/upload_forms.py).
    "MEDIA_FORM_BASE": "courses.upload_forms.LessonVideoForm",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads are checked by content, not by name (training/uploads.py, courses/upload_forms.py): images are
# opened and decoded with Pillow, documents must look like what their extension says, videos
# must decode. Each kind has its own size limit. No SVG (it can carry script), no HTML, no zip.
VIDEO_MAX_UPLOAD_SIZE = env("VIDEO_MAX_UPLOAD_MB") * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env("IMAGE_MAX_UPLOAD_MB") * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env("IMAGE_MAX_MEGAPIXELS") * 1_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "courses.upload_forms.CheckedImageForm"
DOCUMENT_MAX_UPLOAD_SIZE = env("DOCUMENT_MAX_UPLOAD_MB") * 1024 * 1024
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "odt", "ods", "txt"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "courses.upload_forms.CheckedDocumentForm"
# Served with these types whatever the browser or the name suggests; only PDF opens in the
# browser, everything else downloads (Content-Disposition: attachment).
WAGTAILDOCS_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "txt": "text/plain; charset=utf-8",
}
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
# No calls from the admin to servers outside (update check, Gravatar): they would break the
# Content Security Policy, and many service points reach only the government network.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail's own background tasks (search index, reference index) stay immediate; our own
# background work goes through Celery.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- celery ---------------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, a real broker between processes that needs no
# server. At scale set CELERY_BROKER_URL (redis://…); REDIS_URL alone also switches it.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport: producers and the worker share one folder of messages."""
    for sub in ("out", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "out"),
        "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"),
        # the workers' remote-control bindings (kombu's default is "control" in the working folder)
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "broker")
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only after it ran, so a worker killed mid-task leaves it for the next.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # 02:00 every night: training plans — new rounds, newcomers and leavers, progress, and the
    # proposals for stations whose coverage fell below K.
    "plans-sync-nightly": {
        "task": "training.plans.tasks.plans_sync_all_task",
        "schedule": crontab(minute=0, hour=2),
    },
    # hourly at :10: reminders before, on and after due dates, escalation, renewal windows (each
    # sent once; email goes in the daily digest, robots wait out quiet hours).
    "plans-reminders-hourly": {
        "task": "training.plans.tasks.reminders_send_task",
        "schedule": crontab(minute=10),
    },
    # 01:30 every night (crontab.guru: "30 1 * * *"): move certifications past their expiry date.
    "certifications-expire-nightly": {
        "task": "training.competency.tasks.certifications_expire_task",
        "schedule": crontab(minute=30, hour=1),
    },
    # every minute: hand in sittings whose time is up, with the answers saved so far.
    "attempts-submit-expired": {
        "task": "exams.tasks.attempts_submit_expired_task",
        "schedule": crontab(minute="*"),
    },
    # every 2 minutes: process videos uploaded in the admin and still waiting.
    "videos-process-pending": {
        "task": "courses.tasks.videos_queue_pending_task",
        "schedule": crontab(minute="*/2"),
    },
    # every minute: queue again the background jobs (certificates, exports, roster imports, plan
    # assignments) whose worker was lost; see training/jobs/services.py.
    "jobs-recover": {
        "task": "training.jobs.tasks.jobs_recover_task",
        "schedule": crontab(minute="*"),
    },
    # every minute: send robot messages that are due (retries, ends of quiet hours, lost tasks).
    "robot-webhooks-send-due": {
        "task": "training.notify.tasks.webhook_deliveries_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # every 5 minutes: the daily email digests; each person gets at most one a day, from the
    # digest time (Settings → 通知设置, default 08:30) on and never in quiet hours.
    "email-digests-send": {
        "task": "training.notify.tasks.send_email_digests",
        "schedule": crontab(minute="*/5"),
    },
}

# --- security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = env("CSRF_COOKIE_SECURE")
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
# Trust X-Forwarded-Proto (or the header named here) only behind a proxy that always sets it;
# empty: not behind such a proxy, the header is ignored.
if env("SECURE_PROXY_SSL_HEADER") and env("SECURE_PROXY_SSL_HEADER").lower() != "none":
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env("SECURE_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail's editor previews pages in a same-origin frame; no other site may frame ours.
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token, fetch() sends it from the form.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
# Lax, not Strict: a link from an email or a WeCom message must arrive logged in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp; training/csp.py picks the admin variant). The site allows
# no inline script or style and no eval; uploads, charts and video come from our own origin (or
# the object storage's, when uploads live there).
_storage_origins = []
if USE_S3:
    if AWS_S3_CUSTOM_DOMAIN:
        _storage_origins.append(f"https://{AWS_S3_CUSTOM_DOMAIN}")
    elif AWS_S3_ENDPOINT_URL:
        from urllib.parse import urlsplit

        _endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        _storage_origins += [
            f"{_endpoint.scheme}://{_endpoint.netloc}",
            f"{_endpoint.scheme}://*.{_endpoint.netloc}",
        ]
    else:
        _storage_origins.append("https://*.amazonaws.com")
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *_storage_origins],
    "media-src": ["'self'", "blob:", *_storage_origins],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
if env("CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = env("CSP_REPORT_URI")
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only: browsers
# report what it would block and block nothing (for trying a change on a live site).
if env("CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
# Wagtail 7.4's admin writes inline <script> elements and style attributes (wagtail/wagtail#1288,
# #12940), so under /admin/ these two also allow 'unsafe-inline' (still no 'unsafe-eval').
CSP_ADMIN_PATH_PREFIXES = ("/admin/",)
CSP_ADMIN_REPLACE = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
}

# --- product tunables (defaults; admins change them in Wagtail settings) ---------------------
DEMO_PASSWORD = env("DEMO_PASSWORD")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    # Wagtail's immediate task backend logs every index update; only problems are worth a line.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}

# Pages below the home page carry Wagtail's "login required" privacy setting.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_FRONTEND_LOGIN_TEMPLATE = "registration/login.html"
