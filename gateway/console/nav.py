"""The console's navigation: one list, so a page that lands later adds one entry.

Purchase orders, for example, add ``NavItem("orders", "Purchase orders", "/console/orders")``
beside their router; an entry shows to the roles its ``action`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.staff.roles import Action, allows


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    path: str
    action: Action = "read"


NAV: list[NavItem] = [
    NavItem("dashboard", "Dashboard", "/console/"),
    NavItem("messages", "Messages", "/console/messages"),
    NavItem("exceptions", "Exceptions", "/console/exceptions"),
    NavItem("partners", "Partners", "/console/partners"),
    NavItem("orders", "Purchase orders", "/console/orders"),
    NavItem("scorecards", "Scorecards", "/console/scorecards"),
    NavItem("audit", "Audit log", "/console/audit", "audit.read"),
]


def nav_for(role: str) -> list[NavItem]:
    return [item for item in NAV if allows(role, item.action)]
