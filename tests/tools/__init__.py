"""Test tools run on their own (``check_samples``: the samples checked without the gateway)."""
