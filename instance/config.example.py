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

# --- Accounts (等保 2.0) ----------------------------------------------------------------------------
# SESSION_IDLE_MINUTES = 30          # idle sessions end after this long            SLATRACK_SESSION_IDLE_MINUTES
# PASSWORD_MAX_AGE_DAYS = 90         # passwords expire after this long             SLATRACK_PASSWORD_MAX_AGE_DAYS
# PASSWORD_MIN_LENGTH = 8            # and need three of: lower, upper, digit, symbol
# LOCKOUT_THRESHOLD = 5              # failed logins before the account locks       SLATRACK_LOCKOUT_THRESHOLD
# LOCKOUT_MINUTES = 15               # how long the lock lasts                      SLATRACK_LOCKOUT_MINUTES
# Password hash (werkzeug method). Keep scrypt in production; "pbkdf2:sha256:600000" is also accepted.
# PASSWORD_HASH_METHOD = "scrypt"                                                SLATRACK_PASSWORD_HASH_METHOD
# SESSION_COOKIE_HTTPONLY = True
# SESSION_COOKIE_SAMESITE = "Lax"

# --- Monitoring -----------------------------------------------------------------------------------
# RAW_RESULT_RETENTION_DAYS = 90     # raw check results kept, then pruned (hourly aggregates stay)
#                                                                                  SLATRACK_RAW_RESULT_RETENTION_DAYS
# PROBE_WORKERS = 16                 # threads for the server's own (in-process) checks   SLATRACK_PROBE_WORKERS
# TICKET_AUTO_CONFIRM_WORKDAYS = 3   # a unit's resolved request is auto-confirmed after these working days   SLATRACK_TICKET_AUTO_CONFIRM_WORKDAYS
# LATE_ENTRY_GRACE_MINUTES = 10      # a time stated earlier than this before entry is a 补记   SLATRACK_LATE_ENTRY_GRACE_MINUTES

# --- Uploads --------------------------------------------------------------------------------------
# MAX_CONTENT_LENGTH = 32 * 1024 * 1024   # largest request body (evidence files, imports), in bytes
# UPLOAD_FOLDER = "/srv/slatrack/uploads" # default: instance/uploads
