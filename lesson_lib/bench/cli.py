"""The command line: `python -m lesson_lib.bench COMMAND [options]`; each command is a module
with `HELP`, `add_arguments(parser)` and `run(args) -> rows`."""

import argparse
import json
import shlex
import sys
from pathlib import Path

from . import (
    ablation,
    conv4,
    costs,
    hub,
    language,
    metaworld,
    navigation,
    notebooks,
    omniglot,
    rollouts,
    sinusoid,
    tasks_needed,
    throughput,
    widgets,
)

COMMANDS = {"sinusoid": sinusoid, "omniglot": omniglot, "throughput": throughput, "conv4": conv4,
            "costs": costs,
            "widgets": widgets, "notebooks": notebooks, "tasks_needed": tasks_needed,
            "ablation": ablation, "language": language, "rollouts": rollouts,
            "navigation": navigation, "metaworld": metaworld, "hub": hub}


def main(argv=None):
    """Run one command; print its table, write its rows as JSON with --json; return the rows."""
    from . import __doc__ as doc

    parser = argparse.ArgumentParser(prog="python -m lesson_lib.bench", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--json", type=Path, help="also write the rows as a JSON list to this path")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--learners", type=lambda text: text.split(","),
                       help="comma-separated subset, e.g. MAML,CNP (default: all)")
        module.add_arguments(p)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    # the command line that ran, for checkpoint manifests
    args.command_line = "python -m lesson_lib.bench " + " ".join(shlex.quote(a) for a in argv)
    rows = COMMANDS[args.command].run(args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"rows written to {args.json}")
    return rows
