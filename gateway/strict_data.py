"""``StrictData``: the base of every model read from an operator's files (partner profiles and
their sections, inbound and outbound maps). A misspelt key is an error, never silently ignored,
and a loaded model is frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
