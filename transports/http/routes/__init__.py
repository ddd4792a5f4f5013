"""One router per resource of the supplier API."""
