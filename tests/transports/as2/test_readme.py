"""The README's AS2 example, run verbatim (only the port changed) against a gateway on loopback
with the shipped demo profile and keys: the MDN verifies and its MIC is the one openssl computes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.transports.as2.conftest import SECRET
from tests.transports.harness import ServerThread, build_gateway, runtime_for, settings_for

ROOT = Path(__file__).resolve().parents[3]


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## AS2\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_given_the_readme_as2_example_when_run_then_a_signed_processed_mdn_with_our_mic(
    tmp_path: Path,
) -> None:
    runtime = runtime_for(settings_for(tmp_path, as2_key_secret=SECRET))
    try:
        with ServerThread(build_gateway(runtime).app) as server:
            script = readme_block().replace("http://127.0.0.1:8080", server.url)
            script = script.replace("/tmp/", f"{tmp_path}/")
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
    finally:
        runtime.close()

    assert done.returncode == 0, done.stderr
    assert "CMS Verification successful" in done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "Disposition: automatic-action/MDN-sent-automatically; processed"
    mic = re.fullmatch(r"Received-content-MIC: (\S+), sha-256", lines[0])
    assert mic is not None and mic.group(1) == lines[2]
