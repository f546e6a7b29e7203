"""Settings for the test suite: SQLite by default, PostgreSQL and Redis when CI gives their URLs."""

import os
import tempfile
from pathlib import Path

from csc.settings.base import *  # noqa: F403
from csc.settings.base import CACHES, REDIS_URL

DEBUG = False
CSC_DEMO = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "csc-test"
else:
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="csc-test-cache-")
# Task tests start a real worker themselves; everything else runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# A worker started by a test in another process shares the test's media folder.
MEDIA_ROOT = Path(
    os.environ.get("CSC_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="csc-test-media-")
)
STORAGES = {
    "default": {"BACKEND": "club.storage.SafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A fixed key signs the test suite's checkpoints (a club sets its own in the environment).
CSC_CHECKPOINT_KEY = os.environ.get("CSC_CHECKPOINT_KEY") or "11" * 32
