"""The `:` command line: k9s-style commands with unique-prefix aliases."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = ("pools", "nodes", "jobs", "tasks", "schedules", "acct", "create", "storage", "mark", "unmark", "grep",
            "quit", "help", "failures", "histogram", "nodes-health", "stragglers", "autoscale", "prep", "subtasks")
NEEDS_ARGUMENT = {"nodes": "POOL", "tasks": "JOB", "acct": "NAME", "create": "pool|job|jobschedule|tasks FILE.json",
                  "grep": "PATTERN"}
#: Commands that take an argument, required or not (Tab completion adds a space after them).
TAKES_ARGUMENT = frozenset({*NEEDS_ARGUMENT, "storage", "mark", "failures", "histogram", "nodes-health",
                            "autoscale", "prep", "subtasks"})
ALIASES = {"q": "quit", "account": "acct", "accounts": "acct", "pool": "pools", "job": "jobs",
           "node": "nodes", "task": "tasks", "po": "pools", "no": "nodes", "h": "help", "hist": "histogram",
           "histograms": "histogram", "health": "nodes-health", "straggler": "stragglers",
           "schedule": "schedules", "jobschedules": "schedules", "sched": "schedules",
           "release": "prep", "preparation": "prep", "p": "pools",
           "subtask": "subtasks"}  # (:p stayed :pools when :prep came)


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


class CommandError(ValueError):
    pass


def matching_commands(word: str) -> list[str]:
    """The commands `word` may mean: its alias, or the command it names in full, else the commands it starts."""
    word = word.lower()
    if word in ALIASES:
        return [ALIASES[word]]
    return [word] if word in COMMANDS else [c for c in COMMANDS if c.startswith(word)]


def parse_command(text: str) -> Command:
    """One command line (a leading ":" is allowed). CommandError says what is wrong, in a line."""
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command; try :pools, :jobs, :tasks JOB, :nodes POOL, :acct NAME")
    word = words[0].lower()
    matches = matching_commands(word)
    if len(matches) != 1:
        hint = f"; did you mean {' or '.join(':' + m for m in matches)}?" if matches else "; tab lists the commands"
        raise CommandError(f"unknown command :{word}{hint}")
    name = matches[0]
    argument = " ".join(words[1:])
    if name in NEEDS_ARGUMENT and not argument:
        raise CommandError(f":{name} needs a {NEEDS_ARGUMENT[name]}")
    return Command(name, argument)
