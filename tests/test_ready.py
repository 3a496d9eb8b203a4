"""Liveness, readiness, and `vrs serve` refusing to start when it could not serve."""

from __future__ import annotations

from click.testing import CliRunner

from reporting import create_app
from reporting.cli import main
from reporting.config import Settings


def test_health_answers_without_a_token(client, database):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_database_schema_and_key_are_there(client, database):
    response = client.get("/api/v1/ready")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready"}


def test_not_ready_is_a_503_problem_that_says_what_to_run(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "var"))
    response = app.test_client().get("/api/v1/ready")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    problem = response.get_json()
    assert problem["type"].endswith("/not-ready")
    assert "vrs init" in problem["detail"]
    assert str(tmp_path) not in response.get_data(as_text=True)


def vrs(tmp_path, *args):
    return CliRunner().invoke(main, ["--data-dir", str(tmp_path / "var"), *args])


def test_serve_refuses_to_start_before_init(tmp_path):
    result = vrs(tmp_path, "serve", "--port", "1")
    assert result.exit_code == 1
    assert "not starting" in result.output
    assert "vrs init" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_to_start_without_a_signing_key(tmp_path):
    assert vrs(tmp_path, "init").exit_code == 0
    result = vrs(tmp_path, "serve", "--port", "1")
    assert result.exit_code == 1
    assert "vrs keys generate" in result.output


def test_vrs_ready_says_what_is_missing_and_when_all_is_there(tmp_path):
    env = {"VRS_SIGNING_KEY": "", "VRS_KEY_PASSPHRASE": "a passphrase"}
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "var")]
    before = runner.invoke(main, [*base, "ready"], env=env)
    assert before.exit_code == 1
    assert "vrs init" in before.output
    assert runner.invoke(main, [*base, "init"], env=env).exit_code == 0
    assert "vrs keys generate" in runner.invoke(main, [*base, "ready"], env=env).output
    assert runner.invoke(main, [*base, "keys", "generate"], env=env).exit_code == 0
    after = runner.invoke(main, [*base, "ready"], env=env)
    assert after.exit_code == 0, after.output
    assert "ready to serve" in after.output


def test_serve_refuses_to_start_when_the_key_file_cannot_be_decrypted(tmp_path):
    env = {"VRS_SIGNING_KEY": "", "VRS_KEY_PASSPHRASE": "the right one"}
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "var")]
    assert runner.invoke(main, [*base, "init"], env=env).exit_code == 0
    assert runner.invoke(main, [*base, "keys", "generate"], env=env).exit_code == 0
    result = runner.invoke(main, [*base, "serve", "--port", "1"],
                           env={**env, "VRS_KEY_PASSPHRASE": "a wrong one"})
    assert result.exit_code == 1
    assert "VRS_KEY_PASSPHRASE" in result.output
