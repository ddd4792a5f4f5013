"""``build_connector``: the name -> class table the pipeline builds connectors from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.erp import (
    CONNECTORS,
    ErpConnector,
    LocalSinkErpConnector,
    MemoryErpConnector,
    SqlInterfaceErpConnector,
    WebhookErpConnector,
    build_connector,
)
from gateway.erp.tryton import TrytonErpConnector
from gateway.errors import ConfigurationError

from .samples import sample_of


def test_given_the_table_when_read_then_each_name_builds_the_connector_of_that_name() -> None:
    assert {
        "webhook": WebhookErpConnector,
        "sql": SqlInterfaceErpConnector,
        "sink": LocalSinkErpConnector,
        "memory": MemoryErpConnector,
        "tryton": TrytonErpConnector,
    } == CONNECTORS
    assert all(cls.name == name for name, cls in CONNECTORS.items())


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("memory", {}),
        ("sink", {"path_or_url": "{tmp}/sink.db"}),
        ("sql", {"url": "sqlite:///{tmp}/erp.db", "create": True}),
        ("webhook", {"url": "https://erp.example.com/in", "secret": "s3cret", "timeout": "2.5"}),
        ("tryton", {"url": "http://gateway@127.0.0.1:8000/erp/", "password": "s3cret-pw"}),
    ],
)
def test_given_valid_settings_when_building_then_a_working_connector_of_that_kind(
    tmp_path: Path, name: str, settings: dict[str, Any]
) -> None:
    filled = {k: v.format(tmp=tmp_path) if isinstance(v, str) else v for k, v in settings.items()}

    with build_connector(name, **filled) as connector:
        assert isinstance(connector, CONNECTORS[name])
        assert isinstance(connector, ErpConnector)
        if name not in ("webhook", "tryton"):  # the others are local: prove they post
            assert connector.post(sample_of("invoice")).connector == name


def test_given_an_unknown_name_when_building_then_configuration_error_listing_the_known() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_connector("sap-rfc")

    assert caught.value.code == "erp.unknown_connector"
    assert "memory, sink, sql, tryton, webhook" in caught.value.message


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("webhook", {"url": "https://erp.example.com/in"}),
        ("webhook", {"url": "https://erp.example.com/in", "secret": "s", "retries": 3}),
        ("sql", {}),
        ("memory", {"path": "x"}),
    ],
    ids=["missing-secret", "unknown-setting", "missing-url", "memory-takes-nothing"],
)
def test_given_missing_or_unknown_settings_when_building_then_configuration_error(
    name: str, settings: dict[str, Any]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_connector(name, **settings)

    assert caught.value.code == "erp.bad_settings"
    assert caught.value.context["connector"] == name


@pytest.mark.parametrize(
    ("name", "settings", "code"),
    [
        (
            "webhook",
            {"url": "https://erp.example.com/in", "secret": ""},
            "erp.webhook.misconfigured",
        ),
        ("sql", {"url": "no-such-dialect://x"}, "erp.sql.bad_url"),
        ("sink", {"path_or_url": "not a url://"}, "erp.sink.bad_url"),
        ("tryton", {"url": "http://gateway@127.0.0.1:8000/erp/"}, "erp.tryton.bad_url"),
        ("tryton", {"url": "http://gateway:pw@127.0.0.1:8000/"}, "erp.tryton.bad_url"),
        ("tryton", {"url": "ftp://gateway:pw@127.0.0.1/erp/"}, "erp.tryton.bad_url"),
    ],
)
def test_given_a_value_the_connector_refuses_when_building_then_configuration_error(
    name: str, settings: dict[str, Any], code: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_connector(name, **settings)

    assert caught.value.code == code
