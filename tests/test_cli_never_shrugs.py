"""A CLI that never shrugs (issue 14 §3): every command of the argparse tree, walked so that a new
command is covered without editing this file, run with ids that do not exist and values that are
wrong: one clear line, a non-zero exit, never a traceback. Every option says what it does."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_app.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]
LONG_RUNNING = {("run",), ("worker",)}
"""Servers: they would serve, not answer (their bad values are argparse's: covered below)."""
BAD_IDS = ("nope-404", "99999999999999999999", "x" * 300, "", "nul\x00byte")


def commands() -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    def walk(
        parser: argparse.ArgumentParser, path: tuple[str, ...]
    ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield path, parser
        for sub in subs:
            for name, child in sub.choices.items():
                yield from walk(child, (*path, name))

    yield from walk(_parser(), ())


def positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings]


def required_options(parser: argparse.ArgumentParser) -> list[str]:
    """What argparse insists on, filled with a valid choice (the ids are what is wrong)."""
    argv: list[str] = []
    for action in parser._actions:
        if action.option_strings and action.required:
            argv += [action.option_strings[0], str(next(iter(action.choices or ["x"])))]
    return argv


def bad_invocations() -> Iterator[tuple[str, list[str]]]:
    """Per command, each of its positionals in turn given a bad id (the others a bad id too;
    choices take each valid choice)."""
    for path, parser in commands():
        if path in LONG_RUNNING:
            continue
        slots = positionals(parser)
        choice_sets = [list(a.choices) if a.choices else None for a in slots]
        free = [n for n, c in enumerate(choice_sets) if c is None]
        if not free:
            continue
        for bad in BAD_IDS:
            fixed = [c[0] if c else bad for c in choice_sets]
            variants = [fixed]
            for n, choices in enumerate(choice_sets):
                for choice in (choices or [])[1:]:
                    variants.append([*fixed[:n], choice, *fixed[n + 1 :]])
            for args in variants:
                argv = [*path, *args, *required_options(parser)]
                yield " ".join(path) + f" [{bad[:12]}]", argv


INVOCATIONS = list(bad_invocations())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("home")
    (root / "files").mkdir()
    shutil.copytree(ROOT / "partners", root / "partners")  # a home as `partners new` leaves it
    with pytest.MonkeyPatch.context() as patch:
        use_home(patch, root)
        code, out, err = main_quietly(root, ["db", "upgrade"])
        assert code == 0, (out, err)
        code, out, err = main_quietly(root, ["partners", "sync"])
        assert code == 0, (out, err)
    yield root


def use_home(patch: pytest.MonkeyPatch, root: Path) -> None:
    for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
        patch.delenv(name)
    patch.setenv("GATEWAY_HOME", str(root))
    patch.setenv("GATEWAY_ERP_CONNECTOR", "memory")
    patch.chdir(root / "files")


def main_quietly(root: Path, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO("")
    try:
        code = main(argv)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def gateway_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_home(monkeypatch, home)


def test_the_walk_finds_every_command() -> None:
    found = {" ".join(path) for path, _ in commands()}
    assert {"messages", "replay", "partners show", "po show", "staff role", "sftp poll"} <= found
    assert len(INVOCATIONS) > 60


@pytest.mark.parametrize(("name", "argv"), INVOCATIONS, ids=[n for n, _ in INVOCATIONS])
def test_given_ids_that_do_not_exist_then_one_clear_line_and_no_traceback(
    name: str, argv: list[str], home: Path
) -> None:
    code, out, err = main_quietly(home, argv)

    assert "Traceback" not in out + err
    assert "configuration error" not in err, err  # the command ran, against the home's database
    assert code != 0 or argv[:2] in (["messages", "list"], ["outbox", "list"]), (out, err)
    if code != 0:
        said = [line for line in err.splitlines() if line.strip()]
        assert said, f"{name}: exit {code} without a word"
        assert len(said) == 1 and len(said[-1]) < 400, err  # a line, not a dump


@pytest.mark.parametrize(
    "argv",
    [
        ["messages", "list", "--status", "bogus"],
        ["messages", "list", "--limit", "many"],
        ["outbox", "list", "--status", "lost"],
        ["po", "list", "--status", "bogus"],
        ["po", "scorecard", "--from", "yesterday"],
        ["dead-letters", "--retry", "x"],
        ["certs", "expiring", "--days", "soon"],
        ["translate", "--partner", "nope", str(ROOT / "samples/demo-supplier/856-SI-4010.edi")],
        ["translate", "/no/such/file.edi"],
        ["partners", "promote", "demo-supplier", "--to", "heaven"],
        ["staff", "role", "nobody", "king"],
        ["no-such-command"],
        [],
    ],
)
def test_given_wrong_values_then_one_clear_line_and_a_non_zero_exit(
    argv: list[str], home: Path
) -> None:
    code, out, err = main_quietly(home, argv)

    assert code in (1, 2), (out, err)
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(("gateway", "no ")), err


def test_every_option_says_what_it_does() -> None:
    silent = [
        f"gateway {' '.join(path)} {action.option_strings[0]}"
        for path, parser in commands()
        for action in parser._actions
        if action.option_strings and action.dest != "help" and not action.help
    ]
    assert silent == []


def test_version_and_no_database_created_elsewhere(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    gateway = [sys.executable, "-m", "gateway_app"]

    version = subprocess.run([*gateway, "--version"], capture_output=True, text=True, env=env)
    elsewhere = subprocess.run(
        [*gateway, "messages", "list"], cwd=tmp_path, capture_output=True, text=True, env=env
    )

    assert version.returncode == 0 and version.stdout.startswith("gateway 0.")
    assert elsewhere.returncode != 0 and "no database at" in elsewhere.stderr
    assert "GATEWAY_HOME" in elsewhere.stderr and list(tmp_path.iterdir()) == []


def test_an_unexpected_failure_is_one_line_unless_debugging(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway_app.commands as commands_module

    def broken(*_args: object) -> int:
        raise RuntimeError("the disk caught fire\nsecond line")

    monkeypatch.setitem(commands_module._COMMANDS, "messages", broken)
    code, _, err = main_quietly(home, ["messages", "list"])
    monkeypatch.setenv("GATEWAY_DEBUG", "1")

    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "RuntimeError: the disk caught fire second line" in err
    with pytest.raises(RuntimeError):
        main_quietly(home, ["messages", "list"])


def bad_option_values() -> Iterator[tuple[str, list[str]]]:
    """Per command, each option that takes a number or a choice given a wrong one (walked too)."""
    for path, parser in commands():
        slots = [
            str(next(iter(a.choices))) if a.choices else "nope-404" for a in positionals(parser)
        ]
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0:
                continue
            if action.choices:
                bad = "bogus"
            elif action.type in (int, float):
                bad = "many"
            else:
                continue
            argv = [*path, *slots, *required_options(parser), action.option_strings[0], bad]
            yield f"{' '.join(path)} {action.option_strings[0]}", argv


OPTION_VALUES = list(bad_option_values())


@pytest.mark.parametrize(("name", "argv"), OPTION_VALUES, ids=[n for n, _ in OPTION_VALUES])
def test_given_an_option_a_wrong_value_then_one_line_exit_2(
    name: str, argv: list[str], home: Path
) -> None:
    code, out, err = main_quietly(home, argv)

    assert code == 2, (name, out, err)
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and "invalid" in err, err


def test_the_installed_console_script_answers_in_one_line(home: Path) -> None:
    script = shutil.which("gateway") or str(Path(sys.executable).with_name("gateway"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_HOME"] = str(home)
    runs = {
        argv: subprocess.run([script, *argv.split()], capture_output=True, text=True, env=env)
        for argv in ("--version", "messages retry msg_nope", "replay 99999", "replay 1" + "0" * 30)
    }

    assert runs["--version"].returncode == 0 and runs["--version"].stdout.startswith("gateway 0.")
    assert runs["messages retry msg_nope"].stderr == "no message 'msg_nope'\n"
    assert runs["replay 99999"].stderr == "no transaction 99999\n"
    for argv, run in runs.items():
        assert "Traceback" not in run.stdout + run.stderr
        if argv != "--version":
            assert run.returncode == 1 and len(run.stderr.splitlines()) == 1, run.stderr


def test_a_command_that_worked_says_which_database_it_used(tmp_path: Path) -> None:
    """Run from any folder, an operator command names the database it read and the rule that
    chose it (issue 14 §3), on standard error so that its output stays clean."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATA_DIR"] = str(tmp_path / "data")
    gateway = [sys.executable, "-m", "gateway_app"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [*gateway, "db", "upgrade"], cwd=elsewhere, env=env, check=True, capture_output=True
    )

    listed = subprocess.run(
        [*gateway, "messages", "list"], cwd=elsewhere, capture_output=True, text=True, env=env
    )

    assert listed.returncode == 0, listed.stderr
    database = tmp_path / "data" / "gateway.db"
    assert f"gateway: database sqlite:///{database} (data directory from GATEWAY_DATA_DIR)" in (
        listed.stderr.splitlines()
    )
    assert "database" not in listed.stdout


def test_the_database_named_hides_its_password() -> None:
    from gateway.settings import Settings
    from gateway_app.commands import database_in_use

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgresql+psycopg://gw:s3cret-pass@127.0.0.1:5432/gateway",
    )

    said = database_in_use(settings)

    assert "s3cret-pass" not in said and "127.0.0.1:5432/gateway" in said
    assert said.endswith("(GATEWAY_DATABASE_URL)")
