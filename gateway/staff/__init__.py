"""Staff: the people who run the gateway, their roles, and what each role may do.

- ``roles``: the role x action matrix, the one place that says who may do what; ``/ops`` and the
  console both ask it.
- ``accounts``: local accounts (argon2 passwords), personal API tokens, console sessions; every
  change audited.
"""

from gateway.staff.roles import ACTIONS, ROLES, Action, allows, roles_for

__all__ = ["ACTIONS", "ROLES", "Action", "allows", "roles_for"]
