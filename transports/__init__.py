"""Transport adapters (HTTP API, AS2, SFTP): receive bytes, store them durably, acknowledge.

Each adapter knows only ``gateway.canonical`` and the error tree; the pipeline reaches adapters
through the ``Transport`` base class and a name -> class table (issue 3 onwards).
"""
