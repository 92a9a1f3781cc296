"""Options and helpers that several benchmark commands share."""

from pathlib import Path


def wanted(name, args):
    """Whether the command's --learners option keeps learner `name` (all when it is not given)."""
    return not args.learners or name in args.learners


def add_checkpoint_arguments(parser, data_dir):
    """--from-checkpoints, --data-dir and --save-dir, for the commands that train learners."""
    parser.add_argument("--from-checkpoints", action="store_true",
                        help="skip training; evaluate the checkpoints shipped in data/")
    parser.add_argument("--data-dir", type=Path, default=data_dir, help="where shipped checkpoints live")
    parser.add_argument("--save-dir", type=Path, help="write the trained checkpoints here (data/ ships them)")
