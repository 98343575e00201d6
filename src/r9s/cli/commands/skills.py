"""``r9s skills``: Agent Skills (folders with a SKILL.md) for ``r9s chat --skill NAME``."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import subcommands
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
A skill is a folder with a SKILL.md: YAML front matter (name, description) then
instructions; the format Claude Code and Codex read. Installed skills live in
~/.r9s/skills/NAME/; `r9s chat --skill NAME` adds the instructions to the system prompt.

examples:
  r9s skills install ./pdf-tools                   a folder with a SKILL.md
  r9s skills install https://github.com/me/skills.git   every skill of a repository
  r9s skills list
  r9s skills show pdf-tools
  r9s skills validate ./my-skill
  r9s chat --skill pdf-tools "Which tool splits a PDF?"
""")

EXAMPLES = {
    "list": N_("examples:\n  r9s skills list\n"),
    "show": N_("examples:\n  r9s skills show pdf-tools\n"),
    "validate": N_("""\
Checks the front matter against the Agent Skills format: name (1-64 lowercase letters,
digits, single hyphens; the folder's name), description (1-1024 characters), the
optional fields, and no symlink leading out of the folder. Exit status 1 on an error.

examples:
  r9s skills validate ./my-skill
  r9s skills validate pdf-tools                    an installed one
"""),
    "install": N_("""\
SOURCE is a folder with a SKILL.md, a folder of skill folders (also under skills/), or
a git repository of either (URL, or a bare repository's folder; cloned with --depth 1).

examples:
  r9s skills install ./pdf-tools
  r9s skills install git@github.com:me/skills.git --force    replace installed ones
"""),
    "rm": N_("examples:\n  r9s skills rm pdf-tools\n"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    action = subcommands(parser, EXAMPLES)

    action("list", "the installed skills")
    action("show", "an installed skill's SKILL.md and files").add_argument("name", metavar="NAME")
    action("validate", "check a skill folder (or an installed skill)").add_argument(
        "target", metavar="PATH|NAME"
    )
    install = action("install", "install skills from a folder or a git repository")
    install.add_argument("source", metavar="PATH|GIT")
    install.add_argument("--force", action="store_true", help=_("replace skills of the same name"))
    action("rm", "remove an installed skill").add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import interact, skills
    from r9s.cli.common.files import display

    if args.action == "list":
        found, broken = skills.installed()
        if not found and not broken:
            interact.say(_("No skills installed: r9s skills install PATH|GIT"))
            return 0
        width = max(len(skill.name) for skill in found) if found else 0
        for skill in found:
            print(f"{skill.name:<{width}}  {' '.join(skill.description.split())[:80]}")
        for name, problem in broken:
            interact.warn(f"{display(skills.skills_dir() / name)}: {problem}")
        return 0
    if args.action == "show":
        skill = skills.load(args.name)
        print(f"# {display(skill.folder)}")
        print((skill.folder / skills.SKILL_FILE).read_text("utf-8"), end="")
        others = sorted(
            str(p.relative_to(skill.folder))
            for p in skill.folder.rglob("*")
            if p.is_file() and p.name != skills.SKILL_FILE
        )
        if others:
            print("\n# files: " + ", ".join(others))
        return 0
    if args.action == "validate":
        return _validate(args.target)
    if args.action == "rm":
        removed = skills.remove(args.name)
        interact.say(
            _("Removed skill {name} ({display}).").format(name=args.name, display=display(removed))
        )
        return 0
    result = skills.install(args.source, force=args.force)
    for warning in result.warnings:
        interact.warn(warning)
    for name in result.names:
        interact.say(
            _("Installed {name} ({display})").format(
                name=name, display=display(skills.skills_dir() / name)
            )
        )
    for failure in result.failures:
        interact.error(failure)
    return 1 if result.failures else 0


def _validate(target: str) -> int:
    from pathlib import Path

    from r9s.cli.common import interact, skills

    path = Path(target).expanduser()
    if path.is_file() and path.name == skills.SKILL_FILE:
        path = path.parent
    if not path.exists():
        skills.check_skill_name(target)  # not a path: an installed skill's name
        path = skills.skills_dir() / target
        if not path.exists():
            raise skills.SkillError(
                _("no folder {target!r} and no installed skill of that name").format(target=target)
            )
    found = skills.check_folder(path)
    for error in found.errors:
        print(_("error: {error}").format(error=error))
    for warning in found.warnings:
        print(_("warning: {warning}").format(warning=warning))
    if found.skill is not None:
        if found.warnings:
            interact.say(_("{name}: valid (with warnings)").format(name=found.skill.name))
        else:
            interact.say(_("{name}: valid").format(name=found.skill.name))
    return 1 if found.errors else 0
