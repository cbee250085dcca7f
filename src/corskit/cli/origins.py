"""``corskit origins add|remove|list``: manage the origins a RedisOriginStore serves to every worker."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ._errors import CLIError

_HELP = """\
Manage the shared set of allowed origins that corskit.stores.RedisOriginStore serves to every worker.
'add' checks each origin with the middleware's own rules before writing anything; 'add' and 'remove'
then announce the change, and every running worker applies it within milliseconds.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "origins",
        help="add, remove or list the origins shared through Redis",
        description=_HELP,
        epilog="Exit codes: 0 done, 2 invalid origin, bad option or unreachable Redis (nothing written).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # --redis and --key belong to each action, so they may come before or after the origins.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("CORSKIT_REDIS_URL"),
        help="redis://host:6379/0 (default: $CORSKIT_REDIS_URL)",
    )
    common.add_argument("--key", default="cors:origins", help="the Redis set (default: %(default)s)")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", dest="action", parser_class=type(parser))
    for action, text in (("add", "check and add origins"), ("remove", "remove origins")):
        sub = actions.add_parser(action, help=text, description=text, parents=[common])
        sub.add_argument("origin", nargs="+", help="origins (or patterns such as https://*.example.com)")
        sub.set_defaults(run=run)
    listing = actions.add_parser("list", help="print the set, one origin per line", parents=[common])
    listing.set_defaults(run=run, origin=[])
    parser.set_defaults(run=_needs_action)


def _needs_action(args: argparse.Namespace) -> int:
    raise CLIError("say what to do: corskit origins add|remove|list (see 'corskit origins --help')")


def run(args: argparse.Namespace) -> int:
    if not args.redis:
        raise CLIError("--redis URL is required (or set CORSKIT_REDIS_URL), e.g. --redis redis://127.0.0.1:6379/0")
    if args.action == "add":
        from ..stores import validate_store_entries

        problems = validate_store_entries(args.origin)
        if problems:
            raise CLIError("nothing written: " + "; ".join(problems))

    try:
        import redis
    except ImportError:
        raise CLIError("this command needs redis-py: pip install 'corskit[redis]'") from None
    from ..stores import changes_channel

    try:
        client = redis.Redis.from_url(args.redis, socket_connect_timeout=5, socket_timeout=5, decode_responses=True)
    except ValueError as exc:
        raise CLIError(f"bad --redis URL {args.redis!r}: {exc}") from None
    try:
        if args.action == "list":
            members = sorted(str(member) for member in client.smembers(args.key))
            sys.stdout.write("".join(f"{member}\n" for member in members))
            return 0
        changed = client.sadd(args.key, *args.origin) if args.action == "add" else client.srem(args.key, *args.origin)
        listeners = client.publish(changes_channel(args.key), args.action)
    except redis.RedisError as exc:
        raise CLIError(f"cannot use Redis at {args.redis}: {exc}") from None
    finally:
        client.close()
    verb = "added to" if args.action == "add" else "removed from"
    unchanged = len(set(args.origin)) - int(changed)
    note = f" ({unchanged} unchanged)" if unchanged else ""
    sys.stdout.write(f"{changed} origin(s) {verb} {args.key}{note}; {listeners} listening worker(s) notified\n")
    return 0
