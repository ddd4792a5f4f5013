"""Read models of the store: one query per view, used by the supplier API, the operator API, the
CLI and the console alike.

Plain synchronous functions (HTTP routes run them in a worker thread), each opening one short
read-only session and answering ``views`` models.
"""
