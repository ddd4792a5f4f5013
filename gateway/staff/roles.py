"""The role x action matrix: which staff role may do what, in one place.

Every ``/ops`` route and every console page names one action; the web layer asks ``allows``.
Reading is ``read`` (every role); each change has its own action, so a role is given exactly the
changes its job needs:

============  =========================================================================
admin         everything, including staff accounts and the audit log
onboarding    partners: create from a template, promote/suspend, issue and revoke keys
procurement   read, and publish purchase orders (``POST /ops/purchase-orders``)
operator      retry and cancel messages, replay sets, retry dead letters and outbox items
viewer        read only: never changes anything
============  =========================================================================

The admin token (``GATEWAY_ADMIN_TOKEN``) stays for automation and acts as ``admin``. A supplier
API key is no staff credential at all: it opens neither ``/ops`` nor the console.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["admin", "onboarding", "procurement", "operator", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)

Action = Literal[
    "read",
    "message.retry",
    "message.cancel",
    "transaction.replay",
    "delivery.retry",
    "outbox.retry",
    "partner.create",
    "partner.promote",
    "partner.key.issue",
    "partner.key.revoke",
    "audit.read",
    "staff.manage",
    "purchase_order.publish",
]
ACTIONS: tuple[Action, ...] = get_args(Action)

_READ: frozenset[Action] = frozenset({"read"})
_OPERATOR: frozenset[Action] = frozenset(
    {"message.retry", "message.cancel", "transaction.replay", "delivery.retry", "outbox.retry"}
)
_ONBOARDING: frozenset[Action] = frozenset(
    {"partner.create", "partner.promote", "partner.key.issue", "partner.key.revoke"}
)

MATRIX: dict[Role, frozenset[Action]] = {
    "admin": frozenset(ACTIONS),
    "onboarding": _READ | _ONBOARDING,
    "procurement": _READ | {"purchase_order.publish"},
    "operator": _READ | _OPERATOR,
    "viewer": _READ,
}

DESCRIPTIONS: dict[Role, str] = {
    "admin": "everything, including staff accounts and the audit log",
    "onboarding": "partners: new from a template, promote/suspend, API keys",
    "procurement": "reads everything; publishes purchase orders",
    "operator": "retries, replays, cancels, dead letters and the outbox",
    "viewer": "reads everything, changes nothing",
}


def allows(role: str, action: Action) -> bool:
    """Whether ``role`` may do ``action``; an unknown role may do nothing."""
    return role in MATRIX and action in MATRIX[role]


def roles_for(action: Action) -> list[Role]:
    """The roles that may do ``action`` (for refusals that say who could)."""
    return [role for role in ROLES if action in MATRIX[role]]
