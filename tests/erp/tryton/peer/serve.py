"""trytond's own WSGI application on loopback, for the connector's tests. Runs in the Tryton
virtualenv (trytond is GPL: a test peer, never imported by the gateway).

Usage: TRYTOND_CONFIG=FILE python serve.py PORT

Why not the ``trytond`` command: it serves only the databases named at start (``-d``); a database
first opened later answers every call with an error (trytond 8.2 registers an empty pool for it).
The tests copy a prepared database per test, so this initialises each database's pool on its first
request, as ``trytond -d`` does at start, then hands the request to the same application.
"""

import os
import sys
import threading

from trytond.application import app
from trytond.pool import Pool
from werkzeug.serving import run_simple

_ready: set[str] = set()
_lock = threading.Lock()
_folder = os.environ["TRYTON_TEST_DB_DIR"]


def application(environ, start_response):
    name = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
    if name and name not in _ready and os.path.exists(os.path.join(_folder, name + ".sqlite")):
        with _lock:
            if name not in _ready:
                Pool.stop(name)
                Pool(name).init()
                _ready.add(name)
    return app(environ, start_response)


if __name__ == "__main__":
    print("serving", flush=True)
    run_simple("127.0.0.1", int(sys.argv[1]), application, threaded=True)
