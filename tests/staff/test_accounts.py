"""Staff accounts: argon2 passwords, disabled members, personal tokens stored hashed, sessions,
login throttling; every change in the audit log with who and when."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.staff import accounts as accounts_module
from gateway.staff.accounts import StaffAccounts, StaffRefused, token_hash
from gateway.staff.roles import ACTIONS, MATRIX, ROLES, allows
from gateway.staff.sessions import ConsoleSessions
from gateway.staff.throttle import LoginThrottle
from gateway.store.models import AuditEntry, StaffMember, StaffToken
from tests.staff.support import PASSWORD
from tests.transports.harness import runtime_for, settings_for


@pytest.fixture
def accounts(tmp_path: Path):  # type: ignore[no-untyped-def]
    runtime = runtime_for(settings_for(tmp_path))
    try:
        yield StaffAccounts(runtime.db)
    finally:
        runtime.close()


def audit(accounts: StaffAccounts) -> list[tuple[str, str, str]]:
    with accounts.db.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.actor, a.action, a.subject) for a in rows]


def test_the_matrix_gives_viewer_only_read_procurement_read_and_publishing_pos_admin_everything() -> None:
    assert [a for a in ACTIONS if allows("viewer", a)] == ["read"]
    assert [a for a in ACTIONS if allows("procurement", a)] == ["read", "purchase_order.publish"]
    assert all(allows("admin", a) for a in ACTIONS)
    assert all(allows(role, "read") for role in ROLES)
    assert not allows("operator", "partner.promote") and not allows("onboarding", "message.retry")
    assert not allows("supplier", "read") and not allows("", "read")
    assert set(MATRIX) == set(ROLES)


def test_given_a_member_then_the_password_is_argon2_and_login_is_audited(
    accounts: StaffAccounts,
) -> None:
    accounts.add("alice", "operator", PASSWORD, actor="operator:cli:root")

    ok = accounts.authenticate("alice", PASSWORD, client="10.0.0.1")
    wrong = accounts.authenticate("alice", PASSWORD + "!")
    unknown = accounts.authenticate("nobody", PASSWORD)

    with accounts.db.sessions() as session:
        stored = session.get(StaffMember, "alice")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert accounts_module.PasswordHasher().check_needs_rehash(stored.password_hash)  # cheap here:
    # a login rehashes a weaker hash with the defaults (below)
    assert PASSWORD not in stored.password_hash
    assert ok is not None and (ok.username, ok.role, ok.actor) == (
        "alice",
        "operator",
        "staff:alice",
    )
    assert wrong is None and unknown is None
    assert audit(accounts) == [
        ("operator:cli:root", "staff.added", "alice"),
        ("staff:alice", "staff.login", "alice"),
        ("console", "staff.login_failed", "alice"),
        ("console", "staff.login_failed", "?"),
    ]


@pytest.mark.parametrize(
    ("name", "role", "password", "why"),
    [
        ("Alice", "admin", PASSWORD, "a name is"),
        ("al ice", "admin", PASSWORD, "a name is"),
        ("alice", "root", PASSWORD, "the roles are"),
        ("alice", "admin", "short", "at least 12"),
        ("alice", "admin", " padded password ", "space"),
    ],
)
def test_a_member_that_does_not_fit_is_refused_in_words(
    accounts: StaffAccounts, name: str, role: str, password: str, why: str
) -> None:
    with pytest.raises(StaffRefused, match=why):
        accounts.add(name, role, password, actor="t")
    assert accounts.members() == []


def test_given_a_token_then_only_its_hash_is_kept_and_it_names_its_owner_until_revoked(
    accounts: StaffAccounts,
) -> None:
    accounts.add("bob", "viewer", PASSWORD, actor="t")
    token = accounts.issue_token("bob", actor="t")

    owner = accounts.principal_for_token(token)
    with accounts.db.sessions() as session:
        rows = list(session.scalars(select(StaffToken)))
    assert owner is not None and owner.role == "viewer"
    assert [r.token_hash for r in rows] == [token_hash(token)] and token not in rows[0].token_hash
    assert accounts.principal_for_token(token + "x") is None
    assert accounts.principal_for_token("gk_a-supplier-key") is None

    assert accounts.revoke_token("bob", token[:10], actor="t") == 1
    assert accounts.principal_for_token(token) is None
    assert [t.revoked for t in accounts.tokens("bob")] == [True]


def test_disabling_a_member_ends_their_sessions_and_tokens_at_once(
    accounts: StaffAccounts,
) -> None:
    accounts.add("carol", "onboarding", PASSWORD, actor="t")
    token = accounts.issue_token("carol", actor="t")
    sessions = ConsoleSessions(accounts.db, timedelta(hours=1))
    principal = accounts.authenticate("carol", PASSWORD)
    assert principal is not None
    cookie, csrf = sessions.open(principal)
    found = sessions.find(cookie)
    assert found is not None and found.csrf_token == csrf

    accounts.disable("carol", actor="staff:admin-1")

    assert sessions.find(cookie) is None and accounts.principal_for_token(token) is None
    assert accounts.authenticate("carol", PASSWORD) is None
    assert ("staff:admin-1", "staff.disabled", "carol") in audit(accounts)
    assert [m.disabled for m in accounts.members()] == [True]


def test_a_session_expires_and_logout_ends_it(accounts: StaffAccounts) -> None:
    accounts.add("dave", "viewer", PASSWORD, actor="t")
    principal = accounts.authenticate("dave", PASSWORD)
    assert principal is not None
    expired, _ = ConsoleSessions(accounts.db, timedelta(seconds=-1)).open(principal)
    sessions = ConsoleSessions(accounts.db, timedelta(hours=1))
    cookie, _ = sessions.open(principal)

    sessions.close(cookie)

    assert sessions.find(expired) is None and sessions.find(cookie) is None
    assert sessions.find("") is None and sessions.find("x" * 500) is None
    assert ("staff:dave", "staff.logout", "dave") in audit(accounts)


def test_the_throttle_refuses_after_the_attempts_and_counts_client_and_name_apart() -> None:
    throttle = LoginThrottle(attempts=3, window_s=60)
    for _ in range(3):
        assert throttle.retry_after("ip:1", "user:a") == 0
        throttle.failed("ip:1", "user:a")

    assert 59 < throttle.retry_after("ip:1") <= 60
    assert throttle.retry_after("ip:2", "user:a") > 0  # the name is counted on its own
    assert throttle.retry_after("ip:2", "user:b") == 0


def test_a_login_rehashes_a_password_hashed_below_the_defaults(
    accounts: StaffAccounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add("hal", "viewer", PASSWORD, actor="t")  # with the tests' cheap parameters
    monkeypatch.setattr(accounts_module, "_hasher", accounts_module.PasswordHasher())

    assert accounts.authenticate("hal", PASSWORD) is not None
    with accounts.db.sessions() as session:
        stored = session.get(StaffMember, "hal")
    assert stored is not None
    assert not accounts_module.PasswordHasher().check_needs_rehash(stored.password_hash)
    assert accounts.authenticate("hal", PASSWORD) is not None
