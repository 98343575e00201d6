"""``r9s agents``: named, versioned instructions, model, params and skills, with history."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from r9s.cli.commands._args import subcommands
from r9s.cli.common.i18n import N_, _

if TYPE_CHECKING:
    from r9s.cli.common.templates import Preset

EPILOG = N_("""\
An agent is ~/.r9s/agents/NAME/v1.toml, v2.toml...: every change makes a new version
and none is ever rewritten, so `diff` and `rollback` always have the history. Use one
with `r9s chat --agent NAME` (or NAME@V for a given version).

examples:
  r9s agents create reviewer -i "You review Python code." -m claude-sonnet-4-5
  r9s chat --agent reviewer "$(cat app.py)"
  r9s agents edit reviewer --param temperature 0.2 --note "calmer"
  r9s agents edit reviewer              opens $EDITOR: saving makes a new version
  r9s agents versions reviewer
  r9s agents diff reviewer 1 2
  r9s agents rollback reviewer 1        a new version with v1's content
  r9s agents rm reviewer
""")

EXAMPLES = {
    "create": N_("""\
Without --instructions, on a terminal, opens $EDITOR on a new agent.

examples:
  r9s agents create reviewer -i "You review Python code." -m claude-sonnet-4-5
  r9s agents create writer --skill style-guide --param temperature 0.9
"""),
    "list": N_("examples:\n  r9s agents list\n"),
    "show": N_("examples:\n  r9s agents show reviewer\n  r9s agents show reviewer --version 1\n"),
    "edit": N_("""\
With flags, changes those settings; without, opens $EDITOR on the latest version.

examples:
  r9s agents edit reviewer
  r9s agents edit reviewer -m gpt-4o --note "try gpt-4o"
"""),
    "versions": N_("examples:\n  r9s agents versions reviewer\n"),
    "diff": N_("""\
examples:
  r9s agents diff reviewer 1 3
  r9s agents diff reviewer v2            v2 against the latest
"""),
    "rollback": N_("examples:\n  r9s agents rollback reviewer 2\n"),
    "rm": N_("examples:\n  r9s agents rm reviewer\n  r9s agents rm reviewer --yes\n"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    add = subcommands(parser, EXAMPLES)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        child = add(name, text)
        if name != "list":
            child.add_argument("name", metavar="NAME")
        return child

    def content_flags(child: argparse.ArgumentParser) -> None:
        child.add_argument("-i", "--instructions", metavar="TEXT", help=_("the system prompt"))
        child.add_argument("-m", "--model", metavar="MODEL", help=_("model id"))
        child.add_argument("--api", choices=("chat", "messages", "responses"), help=_("endpoint"))
        child.add_argument(
            "--param",
            nargs=2,
            action="append",
            metavar=("KEY", "VALUE"),
            help=_("a request option, as r9s chat -o KEY VALUE (repeatable)"),
        )
        child.add_argument(
            "--skill", action="append", metavar="NAME", help=_("a skill (repeatable)")
        )
        child.add_argument("-d", "--description", metavar="TEXT", help=_("what it is for"))
        child.add_argument("--note", metavar="TEXT", default="", help=_("why this version"))

    content_flags(action("create", "make an agent (version 1)"))
    action("list", "the agents and their latest version")
    action("show", "an agent's latest (or given) version").add_argument(
        "--version", metavar="V", help=_("this version")
    )
    edit = action("edit", "make a new version: in $EDITOR, or from flags")
    content_flags(edit)
    edit.add_argument("--no-skills", action="store_true", help=_("remove every skill"))
    action("versions", "an agent's versions, oldest first")
    diff = action("diff", "what changed between two versions")
    diff.add_argument("first", metavar="V1")
    diff.add_argument("second", nargs="?", metavar="V2", help=_("default: the latest"))
    rollback = action("rollback", "a new version with an old version's content")
    rollback.add_argument("version", metavar="V")
    rollback.add_argument("--note", metavar="TEXT", default="", help=_("why"))
    action("rm", "delete an agent and all its versions").add_argument(
        "-y", "--yes", action="store_true", help=_("do not ask")
    )


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import agents, interact
    from r9s.cli.common.files import display

    if args.action == "list":
        names = agents.agent_names()
        if not names:
            interact.say(_("No agents yet: r9s agents create NAME"))
            return 0
        width = max(len(name) for name in names)
        for name in names:
            latest = agents.version(name)
            about = latest.preset.description or (latest.preset.system or "")
            about = " ".join(about.split())[:50]
            model = latest.preset.model or "(default model)"
            print(f"{name:<{width}}  v{latest.number}  {model}  {about}".rstrip())
        return 0
    from r9s.cli.common.templates import check_name

    name = check_name(args.name, "agent")
    if args.action == "create":
        return _create(args, name)
    if args.action == "show":
        number = agents.parse_version(args.version) if args.version else None
        found = agents.version(name, number)
        note = f": {found.note}" if found.note else ""
        print(f"# {name} v{found.number}, {found.created}{note}")
        print(agents.body_text(found.preset), end="")
        return 0
    if args.action == "edit":
        return _edit(args, name)
    if args.action == "versions":
        for item in agents.versions(name):
            note = f"  {item.note}" if item.note else ""
            model = item.preset.model or "(default model)"
            print(f"v{item.number}  {item.created}  {model}{note}")
        return 0
    if args.action == "diff":
        first = agents.version(name, agents.parse_version(args.first))
        second = agents.version(name, agents.parse_version(args.second) if args.second else None)
        text = agents.diff(name, first, second)
        if not text:
            text = f"v{first.number} and v{second.number} are the same\n"
        print(text, end="")
        return 0
    if args.action == "rollback":
        old = agents.version(name, agents.parse_version(args.version))
        note = args.note or f"rollback to v{old.number}"
        new = agents.save_version(name, old.preset, note)
        interact.say(
            _("{name} v{number}: the content of v{number2} ({display})").format(
                name=name, number=new.number, number2=old.number, display=display(new.path)
            )
        )
        return 0
    # rm
    count = len(agents.versions(name))
    if not args.yes:
        if not interact.is_interactive():
            raise interact.NotInteractive(
                _("r9s agents rm {name} asks first: add --yes").format(name=name)
            )
        if not interact.confirm(
            _("Delete agent {name} and its {count} versions?").format(name=name, count=count),
            default=False,
        ):
            interact.say(_("Nothing deleted."))
            return 1
    agents.remove_agent(name)
    interact.say(_("Deleted agent {name} ({count} versions).").format(name=name, count=count))
    return 0


def _apply_flags(args: argparse.Namespace, preset: Preset) -> Preset:
    from dataclasses import replace

    from r9s.cli.common.skills import check_skill_name
    from r9s.cli.common.templates import check_options, parse_value

    changes: dict[str, object] = {}
    if args.instructions is not None:
        changes["system"] = args.instructions or None
    if args.model is not None:
        changes["model"] = args.model or None
    if args.api is not None:
        changes["api"] = args.api
    if args.description is not None:
        changes["description"] = args.description
    if args.param:
        options = dict(preset.options)
        for key, value in args.param:
            options[key] = parse_value(value)
        changes["options"] = check_options(options, "--param")
    skills = list(preset.skills)
    if getattr(args, "no_skills", False):
        skills = []
        changes["skills"] = skills
    for skill in args.skill or []:
        if check_skill_name(skill) not in skills:
            skills.append(skill)
        changes["skills"] = skills
    return replace(preset, **changes)  # type: ignore[arg-type]


def _has_flags(args: argparse.Namespace) -> bool:
    return any(
        value
        for value in (
            args.instructions is not None,
            args.model is not None,
            args.api,
            args.param,
            args.skill,
            args.description is not None,
            getattr(args, "no_skills", False),
        )
    )


def _create(args: argparse.Namespace, name: str) -> int:
    from r9s.cli.common import agents, interact
    from r9s.cli.common.files import display
    from r9s.cli.common.templates import Preset, TemplateError, edit_text

    if agents.exists(name):
        raise TemplateError(
            _(
                "an agent {name!r} exists already: `r9s agents edit {name}` makes a new version"
            ).format(name=name)
        )
    preset = _apply_flags(args, Preset())
    if args.instructions is None:
        if not interact.is_interactive():
            raise interact.NotInteractive(_("give the agent's instructions: -i TEXT"))
        skeleton = agents.content_text(name, preset, 1)
        edited = edit_text(skeleton, f"{name}.toml", lambda t: agents.parse_content(t, name))
        if edited is None:
            interact.say(_("Nothing saved."))
            return 1
        preset = agents.parse_content(edited, name)
    made = agents.save_version(name, preset, args.note, new=True)
    interact.say(
        _("Made agent {name} v1 ({display}): r9s chat --agent {name}").format(
            name=name, display=display(made.path)
        )
    )
    return 0


def _edit(args: argparse.Namespace, name: str) -> int:
    from r9s.cli.common import agents, interact
    from r9s.cli.common.files import display
    from r9s.cli.common.templates import edit_text

    latest = agents.version(name)
    preset: Preset
    if _has_flags(args):
        preset = _apply_flags(args, latest.preset)
    else:
        text = agents.content_text(name, latest.preset, latest.number + 1)
        edited = edit_text(text, f"{name}.toml", lambda t: agents.parse_content(t, name))
        if edited is None:
            interact.say(
                _("{name} unchanged (still v{number}).").format(name=name, number=latest.number)
            )
            return 0
        preset = agents.parse_content(edited, name)
    if preset == latest.preset:
        interact.say(
            _("{name} unchanged (still v{number}).").format(name=name, number=latest.number)
        )
        return 0
    new = agents.save_version(name, preset, args.note)
    interact.say(
        _("{name} v{number} saved ({display})").format(
            name=name, number=new.number, display=display(new.path)
        )
    )
    return 0
