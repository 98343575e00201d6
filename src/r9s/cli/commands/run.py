"""``r9s run TOOL [-- ARGS]``: run a coding tool against r9s for one run, touching no file."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from r9s.cli.commands._args import add_target_arguments, add_tool_argument
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
r9s's own options come before TOOL; everything after TOOL goes to the tool untouched
(a `--` right after TOOL is dropped). r9s is injected for this run only:
{injections}The key never appears on the tool's command line: it goes through the environment, or
a private file that exists only in memory (Linux: nothing is left on disk, even if the
tool is killed). r9s then becomes the tool (exec), so its exit status is the tool's and
r9s's own command line, --api-key included, is gone from `ps`. (llm, which needs a
folder, gets a private one on disk, removed when it exits.) Better still, keep the
key out of the command line and your shell history: R9S_API_KEY, or `r9s login`.

examples:
  r9s run claude -- -p "explain this repository"
  r9s run --model gpt-4o codex exec --skip-git-repo-check "write a test"
  R9S_MODEL=qwen-plus r9s run qwen
""")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from r9s.cli.tools._docs import help_table

    parser.epilog = _(EPILOG).format(injections=help_table(lambda tool: tool.injects.help))
    add_target_arguments(parser)
    add_tool_argument(parser, optional=False)
    parser.add_argument(
        "tool_args", nargs=argparse.REMAINDER, metavar="ARGS", help=_("for the tool")
    )


def run(args: argparse.Namespace) -> int:
    import os
    import shutil

    from r9s.cli.common import interact
    from r9s.cli.tools._configure import read_configs
    from r9s.cli.tools._target import pick_tool, resolve_target

    tool = pick_tool(args.tool, interactive=False)
    executable = shutil.which(tool.executable)
    if executable is None:
        raise FileNotFoundError(
            _("{executable} is not on PATH; install it with: {install_hint}").format(
                executable=tool.executable, install_hint=tool.install_hint
            )
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

    def command(paths: dict[str, str], folder: Path | None = None) -> list[str]:
        replacements = {f"{{file:{name}}}": path for name, path in paths.items()}
        if folder is not None:
            replacements["{dir}"] = str(folder)
        env.update({name: replacements.get(value, value) for name, value in plan.env.items()})
        return [executable, *(replacements.get(arg, arg) for arg in plan.args), *tool_args]

    # A tool given a whole folder ({dir}: llm writes its log there too) gets one on disk.
    wants_folder = "{dir}" in (*plan.args, *plan.env.values())
    in_memory = None if wants_folder else _memory_files(plan.files)
    if in_memory is not None and os.name == "posix":
        paths, fds = in_memory
        argv = command(paths)
        for fd in fds:
            os.set_inheritable(fd, True)
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(executable, argv, env)  # does not return
    with _private_folder() as folder:  # no memory files here: on disk, 0700, deleted after
        paths = {}
        for name, content in plan.files.items():
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            paths[name] = str(path)
        return _spawn(command(paths, folder), env)


def _memory_files(files: dict[str, str]) -> tuple[dict[str, str], list[int]] | None:
    """Each file as an anonymous file in memory (Linux's memfd), named by a path the tool
    can open (``/dev/fd/N``) for as long as it runs; None where there are none."""
    import os

    if not files:
        return {}, []
    if not hasattr(os, "memfd_create") or not os.path.isdir("/dev/fd"):
        return None
    paths: dict[str, str] = {}
    fds: list[int] = []
    for name, content in files.items():
        try:
            fd = os.memfd_create(f"r9s-{name}", os.MFD_CLOEXEC)
        except OSError:
            return None
        os.fchmod(fd, 0o600)
        os.write(fd, content.encode("utf-8"))
        os.lseek(fd, 0, os.SEEK_SET)
        paths[name] = f"/dev/fd/{fd}"
        fds.append(fd)
    return paths, fds


@contextlib.contextmanager
def _private_folder() -> Iterator[Path]:
    """A private temporary folder (``r9s-run-<pid>-*``), removed on the way out; folders
    that an r9s killed before cleaning up left behind are removed first."""
    import os
    import re
    import shutil
    import tempfile

    root = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for entry in root.iterdir():
            match = re.fullmatch(r"r9s-run-(\d+)-\w+", entry.name)
            mine = not hasattr(os, "getuid") or entry.stat().st_uid == os.getuid()
            if match and entry.is_dir() and mine:
                pid = int(match[1])
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    shutil.rmtree(entry, ignore_errors=True)
                except OSError:
                    pass
    folder = Path(tempfile.mkdtemp(prefix=f"r9s-run-{os.getpid()}-"))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
