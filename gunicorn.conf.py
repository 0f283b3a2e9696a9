"""How gunicorn serves the app, read by `make serve` and by every benchmark that starts a server (from this folder).

Threaded workers keep a phone's connection open between its requests (keep-alive), so a page, its next page and
a submission share one TCP (and, behind a proxy, one TLS) setup on a weak link; writes still go one at a time
per process (anbiao/db.py), so threads never poll SQLite's lock.
"""

workers = 2
worker_class = "gthread"
threads = 4
keepalive = 10


def post_fork(server, worker):
    """A thread holding the write lock gets the interpreter back within 0.5 ms, not 5, after each SQLite call."""
    import sys

    sys.setswitchinterval(0.0005)
