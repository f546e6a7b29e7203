try:
    from csc.celery import app as celery_app
except ImportError:  # an auditor's machine may hold only what `python -m csc.verify` needs
    celery_app = None

__all__ = ["celery_app"]
