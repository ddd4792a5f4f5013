"""X12 syntax: reading, envelope checks, validation and acknowledgements. No I/O beyond a stream."""
