"""The `:` command line: k9s-style commands with unique-prefix aliases."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = ("pools", "nodes", "jobs", "tasks", "acct", "create", "storage", "quit", "help")
NEEDS_ARGUMENT = {"nodes": "POOL", "tasks": "JOB", "acct": "NAME", "create": "pool|job|tasks FILE.json"}


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


class CommandError(ValueError):
    pass


def parse_command(text: str) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command; try :pools, :jobs, :tasks JOB, :nodes POOL, :acct NAME")
    word = words[0].lower()
    aliases = {"q": "quit", "account": "acct", "accounts": "acct", "pool": "pools", "job": "jobs",
               "node": "nodes", "task": "tasks", "po": "pools", "no": "nodes"}
    matches = [aliases[word]] if word in aliases else [c for c in COMMANDS if c.startswith(word)]
    if len(matches) != 1:
        hint = f"; did you mean {' or '.join(':' + m for m in matches)}?" if matches else ""
        raise CommandError(f"unknown command :{word}{hint}")
    name = matches[0]
    argument = " ".join(words[1:])
    if name in NEEDS_ARGUMENT and not argument:
        raise CommandError(f":{name} needs a {NEEDS_ARGUMENT[name]}")
    return Command(name, argument)
