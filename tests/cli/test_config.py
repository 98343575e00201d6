"""Settings: flag > environment > ./.env > ~/.r9s/config.toml; ``r9s config`` and ``r9s login``."""

from __future__ import annotations

import stat
from pathlib import Path

from r9s.testing import LocalServer
from tests.support.cli import KEY, r9s

OTHER = "sk-r9s-other-key-0000000000000"


def sent_models(server: LocalServer) -> list[str]:
    return [r.json["model"] for r in server.requests if r.path == "/v1/chat/completions"]


def sent_keys(server: LocalServer) -> list[str | None]:
    return [r.api_key for r in server.requests if r.path == "/v1/chat/completions"]


def test_flag_beats_env_beats_dotenv_beats_config_file(home: Path, r9s_server: LocalServer) -> None:
    project = home / "project"
    project.mkdir()
    done = r9s(home, "config", "set", "model", "from-config", cwd=project)
    assert done.returncode == 0, done.stderr
    r9s(home, "config", "set", "base_url", r9s_server.root_url, cwd=project)
    r9s(home, "config", "set", "api_key", "sk-config-key-00000000000", cwd=project)
    config = home / ".r9s/config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert 'model = "from-config"' in text and f'base_url = "{r9s_server.url}"' in text

    models = ("from-config", "from-dotenv", "from-env", "from-flag")
    r9s_server_models = LocalServer(models=models).start()
    try:
        r9s(home, "config", "set", "base_url", r9s_server_models.url, cwd=project)

        def ask(*extra: str, env: dict[str, str] | None = None) -> None:
            done = r9s(home, "chat", "--no-save", *extra, "hi", env=env, cwd=project)
            assert done.returncode == 0, done.stderr

        ask()
        (project / ".env").write_text(
            f"# project settings\nR9S_MODEL=from-dotenv\nR9S_API_KEY={OTHER}\nOTHER=1\n"
        )
        ask()
        ask(env={"R9S_NO_DOTENV": "1"})
        ask(env={"R9S_MODEL": "from-env", "R9S_API_KEY": KEY})
        flag_key = "sk-flag-key-000000000000"
        ask("-m", "from-flag", "--api-key", flag_key, env={"R9S_MODEL": "from-env"})
        assert sent_models(r9s_server_models) == [
            "from-config", "from-dotenv", "from-config", "from-env", "from-flag",
        ]  # fmt: skip
        assert sent_keys(r9s_server_models) == [
            "sk-config-key-00000000000", OTHER, "sk-config-key-00000000000", KEY,
            "sk-flag-key-000000000000",
        ]  # fmt: skip

        listing = r9s(home, "config", "list", env={"R9S_MODEL": "from-env"}, cwd=project)
        assert listing.returncode == 0, listing.stderr
        lines = listing.stdout.splitlines()
        assert lines[0] == "api_key   sk-...0000  (.env)"
        assert lines[1] == f"base_url  {r9s_server_models.url}  (~/.r9s/config.toml)"
        assert lines[2] == "model     from-env  (R9S_MODEL)"
        get = r9s(home, "config", "get", "model", cwd=project)
        assert get.stdout == "from-dotenv\n"
        shown = r9s(home, "config", "get", "api_key", "--show-key", cwd=project)
        assert shown.stdout == f"{OTHER}\n"

        # doctor resolves the same way (it reports where the key came from)
        doctor = r9s(home, "doctor", "--no-check", "--json", cwd=project)
        assert '"api_key_source": ".env"' in doctor.stdout
    finally:
        r9s_server_models.stop()


def test_config_keeps_comments_unset_and_rejects_unknown_keys(home: Path) -> None:
    config = home / ".r9s/config.toml"
    config.parent.mkdir()
    config.write_text('# my r9s settings\nmodel = "a"  # the usual one\n')
    assert r9s(home, "config", "set", "model", "b").returncode == 0
    text = config.read_text()
    assert "# my r9s settings" in text and 'model = "b"  # the usual one' in text
    assert r9s(home, "config", "unset", "model").returncode == 0
    assert "model" not in config.read_text().replace("# my r9s settings", "")
    assert r9s(home, "config", "get", "model").returncode == 1

    bad = r9s(home, "config", "set", "colour", "blue")
    assert bad.returncode == 2 and "invalid choice: 'colour'" in bad.stderr
    url = r9s(home, "config", "set", "base_url", "ftp://x")
    assert url.returncode == 1 and "http or https" in url.stderr
    assert r9s(home, "config", "path").stdout.strip() == str(config)

    config.write_text("model = \n")
    broken = r9s(home, "config", "list")
    assert broken.returncode == 1
    assert broken.stderr.startswith("r9s: error: ~/.r9s/config.toml:")


def test_config_set_warns_when_the_environment_wins(home: Path) -> None:
    done = r9s(home, "config", "set", "model", "m1", env={"R9S_MODEL": "m2"})
    assert done.returncode == 0
    assert "warning: $R9S_MODEL is set and wins over the file" in done.stderr


def test_login_checks_the_key_before_storing_it(home: Path) -> None:
    server = LocalServer(api_key=KEY).start()
    try:
        wrong = r9s(home, "login", "--base-url", server.url, input="sk-wrong-key-000000000000\n")
        assert wrong.returncode == 1
        assert "the key was not stored: the API key was rejected (401)" in wrong.stderr
        assert not (home / ".r9s/config.toml").exists()

        right = r9s(home, "login", "--base-url", server.root_url, input=f"{KEY}\n")
        assert right.returncode == 0, right.stderr
        assert "Logged in to" in right.stderr and "sk-...cdef" in right.stderr
        assert KEY not in right.stderr
        config = (home / ".r9s/config.toml").read_text()
        assert f'api_key = "{KEY}"' in config and f'base_url = "{server.url}"' in config
        assert [r.path for r in server.requests] == ["/v1/models", "/v1/models"]

        # now every command finds the key and the server without flags or environment
        chat = r9s(home, "chat", "-m", "gpt-4o", "works?")
        assert chat.stdout == "Echo: works?\n", chat.stderr
    finally:
        server.stop()


def test_models_table_filter_and_json(home: Path, r9s_server: LocalServer) -> None:
    env = {"R9S_BASE_URL": r9s_server.url, "R9S_API_KEY": KEY}
    piped = r9s(home, "models", "--filter", "CLAUDE-SONNET", env=env)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.split() == sorted(m for m in r9s_server.models if "claude-sonnet" in m)

    details = r9s(home, "models", "--details", "-f", "gpt-4o-mini", env=env)
    header = details.stdout.splitlines()[0].split()
    assert header[:3] == ["id", "owner", "created"]
    assert "gpt-4o-mini" in details.stdout and "openai" in details.stdout

    import json

    data = json.loads(r9s(home, "models", "--json", "-f", "gemini", env=env).stdout)["data"]
    assert data and all("gemini" in m["id"] and m["object"] == "model" for m in data)

    rejected = r9s(home, "models", env={**env, "R9S_API_KEY": ""})
    assert rejected.returncode == 1 and "no API key" in rejected.stderr


def test_login_warns_when_the_environment_would_win(home: Path, r9s_server: LocalServer) -> None:
    done = r9s(home, "login", "--base-url", r9s_server.url, "--api-key", KEY,
               env={"R9S_API_KEY": OTHER})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: $R9S_API_KEY is set and wins over the file" in done.stderr
    empty = r9s(home, "login", "--base-url", r9s_server.url, input="\n")
    assert empty.returncode == 2 and "no key given" in empty.stderr


def test_dotenv_quoted_values_may_be_followed_by_a_comment(home: Path) -> None:
    project = home / "project"
    project.mkdir()
    (project / ".env").write_text(
        'R9S_API_KEY="sk-dotenv-abc"  # my key\n'
        "R9S_MODEL='model # one' # the model\n"
        'R9S_BASE_URL="http://127.0.0.1:8765/v1"#no space\n'
    )
    key = r9s(home, "config", "get", "api_key", "--show-key", cwd=project)
    assert key.stdout == "sk-dotenv-abc\n", key.stderr
    assert r9s(home, "config", "get", "model", cwd=project).stdout == "model # one\n"
    base = r9s(home, "config", "get", "base_url", cwd=project)
    assert base.stdout == "http://127.0.0.1:8765/v1\n", base.stderr


def test_config_keys_may_be_written_with_dashes(home: Path) -> None:
    done = r9s(home, "config", "set", "api-key", KEY)
    assert done.returncode == 0, done.stderr
    assert f'api_key = "{KEY}"' in (home / ".r9s/config.toml").read_text()
    shown = r9s(home, "config", "get", "API-KEY", "--show-key")
    assert shown.stdout == f"{KEY}\n", shown.stderr
    assert r9s(home, "config", "unset", "api-key").returncode == 0
    assert "api_key" not in (home / ".r9s/config.toml").read_text()


def test_config_set_echoes_the_value_as_stored(home: Path) -> None:
    done = r9s(home, "config", "set", "base_url", "http://127.0.0.1:8765")
    assert done.returncode == 0, done.stderr
    assert "base_url = http://127.0.0.1:8765/v1 (in ~/.r9s/config.toml)" in done.stderr
    done = r9s(home, "config", "set", "model", "  gpt-4o  ")
    assert "model = gpt-4o (in" in done.stderr
