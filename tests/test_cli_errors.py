"""Every `vrs` command, run where it cannot work, says so in one line: no traceback.

Against a data directory nobody initialised, a URL that is not one, a driver that is not
installed, and a PostgreSQL port where nothing listens.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reporting.cli import main

COMMANDS = [
    ["members", "add", "IDN"],
    ["users", "add", "someone@example.org", "--state", "IDN", "--role", "reporter",
     "--password", "a long enough password"],
    ["tokens", "create", "--state", "IDN", "--role", "reporter"],
    ["tokens", "revoke", "0123456789"],
    ["keys", "generate"],
    ["keys", "rotate"],
    ["states", "add-key", "IDN", "A" * 43],
    ["states", "revoke-key", "IDN", "0123456789abcdef"],
    ["audit-log"],
    ["tokens", "list"],
    ["ready"],
    ["serve", "--port", "1"],
    ["worker"],
    ["beat"],
]
BAD_URLS = {
    "not-a-url": "foo",
    "missing-driver": "postgresql+psycopg2://postgres@127.0.0.1/openvrs",
    "closed-port": "postgresql+psycopg://postgres@127.0.0.1:1/openvrs",
}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"VRS_KEY_PASSPHRASE": "test passphrase"})


def assert_one_clear_line(result, *hints: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), result.output
    for hint in hints:
        assert hint in lines[0], lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_before_init_says_to_run_vrs_init(tmp_path, command):
    result = run("--data-dir", str(tmp_path / "var"), *command)
    assert_one_clear_line(result, "vrs init")


@pytest.mark.parametrize("url", list(BAD_URLS.values()), ids=list(BAD_URLS))
@pytest.mark.parametrize("command", [["init"], *COMMANDS], ids=lambda c: " ".join(c[:2]))
def test_every_command_against_a_bad_database_url_says_what_is_wrong(tmp_path, command, url):
    result = run("--data-dir", str(tmp_path / "var"), "--database-url", url, *command)
    assert_one_clear_line(result)


def test_client_commands_against_a_server_that_is_not_there_say_so(tmp_path):
    report = tmp_path / "report.json"
    report.write_text('{"incident": {}}')
    result = run("submit", str(report), "--server", "http://127.0.0.1:1", "--token", "t")
    assert_one_clear_line(result, "cannot reach")


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "--data-dir", str(tmp_path / "var"), "members", "add", "IDN")
    assert result.exit_code == 1
    assert result.exception is not None
    assert not isinstance(result.exception, SystemExit)


def test_version_is_printed():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("vrs, version ")
