"""Supplier collaboration gateway: supplier EDI in, canonical supply events and acknowledgements out."""

__version__ = "0.1.0"
