"""The autoscale editor's state, apart from its widgets: the pool, the formula being written, the
evaluation interval typed, the last evaluation (and whether the formula changed since), and what
each action would do or why it cannot (Batch's rules: evaluateautoscale needs autoscale enabled;
the interval is from 5 minutes to 168 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ...service.autoscale import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    SAMPLE_FORMULA,
    AutoScaleRun,
    AutoScaleSettings,
    interval_text,
)


@dataclass
class AutoScaleDraft:
    """`pool_id`'s autoscale as edited. `formula` and `interval` (minutes, as typed) change as the user
    types; `run` is the last evaluation's outcome for `evaluated` (the formula it evaluated);
    `problem` is a refusal of the service or a check's message, shown instead of a run. `pool_formula` and
    `pool_interval` are what the pool has (the sample and the default for a fixed pool): the draft is
    `edited` when it differs from them; `kept` when its text is one kept from an earlier opening."""

    pool_id: str
    enabled: bool
    formula: str
    interval: str
    run: AutoScaleRun | None = None
    evaluated: str | None = None
    problem: str = ""
    pool_formula: str = ""
    pool_interval: str = ""
    kept: bool = False

    @classmethod
    def for_pool(cls, pool_id: str, settings: AutoScaleSettings) -> AutoScaleDraft:
        """A draft of the pool's current formula and interval, or a commented sample for a fixed pool;
        the pool's last evaluation shown until the user evaluates."""
        minutes = DEFAULT_INTERVAL_MINUTES
        if settings.interval is not None:
            minutes = max(1, int(settings.interval.total_seconds() // 60))
        formula = settings.formula or SAMPLE_FORMULA
        draft = cls(pool_id, settings.enabled, formula, str(minutes), pool_formula=formula, pool_interval=str(minutes))
        if settings.enabled and settings.last_run is not None:
            draft.run, draft.evaluated = settings.last_run, settings.formula
        return draft

    @property
    def edited(self) -> bool:
        """Whether the formula or the interval differs from the pool's (a draft not applied)."""
        return self.formula != self.pool_formula or self.interval.strip() != self.pool_interval

    def keep_from(self, earlier: AutoScaleDraft) -> None:
        """Take the text of a draft kept from an earlier opening (when it still differs from the pool's)."""
        self.formula, self.interval = earlier.formula, earlier.interval
        self.kept = self.edited

    def applied(self, formula: str, interval: str) -> None:
        """The pool now has `formula` every `interval` minutes (enableautoscale succeeded)."""
        self.enabled, self.pool_formula, self.pool_interval, self.kept = True, formula, interval.strip(), False

    @property
    def note(self) -> str:
        """A line under the status while a kept draft is shown (else "")."""
        if not (self.kept and self.edited):
            return ""
        return "A draft kept from earlier in this session, not applied: ctrl+s applies it."

    @property
    def stale(self) -> bool:
        """Whether the formula changed since the evaluation shown."""
        return self.run is not None and self.evaluated != self.formula

    @property
    def status(self) -> str:
        """One line: is autoscale on, and how often it runs."""
        if not self.enabled:
            return f"Pool {self.pool_id}: autoscale is off (fixed size)."
        minutes = self.interval_minutes()
        every = interval_text(timedelta(minutes=minutes)) if minutes else "?"
        return f"Pool {self.pool_id}: autoscale is on, evaluated every {every}."

    def interval_minutes(self) -> int | None:
        """The interval typed, in whole minutes, when it is one Batch accepts; else None."""
        try:
            minutes = int(self.interval.strip())
        except ValueError:
            return None
        return minutes if MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES else None

    def evaluate_refusal(self) -> str | None:
        """Why evaluating cannot be asked of the service now; None when it can."""
        if not self.formula.strip():
            return "The formula is empty: write one first."
        if not self.enabled:
            return ("Batch evaluates a formula only on a pool that has autoscale enabled. Apply it first "
                    "(ctrl+s: the service checks its syntax and evaluates it at once), then evaluate changes "
                    "to it here before applying them.")
        return None

    def apply_refusal(self) -> str | None:
        """Why applying (enableautoscale) cannot be asked now; None when it can."""
        if not self.formula.strip():
            return "The formula is empty: write one first."
        if self.interval_minutes() is None:
            return (f"The evaluation interval must be whole minutes from {MIN_INTERVAL_MINUTES} to "
                    f"{MAX_INTERVAL_MINUTES} (168 hours), not {self.interval.strip() or 'empty'}.")
        return None

    def apply_message(self) -> str:
        """The confirmation's text: what applying does, and what the last evaluation said."""
        verb = "Change the autoscale formula of" if self.enabled else "Enable autoscale on"
        lines = [f"{verb} pool {self.pool_id}, evaluated every {self.interval.strip()} minutes?",
                 "The service evaluates it at once and resizes the pool to its targets."]
        if not self.enabled:
            lines.append("It could not be evaluated here first: Batch evaluates a formula only on an autoscale "
                         "pool, and this pool has a fixed size.")
        elif self.run is None or self.stale:
            lines.append("This formula has not been evaluated here (ctrl+e) yet.")
        elif self.run.error is not None:
            lines.append(f"Its last evaluation failed: {self.run.error.code}.")
        else:
            targets = [f"{n}={v}" for n, v in self.run.variables[:2]]
            lines.append(f"Its last evaluation gave {', '.join(targets)}.")
        return "\n".join(lines)

    def disable_message(self) -> str:
        return (f"Disable autoscale on pool {self.pool_id}?\nThe pool keeps its current size; "
                "its formula is forgotten by the service (this editor keeps it as a draft for the session).")

    def disabled(self) -> None:
        """The pool no longer autoscales (disableautoscale succeeded): it has no formula, so the text shown
        is a draft from now on."""
        self.enabled, self.run, self.problem = False, None, ""
        self.pool_formula, self.pool_interval = SAMPLE_FORMULA, str(DEFAULT_INTERVAL_MINUTES)

    def evaluated_now(self, run: AutoScaleRun) -> None:
        self.run, self.evaluated, self.problem = run, self.formula, ""

    def refused(self, problem: str) -> None:
        self.problem = problem
