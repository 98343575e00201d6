"""``r9s templates``: the saved prompts of ``r9s chat -t NAME``."""

from __future__ import annotations

import argparse

from r9s.cli.commands._args import subcommands
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
A template is ~/.r9s/templates/NAME.toml: a system prompt, a prompt with $variables,
a model, an API, options, skills. Make one with `r9s chat ... --save NAME` or
`r9s templates edit NAME`; use it with `r9s chat -t NAME -p VARIABLE VALUE`.
Values are inserted as they are: nothing in them is run or read.

examples:
  r9s chat --save tr -s 'You translate.' 'Into $lang: $input'
  r9s chat -t tr -p lang French "Good morning"
  r9s templates list
  r9s templates show tr
  r9s templates edit tr                opens $EDITOR (a new name: a new template)
  r9s templates rm tr
""")

EXAMPLES = {
    "list": N_("examples:\n  r9s templates list\n"),
    "show": N_("examples:\n  r9s templates show tr\n"),
    "edit": N_("""\
Opens $VISUAL or $EDITOR on a copy; the template changes only when the copy is valid.

examples:
  r9s templates edit tr
  EDITOR="code --wait" r9s templates edit review
"""),
    "rm": N_("examples:\n  r9s templates rm tr\n"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    action = subcommands(parser, EXAMPLES)

    action("list", "the templates, with their variables")
    action("show", "a template's file").add_argument("name", metavar="NAME")
    action("edit", "change (or make) a template in your editor").add_argument(
        "name", metavar="NAME"
    )
    action("rm", "delete a template").add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    from r9s.cli.common import interact
    from r9s.cli.common.files import KEY_FILE_MODE, display, write_atomic
    from r9s.cli.common.templates import (
        TEMPLATE_KEYS,
        Preset,
        check_name,
        edit_text,
        load_template,
        parse_document,
        remove_template,
        template_names,
        template_path,
        template_text,
    )

    if args.action == "list":
        names = template_names()
        if not names:
            interact.say(
                _("No templates yet: r9s chat ... --save NAME, or r9s templates edit NAME")
            )
            return 0
        width = max(len(name) for name in names)
        for name in names:
            try:
                preset = load_template(name)
            except Exception as exc:  # one broken file must not hide the others
                from r9s.cli.common.errors import describe

                print(f"{name:<{width}}  (unreadable: {describe(exc)})")
                continue
            variables = " ".join(f"${v}" for v in preset.variables())
            about = preset.description or (preset.system or preset.prompt or "").strip()
            about = " ".join(about.split())[:60]
            print(f"{name:<{width}}  {about}{'  ' + variables if variables else ''}".rstrip())
        return 0
    name = check_name(args.name)
    path = template_path(name)
    if args.action == "show":
        load_template(name)  # a missing or broken template is an error, not a blank
        print(path.read_text("utf-8"), end="")
        return 0
    if args.action == "rm":
        removed = remove_template(name)
        interact.say(
            _("Deleted template {name} ({display})").format(name=name, display=display(removed))
        )
        return 0
    # edit
    exists = path.exists()
    text = path.read_text("utf-8") if exists else template_text(name, Preset(prompt="$input"))
    edited = edit_text(text, f"{name}.toml", lambda new: parse_document(new, TEMPLATE_KEYS, name))
    if edited is None:
        if exists:
            interact.say(_("Template {name} unchanged.").format(name=name))
        else:
            interact.say(_("Nothing saved."))
        return 0
    write_atomic(path, edited.encode("utf-8"), KEY_FILE_MODE)
    interact.say(
        (
            _("Saved template {name} ({display})")
            if exists
            else _("Made template {name} ({display})")
        ).format(name=name, display=display(path))
    )
    return 0
