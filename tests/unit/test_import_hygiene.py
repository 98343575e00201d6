"""Start-up cost is user-visible: heavy modules load only when they are needed.

Checked through ``sys.modules`` in a fresh interpreter, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "httpx",
    "pydantic",
    "rich",
    "prompt_toolkit",
    "tomlkit",
    "click",
    "sqlite3",
    "yaml",
    "aiohttp",
    "httpx_aiohttp",
)
# the web extra's stack (r9s web): never loaded by `import r9s` or any --help
WEB = ("starlette", "uvicorn", "anyio", "r9s.web")


def modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    last = result.stdout.strip().splitlines()[-1]
    return set(json.loads(last))


def loaded_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in modules_after(code)}


def help_of(*argv: str) -> str:
    return (
        "import sys\nfrom r9s.cli.main import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass"
    )


def test_import_r9s_and_the_helps_never_load_the_web_stack() -> None:
    for code in ("import r9s", help_of("--help"), help_of("web", "--help")):
        loaded = modules_after(code)
        web = {name for name in loaded if name == "r9s.web" or name.startswith("r9s.web.")}
        web |= {name for name in loaded if name.split(".")[0] in WEB}
        assert not web, (code, sorted(web))


def test_import_r9s_loads_nothing_heavy() -> None:
    assert not loaded_after("import r9s") & set(HEAVY)


def test_client_construction_needs_httpx_but_not_pydantic() -> None:
    loaded = loaded_after("from r9s import R9S\nR9S(api_key='sk-test-0000000000000000')")
    assert "httpx" in loaded
    assert not loaded & {"pydantic", "rich", "prompt_toolkit", "tomlkit", "aiohttp"}


def test_sync_calls_never_load_aiohttp_and_the_first_async_call_does() -> None:
    from r9s.testing import LocalServer

    with LocalServer() as server:
        make = (
            "from r9s import R9S\n"
            f"c = R9S(api_key='sk-test-0000000000000000', server_url={server.url!r})\n"
        )
        chat = "c.chat.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': 'hi'}])"
        sync = loaded_after(make + "c.models.list()\n" + chat)
        assert "pydantic" in sync and not sync & {"aiohttp", "httpx_aiohttp"}
        async_call = "import asyncio\nasyncio.run(c.models.list_async())\nc.close()"
        assert {"aiohttp", "httpx_aiohttp"} <= loaded_after(make + async_call)
        plain = make.replace("server_url=", "async_transport='httpx', server_url=")
        assert "aiohttp" not in loaded_after(plain + async_call)


def test_cli_help_loads_nothing_heavy() -> None:
    code = (
        "import sys\nfrom r9s.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert not loaded_after(code) & set(HEAVY)


def test_cli_command_helps_load_nothing_heavy() -> None:
    from r9s.cli.main import COMMANDS

    for command in (command.name for command in COMMANDS):
        code = (
            "import sys\nfrom r9s.cli.main import main\n"
            f"try:\n    main([{command!r}, '--help'])\nexcept SystemExit:\n    pass"
        )
        assert not loaded_after(code) & set(HEAVY), command


CHAT_STREAM_CODE = ("r9s._streams.chat", "r9s._streaming", "r9s.models._chat_stream")
"""What only a chat stream needs: its code and its chunk models."""


def test_a_plain_chat_call_loads_no_stream_code_and_a_stream_does() -> None:
    from r9s.testing import LocalServer

    with LocalServer() as server:
        make = (
            "from r9s import R9S\n"
            f"c = R9S(api_key='sk-test-0000000000000000', server_url={server.url!r})\n"
            "m = [{'role': 'user', 'content': 'hi'}]\n"
        )
        plain = modules_after(make + "c.chat.create(model='gpt-4o-mini', messages=m)")
        assert "r9s.models.chat" in plain
        assert not plain & set(CHAT_STREAM_CODE)
        streamed = modules_after(
            make + "print(''.join(c.chat.create(model='gpt-4o-mini', messages=m, stream=True)"
            ".text_stream))"
        )
        assert set(CHAT_STREAM_CODE) <= streamed


def _built_after(code: str) -> list[str]:
    """The response models of ``r9s.models.chat`` (and its chunk models) whose validator
    exists after ``code``, in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        "from r9s.models._base import ResponseModel\n"
        "built = sorted(\n"
        "    f'{value.__module__}.{value.__name__}'\n"
        "    for module in ('r9s.models.chat', 'r9s.models._chat_stream')\n"
        "    for value in vars(sys.modules.get(module) or json).values()\n"
        "    if isinstance(value, type) and issubclass(value, ResponseModel)\n"
        "    and value.__pydantic_complete__\n"
        ")\n"
        "print(json.dumps(built))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    built: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return built


def test_importing_the_chat_models_builds_no_validator_nor_the_chunk_models() -> None:
    # A default made with ``Model()`` builds that model's validator at import (and, the
    # first time, pydantic's scan of installed plugins); ``model_construct()`` does not.
    assert _built_after("import r9s.models.chat") == []
    assert "r9s.models._chat_stream" not in modules_after("import r9s.models.chat")
    assert "r9s.models._chat_stream" not in modules_after("import r9s.resources.chat")
    # the chunk names still import from where they always have, on first use
    built = _built_after(
        "from r9s.models.chat import ChatCompletionChunk\n"
        "ChatCompletionChunk.model_validate({'choices': [{'delta': {'content': 'x'}}]})"
    )
    assert "r9s.models._chat_stream.ChatCompletionStreamEvent" in built


STREAMING_RESOURCES = {
    "chat": "ChatCompletionStream",
    "completions": "CompletionStream",
    "messages": "MessageStream",
    "responses": "ResponseStream",
    "images": "ImageStream",
}


def test_resource_modules_load_their_stream_code_only_when_asked() -> None:
    for name, stream in STREAMING_RESOURCES.items():
        loaded = modules_after(f"import r9s.resources.{name}")
        assert not {m for m in loaded if m == "r9s._streaming" or m.startswith("r9s._streams")}
        # the stream classes still import from the resource module, as they always have
        probe = (
            f"from r9s.resources.{name} import {stream}, Async{stream}\n"
            f"from r9s._streams.{name} import {stream} as home\n"
            f"assert {stream} is home, {stream}"
        )
        modules_after(probe)
