"""Staff members of every role, each with a personal token, on a test gateway's database."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from gateway.runtime import Runtime
from gateway.staff import accounts
from gateway.staff.accounts import StaffAccounts
from gateway.staff.roles import ROLES
from tests.support.leaks import register_secret

PASSWORD = register_secret("correct horse battery staple")


def staff_of_every_role(runtime: Runtime) -> dict[str, str]:
    """``role -> token`` for one member per role (named after the role, ``<role>-1``)."""
    accounts = StaffAccounts(runtime.db)
    tokens = {}
    for role in ROLES:
        accounts.add(f"{role}-1", role, PASSWORD, actor="test")
        tokens[role] = register_secret(accounts.issue_token(f"{role}-1", actor="test"))
    return tokens


CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Tests hash many passwords: argon2id still, at a cost that keeps them fast (the defaults are
checked in ``test_accounts``)."""


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_hasher", CHEAP)
