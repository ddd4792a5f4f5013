"""What a worker process imports: never the web framework or the console (issue 17: every MB of
a worker's baseline counts against its 200 MB under a 20 MB document)."""

from __future__ import annotations

import subprocess
import sys

WORKER_MODULES = ("gateway.workers.run", "gateway.workers.actors", "gateway_app.senders")


def test_given_the_worker_side_modules_then_no_web_framework_is_imported() -> None:
    code = (
        f"import {', '.join(WORKER_MODULES)}, sys; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'jinja2', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]", done.stdout
