"""A plain ``pip install`` works from any folder: the wheel is built from a copy of the checkout,
installed non-editable into a fresh venv, and its ``gateway`` command is run from a folder outside
the checkout (``translate``, ``check-config``, a read command, ``run``).

The fresh venv gets its third-party dependencies from the venv running the tests, through a
``.pth`` file naming that venv's site-packages: no network, a few seconds instead of a minute of
installing. A path line in a ``.pth`` adds the folder to ``sys.path`` but does not run the
``.pth`` files inside it, so an editable install of the gateway there (its import hook lives in
such a file) stays invisible; ``test_the_gateway_imported_is_the_installed_wheel`` checks it.
Building the wheel still fetches ``setuptools`` for the isolated build, as any ``pip install``.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "demo-supplier"
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "*.so", ".*_cache",
    ".hypothesis", "var", ".work",
)  # fmt: skip
DEMO_KEY = "demo-supplier-key"


@dataclass(frozen=True)
class Install:
    venv: Path
    outside: Path
    """An empty working directory outside the checkout."""
    env: dict[str, str]

    @property
    def gateway(self) -> str:
        return str(self.venv / "bin" / "gateway")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.gateway, *args],
            cwd=self.outside,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def python(self, code: str) -> str:
        command = [str(self.venv / "bin" / "python"), "-c", code]
        done = subprocess.run(
            command, cwd=self.outside, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    tmp = tmp_path_factory.mktemp("packaging")
    source, wheels, venv = tmp / "source", tmp / "wheels", tmp / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # the checkout stays free of build/
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (wheel,) = wheels.glob("supplier_gateway-*.whl")
    python = str(venv / "bin" / "python")
    install = [*pip, "--python", python, "install", "--no-deps", "--no-index", str(wheel)]
    subprocess.run(install, check=True)
    purelib = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    dependencies = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"]])
    (purelib / "test-dependencies.pth").write_text("\n".join(dependencies) + "\n")
    outside = tmp / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env["XDG_DATA_HOME"] = str(tmp / "xdg")  # the user data directory, private to this test
    env["GATEWAY_SFTP_PORT"] = "0"  # the demo partner's SFTP account: not served here
    return Install(venv, outside, env)


def test_the_gateway_imported_is_the_installed_wheel(installed: Install) -> None:
    where = installed.python(
        "import gateway, transports, gateway_app; "
        "print(gateway.__file__, transports.__file__, gateway_app.__file__)"
    )
    assert all(Path(p).is_relative_to(installed.venv) for p in where.split()), where


def test_the_wheel_ships_the_defaults_and_nothing_of_other_partners(installed: Install) -> None:
    data = Path(installed.python("import gateway; print(gateway.__file__)")).parent / "_data"
    shipped = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert shipped == sorted(
        [f"maps/base/{p.name}" for p in (ROOT / "maps" / "base").glob("*.yaml")]
        + ["partners/demo-supplier.yaml"]
        + [f"partners/templates/{p.name}" for p in (ROOT / "partners" / "templates").glob("*")]
        + [f"samples/{p.name}" for p in SAMPLES.glob("*.edi")]
        + [f"samples/as2/{p.name}" for p in (ROOT / "samples" / "as2").iterdir()]
    )


def test_translate_from_outside_the_checkout_gives_the_canonical_output(
    installed: Install,
) -> None:
    done = installed.run(
        "translate", str(SAMPLES / "855-accepted-4010.edi"), "--partner", "demo-supplier"
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    golden = json.loads((SAMPLES / "855-accepted-4010.canonical.json").read_text())
    assert (out["documents"], out["errors"]) == (golden["documents"], golden["errors"])
    assert [a["kind"] for a in out["acknowledgments"]] == ["997"]
    assert "AK5*A~" in out["acknowledgments"][0]["edi"]


def test_check_config_reads_the_packaged_defaults(installed: Install) -> None:
    done = installed.run("check-config")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(packaged demo)" in done.stdout and "(packaged maps)" in done.stdout
    assert "0 problem(s)" in done.stdout


def test_a_read_command_without_a_database_fails_and_creates_none(installed: Install) -> None:
    done = installed.run("messages", "list")
    assert done.returncode == 2
    assert "no database at" in done.stderr
    assert list(installed.outside.iterdir()) == []
    assert not Path(installed.env["XDG_DATA_HOME"]).exists()


@pytest.fixture
def server(installed: Install) -> Iterator[tuple[str, Path]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = installed.outside.parent / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [installed.gateway, "run", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=installed.outside,
            env=installed.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not _healthy(base):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield base, log
        finally:
            proc.terminate()
            proc.wait(30)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_gateway_run_from_outside_the_checkout_takes_a_document(
    installed: Install, server: tuple[str, Path]
) -> None:
    base, log = server
    auth = {"Authorization": f"Bearer {DEMO_KEY}"}
    answer = httpx.post(
        f"{base}/v1/x12", content=(SAMPLES / "856-SOPI-4010.edi").read_bytes(), headers=auth
    )
    assert answer.status_code == 202, answer.text
    receipt_url = f"{base}/v1/receipts/{answer.json()['receipt_id']}"
    deadline = time.monotonic() + 30
    while (receipt := httpx.get(receipt_url, headers=auth).json())["status"] != "processed":
        assert time.monotonic() < deadline, receipt
        time.sleep(0.2)
    assert [e["type"] for e in receipt["events"]] == ["ship_notice"]
    printed = log.read_text()
    database = Path(installed.env["XDG_DATA_HOME"]) / "supplier-gateway" / "gateway.db"
    assert f"database: sqlite:///{database}" in printed
    assert "(user data directory)" in printed and "(packaged demo)" in printed
    assert list(installed.outside.iterdir()) == []  # nothing written where it was started


def test_gateway_run_demo_from_the_wheel_serves_as2_for_the_demo_partner(
    installed: Install, server: tuple[str, Path], tmp_path: Path
) -> None:
    """The packaged demo profile finds its AS2 certificates in the wheel (``../samples/as2``)
    and demo mode has the demo key's secret: openssl's message gets an MDN openssl verifies."""
    from tests.support.documents import numbered_asn
    from tests.transports.as2.openssl_peer import Built, build, curl_post, openssl_mic, read_mdn

    base, log = server
    message = build(numbered_asn(4101), tmp_path, Built())

    reply = curl_post(f"{base}/as2", message, tmp_path)

    mdn = read_mdn(reply, tmp_path)
    assert mdn.verified and mdn.disposition.endswith("; processed"), log.read_text()[-2000:]
    assert mdn.mic == openssl_mic(message.mic_over)
