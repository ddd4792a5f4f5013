"""The web console at ``/console``: staff pages over the same read models and commands the CLI
and ``/ops`` use (``gateway.queries``, ``gateway.pipeline``, ``gateway.onboarding``,
``gateway.lifecycle``), served by ``gateway run`` on the API's port.

Why server-rendered Jinja2 templates with htmx, and no front-end build:

- The team is a small Python one. Every page is a Python function calling a read model and a
  template; there is no second language, no bundler, no node_modules, no API client to keep in
  step with the server, and the two README commands stay the two commands.
- The pages are forms and tables. htmx (one vendored file, ``static/htmx.min.js``, 0BSD licence,
  version in ``static/htmx.LICENSE.txt``'s package) adds what plain HTML lacks here (the tracker
  filtering as you type, the replay diff opening in place) with attributes; every form also works
  without JavaScript, which is also what keeps the pages keyboard- and screen-reader-friendly.
- Security is simpler server-side: the role checks are the same function as ``/ops``
  (``gateway.staff.roles``), every form carries the session's CSRF token, pages are sent with a
  strict Content-Security-Policy (scripts from ``/console/static`` only, nothing inline).

Sessions are server-side rows (``gateway.staff.sessions``) in an HttpOnly, SameSite=Strict
cookie, Secure when the console is reached over HTTPS; logins are throttled per client and per
name (``gateway.staff.throttle``).

Pages: dashboard, message tracker and detail (retry, replay with the diff before confirming),
exception workbench (bulk retry), partners (new from a template, onboarding sheet, checklist,
promote/suspend, keys, certificates), audit log. Other pages join the navigation through
``gateway.console.nav.NAV`` (purchase orders when that work lands).
"""

from gateway.console.app import install

__all__ = ["install"]
