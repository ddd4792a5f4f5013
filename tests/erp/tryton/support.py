"""A real trytond for the connector's tests: its own virtualenv (from PyPI), a prepared database
copied per test, and trytond's WSGI application on loopback (``peer/serve.py``).

trytond is GPL: it runs in its own virtualenv and process; the tests talk to it over HTTP like the
gateway does, and set it up with Tryton's own client library (proteus) in that virtualenv.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gateway.canonical import Event
from tests.support.leaks import register_secret

ROOT = Path(__file__).resolve().parents[3]
PEER = Path(__file__).resolve().parent / "peer"
CACHE = ROOT / ".cache" / "tryton-databases"
"""Prepared databases, by their inputs: the first run builds one (about a minute), later runs copy it."""
PACKAGES = (
    "trytond~=8.2.0",
    "trytond-purchase~=8.2.0",
    "trytond-purchase-amendment~=8.2.0",
    "trytond-stock~=8.2.0",
    "trytond-account-invoice~=8.2.0",
    "proteus~=8.2.0",
)
MODULES = ("purchase", "purchase_amendment", "stock", "account_invoice", "account_invoice_stock")
ADMIN_PASSWORD = register_secret("tryton-admin-pw-7f3a")
GATEWAY_USER = "gateway"
GATEWAY_PASSWORD = register_secret("tryton-gateway-pw-91c2")
GATEWAY_GROUPS = ["Purchase", "Purchase Amendment", "Stock", "Accounting"]


class TrytonUnavailable(Exception):
    """Tryton could not be installed or started here; the message says why."""


def venv() -> Path:
    """``$GATEWAY_TRYTON_VENV`` or ``.cache/tryton-venv``, created and filled from PyPI once."""
    path = Path(os.environ.get("GATEWAY_TRYTON_VENV", ROOT / ".cache" / "tryton-venv"))
    python = path / "bin" / "python"
    stamp = path / "gateway-packages.txt"
    wanted = "\n".join(PACKAGES)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return path
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PACKAGES],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise TrytonUnavailable(f"pip could not install Tryton: {done.stderr.strip()[-800:]}")
    stamp.write_text(wanted)
    return path


def _config(folder: Path) -> Path:
    config = folder / "trytond.conf"
    config.write_text(
        f"[database]\nuri = sqlite://\npath = {folder}\n"
        "[session]\nauthentications = password\n"
        "[password]\nforbidden = \n"
    )
    return config


def prepare_template(env: Path, folder: Path, spec: dict[str, Any]) -> Path:
    """A database with the modules, a company, accounts and ``spec``'s users, suppliers, products
    and confirmed purchases (``peer/setup_db.py``); cached under ``folder`` by its inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(
        (json.dumps(spec, sort_keys=True) + "".join(PACKAGES)).encode()
    ).hexdigest()[:12]
    template = folder / f"template_{key}.sqlite"
    if template.exists():
        return template
    config = _config(folder)
    name = f"build_{key}"
    (folder / f"{name}.sqlite").unlink(missing_ok=True)
    (folder / f"{name}.sqlite").touch()
    secret = folder / "admin-password"
    secret.write_text(ADMIN_PASSWORD)
    environment = {**os.environ, "TRYTONPASSFILE": str(secret), "TRYTOND_CONFIG": str(config)}
    _run(
        [
            str(env / "bin" / "trytond-admin"),
            "-c",
            str(config),
            "-d",
            name,
            "--email",
            "admin@example.com",
            "-u",
            *MODULES,
            "--activate-dependencies",
        ],
        environment,
        "trytond-admin",
    )
    spec_file = folder / f"{name}.json"
    spec_file.write_text(json.dumps(spec))
    _run(
        [str(env / "bin" / "python"), str(PEER / "setup_db.py"), name, str(config), str(spec_file)],
        environment,
        "setting up the database",
    )
    (folder / f"{name}.sqlite").rename(template)
    return template


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise TrytonUnavailable(f"{what} failed: {(done.stderr or done.stdout).strip()[-1500:]}")


class TrytonServer:
    """trytond's application on a free loopback port, serving every database in ``folder``."""

    def __init__(self, env: Path, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.log = (folder / "trytond.log").open("ab")
        self.process = subprocess.Popen(
            [str(env / "bin" / "python"), str(PEER / "serve.py"), str(self.port)],
            env={
                **os.environ,
                "TRYTOND_CONFIG": str(_config(folder)),
                "TRYTON_TEST_DB_DIR": str(folder),
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TrytonUnavailable(
                    f"trytond exited with {self.process.returncode}; see {folder}/trytond.log"
                )
            try:
                body = json.dumps(
                    {"id": 1, "method": "common.server.version", "params": []}
                ).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/rpc/", body, {"Content-Type": "application/json"}
                )
                urllib.request.urlopen(request, timeout=2).read()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise TrytonUnavailable("trytond did not answer within 60 s")

    def database(self, template: Path, name: str) -> str:
        """A fresh copy of ``template`` called ``name``; returns the gateway's connector URL."""
        shutil.copyfile(template, self.folder / f"{name}.sqlite")
        return self.url(name)

    def url(self, name: str, user: str = GATEWAY_USER, password: str = GATEWAY_PASSWORD) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}/{name}/"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spec_for(
    events: Iterable[Event], extra_purchases: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Suppliers, products and confirmed purchases that every PO, line and part number of
    ``events`` refers to: ordered quantities from the 855 (else the most shipped or invoiced, so
    each notice ships part or all of it), prices from the 855 or 810."""
    lines: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    parts: dict[str, str | None] = {}
    for event in events:
        doc: Any = event.document
        if event.type == "po_acknowledgment":
            items = [(doc.po_number, ln, ln.ordered_quantity, ln.unit_price) for ln in doc.lines]
        elif event.type == "ship_notice":
            items = [(ln.po_number, ln, ln.quantity, None) for ln in doc.lines]
        elif event.type == "invoice":
            items = [(doc.po_number, ln, ln.quantity, ln.unit_price) for ln in doc.lines]
        else:
            continue
        for po, line, quantity, price in items:
            buyer = line.product_ids.get("buyer_part_number")
            if po is None or buyer is None or not (line.line_number or "").isdigit():
                continue
            parts.setdefault(buyer, line.product_ids.get("vendor_part_number"))
            slot = lines[po].setdefault(
                int(line.line_number), {"product": buyer, "quantity": "0", "unit_price": "1"}
            )
            if event.type == "po_acknowledgment" or float(quantity or 0) > float(slot["quantity"]):
                slot["quantity"] = quantity or slot["quantity"]
            if (price and event.type == "po_acknowledgment") or (
                price and slot["unit_price"] == "1"
            ):
                slot["unit_price"] = price
    filler = next(iter(parts), "FILLER-1")
    purchases = []
    for po in sorted(lines):
        numbered = lines[po]
        ordered = [
            numbered.get(n, {"product": filler, "quantity": "1", "unit_price": "1"})
            for n in range(1, max(numbered) + 1)
        ]
        purchases.append({"supplier": "demo-supplier", "number": po, "lines": ordered})
    purchases.extend(extra_purchases)
    return {
        "users": [
            {"login": GATEWAY_USER, "password": GATEWAY_PASSWORD, "groups": GATEWAY_GROUPS},
            {"login": "no-rights", "password": GATEWAY_PASSWORD, "groups": []},
        ],
        "suppliers": [
            {"name": "Demo Supplier Inc", "partner_id": "demo-supplier"},
            {"name": "Acme Fasteners", "partner_id": "acme-fasteners"},
        ],
        "products": [
            {
                "code": code,
                "name": f"Part {code}",
                "vendor_code": vendor,
                "supplier": "demo-supplier",
            }
            for code, vendor in sorted(parts.items())
        ],
        "purchases": purchases,
    }
