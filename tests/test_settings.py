"""Settings: the translation limits are read from ``GATEWAY_MAX_*`` and checked at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.pipeline.batch_run import translate_options
from gateway.pipeline.config import ProcessConfig
from gateway.settings import Settings
from gateway.x12.limits import DEFAULT_LIMITS


def test_given_no_limit_settings_then_the_defaults_apply() -> None:
    assert Settings().limits() == DEFAULT_LIMITS


def test_given_limit_settings_in_the_environment_then_translation_gets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MAX_SEGMENTS_PER_TRANSACTION", "50000")
    monkeypatch.setenv("GATEWAY_MAX_SECONDS_PER_DOCUMENT", "30")
    limits = Settings().limits()
    assert limits.max_segments_per_transaction == 50_000 and limits.max_seconds_per_document == 30
    options = translate_options(None, "demo-supplier", ProcessConfig(limits=limits))
    assert options.limits is limits


def test_given_a_limit_under_its_floor_then_settings_fail_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_MAX_ELEMENTS_PER_SEGMENT", "5")
    with pytest.raises(ValidationError, match="max_elements_per_segment must be at least 64"):
        Settings()
