"""Native mappers: certified transaction sets straight to event JSON (optional C, ``_shipmap.c``)."""
