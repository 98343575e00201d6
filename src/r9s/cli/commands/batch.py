"""``r9s batch``: send a file of requests (or prompts) resumably, at the rate the API allows."""

from __future__ import annotations

import argparse
from typing import Any

from r9s.cli.commands._args import add_connection_arguments, subcommands
from r9s.cli.common.i18n import N_, _

EPILOG = N_("""\
actions:
  run            send every row of FILE; records go to -o (one line per row)
  status         what an output holds and how its last run ended
  retry-failed   send again the rows whose records are failures

examples:
  r9s batch run requests.jsonl -o results.jsonl
  r9s batch run prompts.txt --model gpt-4o-mini -o answers.jsonl
  r9s batch status results.jsonl
  r9s batch retry-failed results.jsonl
""")

RUN_EPILOG = N_("""\
FILE: OpenAI's batch format ({"custom_id", "method", "url", "body"} a line), Anthropic's
({"custom_id", "params"}), or prompts (a text file, a CSV/JSONL --column). One output line
per row; run it again to resume (answered rows are never sent again). See docs/batch.md.

exit status: 0 all rows answered, 1 some failed, 2 bad input (nothing sent), 3 stopped

examples:
  r9s batch run requests.jsonl -o results.jsonl --rpm 500
  r9s batch run prompts.txt --model gpt-4o-mini --system "Be brief." -o answers.jsonl
  r9s batch run reviews.csv --column text --template "Sentiment: {text}" --model gpt-4o-mini
  r9s batch run requests.jsonl --max-cost 20 --price 2.5,10 --ray auto
""")

STATUS_EPILOG = N_("""\
examples:
  r9s batch status results.jsonl
  r9s batch status results.jsonl --json | jq .remaining
""")

RETRY_EPILOG = N_("""\
Sends again the rows whose records are failures (an error status such as 400 or 500, or no
answer at all), with the options the output was made with, and puts the new records in
their place. A run of it that is stopped resumes like `run` does.

examples:
  r9s batch retry-failed results.jsonl
  r9s batch retry-failed results.jsonl --input fixed-requests.jsonl --allow-changed-input
""")

EXAMPLES = {"run": RUN_EPILOG, "status": STATUS_EPILOG, "retry-failed": RETRY_EPILOG}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    action = subcommands(parser, EXAMPLES)
    run = action("run", "send every row of an input file")
    run.add_argument("input", metavar="FILE", help=_("the requests or prompts"))
    run.add_argument(
        "-o", "--output", metavar="FILE", help=_("default: FILE's stem + .output.jsonl")
    )
    quick = run.add_argument_group(_("prompts (a text file, or a CSV/JSONL column)"))
    quick.add_argument("--model", metavar="MODEL", help=_("the model ($R9S_MODEL)"))
    quick.add_argument("--system", metavar="TEXT", help=_("a system prompt"))
    quick.add_argument("--template", metavar="TEXT", help=_("{text}: the line; {name}: a column"))
    quick.add_argument("--column", metavar="NAME", help=_("the column holding the prompt"))
    quick.add_argument("--id-column", metavar="NAME", help=_("the column holding the row's id"))
    quick.add_argument(
        "--url",
        default="/v1/chat/completions",
        choices=_urls(),
        metavar="URL",
        help=_(
            "/v1/chat/completions (default), /v1/responses, /v1/messages, /v1/completions, "
            "/v1/embeddings"
        ),
    )
    quick.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help=_("a body field (VALUE: JSON or text)"),
    )
    quick.add_argument(
        "--format",
        default="auto",
        choices=("auto", "jsonl", "text", "csv"),
        metavar="FORMAT",
        help=_("auto (default), jsonl, text or csv"),
    )
    _add_sending(run)
    run.add_argument("--resume", action="store_true", help=_("insist on an output to go on with"))
    run.add_argument(
        "--overwrite", action="store_true", help=_("set OUTPUT aside (.bak), start over")
    )
    run.add_argument(
        "--allow-changed-input", action="store_true", help=_("go on although FILE has changed")
    )
    run.add_argument(
        "--ray", metavar="ADDRESS", help=_("on Ray: auto, local, ray://... (r9s[ray])")
    )
    _add_reporting(run)
    add_connection_arguments(run, timeout=N_("seconds per request (default 600)"))

    status = action("status", "what an output holds and how its last run ended")
    status.add_argument("output", metavar="FILE", help=_("an output of r9s batch run"))
    status.add_argument("--json", action="store_true", help=_("the status as JSON"))

    retry = action("retry-failed", "send again the rows whose records are failures")
    retry.add_argument("output", metavar="FILE", help=_("an output of r9s batch run"))
    retry.add_argument(
        "--input",
        metavar="FILE",
        help=_("the input (default: the file the output was made from)"),
    )
    retry.add_argument(
        "--allow-changed-input",
        action="store_true",
        help=_("accept an input that changed since (fixed rows, say)"),
    )
    _add_sending(retry)
    _add_reporting(retry)
    add_connection_arguments(retry, timeout=N_("seconds per request (default 600)"))


def _urls() -> tuple[str, ...]:
    return (
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/embeddings",
        "/v1/completions",
        "/v1/messages",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a whole number, not {text!r}").format(text=text)
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1, not {value}").format(value=value))
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a number, not {text!r}").format(text=text)
        ) from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            _("must be a positive number, not {text}").format(text=text)
        )
    return value


def _add_sending(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(_("sending"))
    group.add_argument(
        "--concurrency", type=_positive_int, default=32, metavar="N", help=_("to start with (32)")
    )
    group.add_argument(
        "--max-concurrency", type=_positive_int, default=256, metavar="N", help=_("at most (256)")
    )
    group.add_argument("--rpm", type=_positive, metavar="N", help=_("requests a minute, at most"))
    group.add_argument("--tpm", type=_positive, metavar="N", help=_("tokens a minute, at most"))
    group.add_argument(
        "--max-tokens", type=_positive_int, metavar="N", help=_("token budget (the whole output)")
    )
    group.add_argument(
        "--max-cost", type=_positive, metavar="USD", help=_("cost budget (needs --price)")
    )
    group.add_argument("--price", metavar="IN,OUT", help=_("dollars per million tokens"))
    group.add_argument(
        "--pack", type=_positive_int, metavar="N", help=_("embeddings per request (2048)")
    )
    group.add_argument(
        "--max-retries", type=int, default=6, metavar="N", help=_("for 5xx and network errors (6)")
    )


def _add_reporting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("the summary as JSON on stdout"))
    parser.add_argument(
        "-q", "--quiet", action="store_true", help=_("no progress, only the summary")
    )


# -- running ---------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.action == "status":
        return _status(args)
    from r9s.batch import BatchInputError, OutputConflictError

    try:
        return _send(args)
    except BatchInputError as exc:
        _error(str(exc))
        return 2
    except OutputConflictError as exc:
        _error(str(exc))
        return 2


def _error(message: str) -> None:
    import sys

    from r9s.cli.common.errors import describe

    print(_("r9s: error: {message}").format(message=describe(Exception(message))), file=sys.stderr)


def _params(pairs: list[str] | None) -> dict[str, Any]:
    import json

    from r9s.batch import BatchInputError

    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BatchInputError(_("--param expects KEY=VALUE, not {pair!r}").format(pair=pair))
        try:
            params[key.strip()] = json.loads(value)
        except ValueError:
            params[key.strip()] = value
    return params


def _progress(args: argparse.Namespace) -> str:
    import sys

    if args.quiet:
        return "off"
    return "bar" if sys.stderr.isatty() else "lines"


def _send(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from r9s import batch
    from r9s.cli.common.api import client, connection

    sending = dict(
        concurrency=args.concurrency,
        max_concurrency=max(args.max_concurrency, args.concurrency),
        rpm=args.rpm,
        tpm=args.tpm,
        max_tokens=args.max_tokens,
        max_cost=args.max_cost,
        prices=args.price,
        pack=args.pack,
        max_retries=args.max_retries,
        timeout=args.timeout,
        progress=_progress(args),
    )
    conn = connection(args.api_key, args.base_url)
    sdk = client(conn, timeout=args.timeout)  # no key: fails here, before anything is read
    control = batch.Control()
    if args.action == "retry-failed":
        output = Path(args.output)
        job = batch.retry_failed_async(
            output,
            input=args.input,
            client=sdk,
            allow_changed_input=args.allow_changed_input,
            control=control,
            **sending,
        )
    else:
        input_path = Path(args.input)
        output = Path(args.output) if args.output else _default_output(input_path)
        options = _input_options(args, input_path)
        if args.ray:
            from r9s.integrations.ray import run_on_ray

            summary = run_on_ray(
                args.ray,
                input_path,
                output,
                client_options={"api_key": conn.api_key, "server_url": conn.base_url},
                resume=args.resume,
                overwrite=args.overwrite,
                allow_changed_input=args.allow_changed_input,
                **options,
                **sending,
            )
            return _report(summary, args)
        job = batch.run_async(
            input_path,
            output,
            client=sdk,
            resume=args.resume,
            overwrite=args.overwrite,
            allow_changed_input=args.allow_changed_input,
            control=control,
            **options,
            **sending,
        )
    summary = asyncio.run(_with_signals(job, control))
    return _report(summary, args)


def _input_options(args: argparse.Namespace, path: Any) -> dict[str, Any]:
    from r9s.batch import Source

    options: dict[str, Any] = {
        "model": args.model,
        "system": args.system,
        "template": args.template,
        "column": args.column,
        "id_column": args.id_column,
        "url": args.url,
        "params": _params(args.param),
        "input_format": args.format,
    }
    if args.model is None and Source(path, args.format, column=args.column).quick:
        from r9s.cli.common.settings import resolve

        options["model"] = resolve(None, "R9S_MODEL").value
    return options


def _default_output(input_path: Any) -> Any:
    stem = input_path.name.rsplit(".", 1)[0] if "." in input_path.name else input_path.name
    return input_path.with_name(stem + ".output.jsonl")


async def _with_signals(job: Any, control: Any) -> Any:
    """Run ``job``; the first Ctrl-C (or SIGTERM) stops it cleanly (requests in flight
    finish and are written), a second one abandons them."""
    import asyncio
    import signal
    import sys

    task = asyncio.ensure_future(job)
    loop = asyncio.get_running_loop()
    presses = 0

    def on_signal() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            print(
                "\n"
                + _(
                    "r9s batch: stopping: waiting for the requests in flight "
                    "(Ctrl-C again to abandon them; they are sent again next run)"
                ),
                file=sys.stderr,
                flush=True,
            )
            control.stop("interrupted (Ctrl-C or SIGTERM)")
        else:
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    try:
        return await task
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _report(summary: Any, args: argparse.Namespace) -> int:
    import json
    import sys

    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(_("r9s batch: {summary}").format(summary=_summary_line(summary)), file=sys.stderr)
        if summary.failed:
            print(
                _(
                    "  {failed} failed rows: `r9s batch status {output}` shows them by status; "
                    "`r9s batch retry-failed {output}` sends them again"
                ).format(failed=f"{summary.failed:,}", output=summary.output),
                file=sys.stderr,
            )
    if summary.state != "finished":
        return 3
    return 1 if summary.failed else 0


def _summary_line(summary: Any) -> str:
    seconds = f"{summary.seconds:.1f}"
    head = {
        "finished": _("finished in {seconds} s").format(seconds=seconds),
        "stopped": _("stopped after {seconds} s: {reason}").format(
            seconds=seconds, reason=summary.reason
        ),
        "interrupted": _("interrupted after {seconds} s").format(seconds=seconds),
    }.get(summary.state, summary.state)
    parts = [
        _("{done}/{rows} rows answered").format(done=f"{summary.done:,}", rows=f"{summary.rows:,}")
    ]
    parts.append(
        _("{ok} ok, {failed} failed").format(ok=f"{summary.ok:,}", failed=f"{summary.failed:,}")
    )
    if summary.remaining:
        parts.append(
            _("{remaining} left (run again to resume)").format(remaining=f"{summary.remaining:,}")
        )
    tokens = summary.input_tokens + summary.output_tokens
    parts.append(_("{tokens} tokens").format(tokens=f"{tokens:,}"))
    if summary.cost is not None:
        parts.append(f"${summary.cost:,.4f}")
    parts.append(
        _("{requests} requests this run, {throttled} throttled").format(
            requests=f"{summary.requests:,}", throttled=f"{summary.throttled:,}"
        )
    )
    return _("{head}; {parts}; output {output}").format(
        head=head, parts=" · ".join(parts), output=summary.output
    )


def _status(args: argparse.Namespace) -> int:
    import json
    import sys

    from r9s.batch import OutputConflictError, status

    try:
        found = status(args.output)
    except OutputConflictError as exc:
        _error(str(exc))
        return 2
    except FileNotFoundError:
        _error(_("{output} does not exist").format(output=args.output))
        return 2
    if args.json:
        print(json.dumps(found.to_dict(), indent=2))
        return 0
    by_status = ", ".join(f"{label}: {count:,}" for label, count in sorted(found.statuses.items()))
    lines = [
        f"output    {found.output}",
        f"input     {found.input}",
        f"state     {found.state}" + (f" ({found.reason})" if found.reason else ""),
        f"rows      {found.done:,}/{found.rows:,} answered, {found.remaining:,} left",
        f"records   {found.ok:,} ok, {found.failed:,} failed"
        + (f" ({by_status})" if by_status else ""),
        f"tokens    {found.input_tokens:,} in, {found.output_tokens:,} out"
        + (f", ${found.cost:,.4f}" if found.cost is not None else ""),
        f"updated   {found.updated or '-'}",
    ]
    if found.retry_pending:
        lines.append(
            f"retry     {found.retry_pending:,} new records of an interrupted retry-failed: "
            f"run `r9s batch retry-failed {found.output}` to finish it"
        )
    elif found.remaining and found.state != "running":
        lines.append(f"next      the same `r9s batch run` again sends the {found.remaining:,} left")
    elif found.failed and found.state == "finished":
        lines.append(
            f"next      `r9s batch retry-failed {found.output}` sends the failed rows again"
        )
    print("\n".join(lines))
    sys.stdout.flush()
    return 0
