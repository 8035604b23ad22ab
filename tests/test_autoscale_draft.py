"""The autoscale editor's draft (ui.model.autoscale_draft): a draft not applied is known as one, kept text
is taken back, and a fixed pool's confirmation says why it could not be evaluated."""

from __future__ import annotations

from datetime import timedelta

from batchtui.service.autoscale import SAMPLE_FORMULA, AutoScaleSettings
from batchtui.ui.model.autoscale_draft import AutoScaleDraft


def test_a_fixed_pool_s_draft_is_kept_and_said_to_be_one():
    draft = AutoScaleDraft.for_pool("p", AutoScaleSettings(enabled=False))
    assert draft.formula == SAMPLE_FORMULA and not draft.edited and draft.note == ""
    draft.formula = "$TargetDedicatedNodes = 1;"
    assert draft.edited
    assert "could not be evaluated here first" in draft.apply_message()
    assert "has not been evaluated here (ctrl+e) yet" not in draft.apply_message()
    again = AutoScaleDraft.for_pool("p", AutoScaleSettings(enabled=False))
    again.keep_from(draft)
    assert again.formula == "$TargetDedicatedNodes = 1;" and again.kept
    assert again.note.startswith("A draft kept from earlier in this session, not applied")
    again.applied(again.formula, again.interval)
    assert again.enabled and not again.edited and again.note == ""
    again.disabled()
    assert not again.enabled and again.edited  # (the pool forgot the formula: the text is a draft now)


def test_an_autoscale_pool_s_unevaluated_change_says_so():
    settings = AutoScaleSettings(enabled=True, formula="$TargetDedicatedNodes = 2;", interval=timedelta(minutes=5))
    draft = AutoScaleDraft.for_pool("p", settings)
    draft.formula = "$TargetDedicatedNodes = 3;"
    assert "has not been evaluated here (ctrl+e) yet" in draft.apply_message()
    earlier = AutoScaleDraft.for_pool("p", settings)
    earlier.keep_from(AutoScaleDraft.for_pool("p", settings))  # (the same text as the pool's: no draft)
    assert not earlier.kept and earlier.note == ""
