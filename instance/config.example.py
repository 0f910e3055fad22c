# slatrack settings. Copy this file to instance/config.py and uncomment what you change.
# Order of precedence: the defaults in slatrack/config.py, then this file, then SLATRACK_* environment
# variables. Every value is checked when slatrack starts; a bad one stops it with a message naming it.

# --- Database -----------------------------------------------------------------------------------
# SQLAlchemy URL. Default: SQLite in the instance folder (instance/slatrack.sqlite3).
# PostgreSQL (production): pip install -e '.[postgresql]', then for example:
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://slatrack:PASSWORD@localhost/slatrack"   # SLATRACK_DATABASE_URL

# --- Secrets --------------------------------------------------------------------------------------
# Signs the session cookies; at least 16 characters. Default: generated once into instance/secret_key.
# SECRET_KEY = "a long random string"                                                 # SLATRACK_SECRET_KEY

# --- Time -----------------------------------------------------------------------------------------
# Periods, months, quarters and deadlines are computed in this zone; instants are stored in UTC.
# TIMEZONE = "Asia/Shanghai"                                                         # SLATRACK_TIMEZONE
# Demonstrations and tests only: the clock starts at this day or instant and runs on from there
# (docs/years.md). Refused when SESSION_COOKIE_SECURE is on (a production configuration).
# NOW = "2026-12-15T10:00:00+08:00"                                                  # SLATRACK_NOW

# --- Accounts (等保 2.0) ----------------------------------------------------------------------------
# SESSION_IDLE_MINUTES = 30          # idle sessions end after this long            SLATRACK_SESSION_IDLE_MINUTES
# PASSWORD_MAX_AGE_DAYS = 90         # passwords expire after this long             SLATRACK_PASSWORD_MAX_AGE_DAYS
# PASSWORD_MIN_LENGTH = 8            # and need three of: lower, upper, digit, symbol
# Logins are throttled with a growing wait (1 s, doubling), never locked by an outsider:
# LOCKOUT_THRESHOLD = 5              # failures of one account from one address before each try waits
#                                    #                                              SLATRACK_LOCKOUT_THRESHOLD
# LOCKOUT_MINUTES = 15               # the longest wait, and how long failures are remembered
#                                    #                                              SLATRACK_LOCKOUT_MINUTES
# LOGIN_ADDRESS_THRESHOLD = 20       # failures from one address (any names)        SLATRACK_LOGIN_ADDRESS_THRESHOLD
# LOGIN_ACCOUNT_THRESHOLD = 20       # failures of one account from all addresses  SLATRACK_LOGIN_ACCOUNT_THRESHOLD
# LOGIN_ACCOUNT_DELAY_MAX_SECONDS = 60   # that wait's longest (short: the owner is never locked out)
#                                        #                              SLATRACK_LOGIN_ACCOUNT_DELAY_MAX_SECONDS
# Password hash (werkzeug method). Keep scrypt in production; "pbkdf2:sha256:600000" is also accepted.
# PASSWORD_HASH_METHOD = "scrypt"                                                SLATRACK_PASSWORD_HASH_METHOD
# SESSION_COOKIE_HTTPONLY = True
# SESSION_COOKIE_SAMESITE = "Lax"

# --- Behind TLS, and the security headers (docs/operations.md) -------------------------------------
# SESSION_COOKIE_SECURE = False      # True when users reach slatrack over HTTPS: the cookie is then
#                                    # sent over HTTPS only, and HSTS is sent   SLATRACK_SESSION_COOKIE_SECURE
# HSTS_SECONDS = 31536000            # Strict-Transport-Security max-age (0: none)   SLATRACK_HSTS_SECONDS
# CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
#                                    # empty: no header                       SLATRACK_CONTENT_SECURITY_POLICY
# X_FRAME_OPTIONS = "DENY"                                                    # SLATRACK_X_FRAME_OPTIONS
# REFERRER_POLICY = "same-origin"                                             # SLATRACK_REFERRER_POLICY

# --- When the database is away ----------------------------------------------------------------------
# UNAVAILABLE_RETRY_SECONDS = 30     # Retry-After of the Chinese 503 page/answer   SLATRACK_UNAVAILABLE_RETRY_SECONDS
# HEALTH_SCHEDULER_STALE_MINUTES = 15    # /healthz says the scheduler failed after this long without a job
#                                        #                              SLATRACK_HEALTH_SCHEDULER_STALE_MINUTES

# --- Alerts (docs/notifications.md) -----------------------------------------------------------------
# PUBLIC_URL = "https://sla.example.cn"  # the address users open, for links in alerts   SLATRACK_PUBLIC_URL
# ALERT_RESPONSE_LEAD_MINUTES = 10   # ticket.response_due this long before the deadline
#                                    #                                      SLATRACK_ALERT_RESPONSE_LEAD_MINUTES
# Email alerts go through this SMTP server (no host: no email). Each has its SLATRACK_SMTP_* variable.
# SMTP_HOST = "smtp.example.cn"
# SMTP_PORT = 587
# SMTP_SECURITY = "starttls"         # "starttls", "ssl" or "none"
# SMTP_USER = "slatrack@example.cn"
# SMTP_PASSWORD = "..."              # prefer the environment variable SLATRACK_SMTP_PASSWORD
# SMTP_FROM = "slatrack <slatrack@example.cn>"

# --- Monitoring -----------------------------------------------------------------------------------
# RAW_RESULT_RETENTION_DAYS = 90     # raw check results kept, then pruned (hourly aggregates stay)
#                                                                                  SLATRACK_RAW_RESULT_RETENTION_DAYS
# PROBE_WORKERS = 16                 # threads for the server's own (in-process) checks   SLATRACK_PROBE_WORKERS
# TICKET_AUTO_CONFIRM_WORKDAYS = 3   # a unit's resolved request is auto-confirmed after these working days   SLATRACK_TICKET_AUTO_CONFIRM_WORKDAYS
# LATE_ENTRY_GRACE_MINUTES = 10      # a time stated earlier than this before entry is a 补记   SLATRACK_LATE_ENTRY_GRACE_MINUTES

# --- Uploads --------------------------------------------------------------------------------------
# MAX_CONTENT_LENGTH = 32 * 1024 * 1024   # largest request body (evidence files, imports), in bytes
# UPLOAD_FOLDER = "/srv/slatrack/uploads" # default: instance/uploads
