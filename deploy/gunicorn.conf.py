"""gunicorn's settings in production (docker-compose.yml and the Dockerfile use this file).

The access log holds the method, the path without its query string, the status, the size and the
time taken: a query string can carry a member's name or number (the counter's search), so it is
never written. The client address is the proxy's (Caddy); the app reads the real one from
X-Forwarded-For, trusting one hop (CSC_TRUSTED_PROXIES).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = 60
accesslog = "-"
# %(U)s is the path alone; %(r)s and %(q)s (the request line and the query) are left out.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Only the proxy in front may say which scheme the client used.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
