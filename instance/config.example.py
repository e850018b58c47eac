# Copy to instance/config.py (or $ERP_INSTANCE_PATH/config.py) and adjust. Environment
# variables override these: DATABASE_URL, REDIS_URL, SECRET_KEY, ERP_INSTANCE_PATH.

# PostgreSQL in production (psycopg 3); the default is SQLite in the instance folder.
# DATABASE_URL = "postgresql://erp@127.0.0.1:5432/erp"

# Redis for background jobs; unset, jobs run in-process.
# REDIS_URL = "redis://127.0.0.1:6379/0"

# Login throttling: failures in a row before the account locks, and for how long.
# LOGIN_MAX_FAILURES = 5
# LOGIN_LOCK_MINUTES = 15
