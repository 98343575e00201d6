"""The CLI in Simplified Chinese (``--lang zh-CN``, ``R9S_LANG``, the locale): a complete,
current gettext catalogue, and English by default."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from r9s.cli.common import i18n
from r9s.testing import LocalServer
from tests.support.ci import unavailable
from tests.support.cli import KEY, r9s, user_env

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "r9s" / "cli" / "locale"
POT = LOCALE / "r9s.pot"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "r9s.po"
MO = LOCALE / "zh_CN" / "LC_MESSAGES" / "r9s.mo"
# what `make i18n` extracts from (keep in step with the Makefile)
SOURCES = (ROOT / "src" / "r9s" / "cli", ROOT / "src" / "r9s" / "web" / "serve.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


def babel() -> Any:
    try:
        import babel.messages.pofile
    except ImportError:
        unavailable("babel is not installed (pip install -e '.[dev]')")
    return babel.messages


def read_catalog(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        return read_po(file)


def placeholders(text: str) -> list[str]:
    """``{name}``/``{name!r}``/``{x:g}`` and ``%(name)s``/``%s`` of ``text``, sorted."""
    braces = re.findall(r"\{[^{}]*\}", text.replace("{{", "").replace("}}", ""))
    percents = re.findall(r"%(?:\([^)]+\))?[a-z]", text.replace("%%", ""))
    return sorted(braces) + sorted(percents)


def forms(message: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return ids, strings


def test_every_message_is_translated_with_the_same_placeholders() -> None:
    babel()
    template, chinese = read_catalog(POT), read_catalog(PO)
    problems = []
    for entry in template:
        if not entry.id:
            continue
        found = chinese.get(entry.id)
        if found is None:
            problems.append(f"missing: {entry.id!r}")
            continue
        ids, strings = forms(found)
        if found.fuzzy:
            problems.append(f"fuzzy: {entry.id!r}")
        if not strings or not all(strings):
            problems.append(f"untranslated: {entry.id!r}")
            continue
        for string in strings:
            if placeholders(string) != placeholders(ids[-1]):
                problems.append(f"placeholders differ: {ids[-1]!r} -> {string!r}")
            if ids[0].endswith("\n") != string.endswith("\n"):
                problems.append(f"final newline differs: {ids[0]!r}")
    assert not problems, "\n".join(problems)
    assert len(template) > 600  # the whole CLI, not a sample


def test_placeholder_check_catches_a_difference() -> None:
    assert placeholders("model {name!r} not found") == ["{name!r}"]
    assert placeholders("未找到模型 {model!r}") != placeholders("model {name!r} not found")
    assert placeholders("'{{\"seed\": 7}}', not {text}") == ["{text}"]
    assert placeholders("%(prog)s: error: %(message)s\n") == ["%(message)s", "%(prog)s"]


def test_the_committed_mo_is_the_po_compiled() -> None:
    babel()
    from babel.messages.mofile import read_mo

    chinese = read_catalog(PO)
    with MO.open("rb") as file:
        compiled = read_mo(file)

    def entries(catalog: Any) -> dict[Any, Any]:
        def key(value: Any) -> Any:
            return tuple(value) if isinstance(value, list) else value

        return {key(m.id): key(m.string) for m in catalog if m.id and not m.fuzzy}

    expected, actual = entries(chinese), entries(compiled)
    assert actual == expected, "run `make i18n` and commit the .mo"


def test_the_template_holds_every_message_of_the_source(tmp_path: Path) -> None:
    """A ``_()`` message added without ``make i18n`` (so untranslated) fails here."""
    babel()
    from babel.messages.frontend import CommandLineInterface

    fresh = tmp_path / "fresh.pot"
    CommandLineInterface().run(  # type: ignore[no-untyped-call]  # babel's CLI is unannotated
        ["pybabel", "--quiet", "extract", "--no-location", "-o", str(fresh)]
        + [str(source) for source in SOURCES]
    )
    now = {m.id for m in read_catalog(fresh) if m.id}
    committed = {m.id for m in read_catalog(POT) if m.id}
    assert now - committed == set(), "new messages: run `make i18n` and translate them"
    assert committed - now == set(), "messages gone from the source: run `make i18n`"


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh_SG", "zh_CN"),
        ("en", "en"),
        ("en_US.UTF-8", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("zh_TW", None),
        ("zh-Hant", None),
        ("fr_FR", None),
        ("", None),
    ],
)
def test_language_codes(code: str, language: str | None) -> None:
    assert i18n.normalize(code) == language


def test_choice_order() -> None:
    choose = i18n.choose
    assert choose([], {}) == "en"
    assert choose([], {"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert choose([], {"LANG": "fr_FR.UTF-8"}) == "en"  # a locale r9s lacks: English
    assert choose([], {"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}) == "zh_CN"
    assert choose([], {"LC_ALL": "C", "LANGUAGE": "zh_CN"}) == "en"  # as GNU gettext
    assert choose([], {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}) == "en"
    assert choose([], {"R9S_LANG": "zh-CN", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert choose(["--lang", "en"], {"R9S_LANG": "zh-CN"}) == "en"
    assert choose(["models", "--lang=zh-CN"], {}) == "zh_CN"
    assert choose(["chat", "--", "--lang", "zh"], {}) == "en"  # after --: the prompt's
    with pytest.raises(i18n.UnknownLanguage):
        choose(["--lang", "xx"], {})
    with pytest.raises(i18n.UnknownLanguage):
        choose([], {"R9S_LANG": "fr"})


def chinese(text: str) -> bool:
    return CJK.search(text) is not None


def test_help_in_chinese_by_flag_variable_and_locale(home: Path) -> None:
    top = r9s(home, "--lang", "zh-CN", "--help")
    assert top.returncode == 0, top.stderr
    assert top.stdout.startswith("用法：r9s")
    assert "与模型对话：交互式、一次性或管道" in top.stdout  # the command table
    assert "示例：" in top.stdout and "位置参数" in top.stdout  # epilog, argparse's own
    assert len(top.stdout.splitlines()) < 46

    models = r9s(home, "models", "--help", env={"R9S_LANG": "zh_CN"})
    assert "列出路由提供的模型" in models.stdout, models.stdout
    assert "显示此帮助信息并退出" in models.stdout
    assert "--filter" in models.stdout and "$R9S_BASE_URL" in models.stdout  # flags kept

    for variable in ("LANG", "LC_ALL", "LC_MESSAGES"):
        by_locale = r9s(home, "set", "--help", env={variable: "zh_CN.UTF-8"})
        assert "让编程工具（Claude Code、Codex 等）使用 r9s" in by_locale.stdout, variable

    after = r9s(home, "models", "--help", "--lang", "zh-CN")  # after the command too
    assert "列出路由提供的模型" in after.stdout


@pytest.mark.parametrize(
    "environment",
    [{}, {"LANG": "C"}, {"LANG": "en_US.UTF-8"}, {"LANG": ""}, {"LANG": "fr_FR.UTF-8"}],
)
def test_english_stays_the_default(home: Path, environment: dict[str, str]) -> None:
    env = user_env(home, environment)
    env.pop("LANG") if environment.get("LANG") == "" else None
    done = subprocess.run(
        [sys.executable, "-m", "r9s.cli", "models", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: r9s models")
    assert "list the models the router serves" in done.stdout
    assert not chinese(done.stdout)


def test_an_unknown_language_is_one_clear_line(home: Path) -> None:
    for args, env, named in (
        (("--lang", "xx", "models"), {}, "--lang 'xx'"),
        (("models", "--lang=zh-TW"), {}, "--lang 'zh-TW'"),
        (("models",), {"R9S_LANG": "fr"}, "R9S_LANG 'fr'"),
    ):
        done = r9s(home, *args, env=env)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"r9s: error: {named}: not a language r9s speaks")
        assert "en, zh-CN" in done.stderr


def test_errors_in_chinese(home: Path, api: LocalServer) -> None:
    no_key = r9s(home, "models", "--base-url", api.url, env={"R9S_LANG": "zh-CN"})
    assert no_key.returncode != 0
    assert no_key.stderr.startswith("r9s：错误：没有 API 密钥：请运行 `r9s login`"), no_key.stderr

    connection = {"R9S_BASE_URL": api.url, "R9S_API_KEY": KEY, "LANG": "zh_CN.UTF-8"}
    unknown = r9s(home, "chat", "-m", "gpt-4o-minni", "--no-log", "hi", env=connection)
    assert unknown.returncode == 1
    assert "未找到模型 'gpt-4o-minni'；你是想用 gpt-4o-mini" in unknown.stderr, unknown.stderr

    rejected = r9s(home, "models", "--api-key", "sk-wrong", env=connection)
    assert "认证失败（401）" in rejected.stderr, rejected.stderr

    typo = r9s(home, "images", "generat", env=connection)  # argparse's error, translated
    assert typo.returncode == 2
    assert typo.stderr.startswith("用法：r9s images"), typo.stderr
    assert "r9s images：错误：参数 ACTION：无效的选择：'generat'" in typo.stderr
    assert "你是想用 'generate' 吗？" in typo.stderr


def test_set_summary_in_chinese(home: Path, api: LocalServer) -> None:
    args = ("set", "claude-code", "--yes", "--api-key", KEY, "--base-url", api.url)
    done = r9s(home, *args, "--model", "claude-sonnet-4-5", env={"R9S_LANG": "zh-CN"})
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "撤销：r9s reset claude-code" in out, out
    assert "claude-sonnet-4-5" in out and "~/.claude/settings.json" in out
    # the config file itself is the tool's, never translated
    settings = (home / ".claude" / "settings.json").read_text("utf-8")
    assert not chinese(settings)

    english = r9s(home, *args, "--model", "claude-haiku-4-5")
    assert "Undo with: r9s reset claude-code" in english.stdout + english.stderr
    assert not chinese(english.stdout + english.stderr)


def test_english_help_loads_no_catalogue(home: Path) -> None:
    """``r9s --help`` in English opens no .mo file and imports no i18n machinery beyond
    argparse's own; in Chinese it reads the one catalogue."""
    probe = textwrap.dedent(
        """
        import builtins, io, sys
        opened = []
        real_open = io.open
        def spy(file, *args, **kwargs):
            opened.append(str(file))
            return real_open(file, *args, **kwargs)
        io.open = spy
        import pathlib
        pathlib.io.open = spy
        from r9s.cli.common import i18n
        from r9s.cli.main import main
        try:
            main(sys.argv[1:])
        except SystemExit:
            pass
        print("MO", [name for name in opened if name.endswith(".mo")], i18n.language())
        print("BABEL", "babel" in sys.modules)
        """
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            env=user_env(home),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    english = run("--help")
    assert "MO [] en" in english
    assert "BABEL False" in english
    chinese_help = run("--lang", "zh-CN", "--help")
    assert "r9s.mo'] zh_CN" in chinese_help
    assert "BABEL False" in chinese_help
