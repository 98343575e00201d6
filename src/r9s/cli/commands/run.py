"""``r9s run TOOL [-- ARGS]``: run a coding tool against r9s for one run, touching no file."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import add_target_arguments, add_tool_argument

EPILOG = """\
r9s's own options come before TOOL; everything after TOOL goes to the tool untouched
(a `--` right after TOOL is dropped). r9s is injected for this run only:
{injections}The key never appears on the command line. The tool's exit status is r9s's.

examples:
  r9s run claude -- -p "explain this repository"
  r9s run --model gpt-4o codex exec --skip-git-repo-check "write a test"
  R9S_MODEL=qwen-plus r9s run qwen
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.tools._docs import help_table

    parser.epilog = EPILOG.format(injections=help_table(lambda tool: tool.injects.help))
    add_target_arguments(parser)
    add_tool_argument(parser, optional=False)
    parser.add_argument("tool_args", nargs=argparse.REMAINDER, metavar="ARGS", help="for the tool")


def run(args: argparse.Namespace) -> int:
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from r9s.cli.common import interact
    from r9s.cli.tools._configure import read_configs
    from r9s.cli.tools._target import pick_tool, resolve_target

    tool = pick_tool(args.tool, interactive=False)
    executable = shutil.which(tool.executable)
    if executable is None:
        raise FileNotFoundError(
            f"{tool.executable} is not on PATH; install it with: {tool.install_hint}"
        )
    target, _sources = resolve_target(tool, args, interact.is_interactive())
    plan = tool.run_plan(target)
    states = read_configs(tool, Path.home(), os.environ)
    for note in tool.run_notes([state.values for state in states]):
        interact.warn(note)
    tool_args = list(args.tool_args)
    if tool_args[:1] == ["--"]:
        tool_args = tool_args[1:]
    env = {k: v for k, v in os.environ.items() if k not in plan.unset}
    with tempfile.TemporaryDirectory(prefix="r9s-run-") as private:  # mode 0700
        replacements = {"{dir}": private}
        for name, content in plan.files.items():
            path = Path(private) / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            replacements[f"{{file:{name}}}"] = str(path)
        leading = [replacements.get(arg, arg) for arg in plan.args]
        env.update({name: replacements.get(value, value) for name, value in plan.env.items()})
        return _spawn([executable, *leading, *tool_args], env)


def _spawn(argv: list[str], env: dict[str, str]) -> int:
    """Run ``argv`` in the foreground; Ctrl-C reaches the tool, not us."""
    import signal
    import subprocess

    process = subprocess.Popen(argv, env=env)

    def forward(signum: int, frame: object) -> None:
        process.send_signal(signum)

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
    }
    if hasattr(signal, "SIGHUP"):
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, forward)
    try:
        code = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code
