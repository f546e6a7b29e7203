"""Default settings: the demo club (SQLite under var/, tasks in-process, mail to the console)."""

from csc.settings.base import *  # noqa: F403
