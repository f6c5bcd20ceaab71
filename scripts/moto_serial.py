"""moto's server, handling one request at a time.

moto's DynamoDB backend is not thread-safe: under concurrent requests it
sometimes answers 500 ("dictionary changed size during iteration"), at
times after it has applied a TransactWriteItems. The SDK then retries the
applied transaction and gets a false ConditionalCheckFailed. Serving
requests one by one removes the race; the tests still send them
concurrently, as real clients do.

Usage: python moto_serial.py HOST PORT
"""

import os
import sys

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
run_simple(
    host,
    port,
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
    request_handler=MotoRequestHandler,
)
