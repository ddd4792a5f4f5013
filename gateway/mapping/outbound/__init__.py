"""Outbound maps: canonical documents we send partners -> X12 (the 850 and 860 now)."""
