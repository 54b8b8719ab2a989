"""The pure verdict rules: which desk signals say "not a complaint", the brand file's mapping, the import CSV."""

from __future__ import annotations

import pytest

from functions.core.brands import BrandConfigError, parse_brands
from functions.core.tickets import DeskState
from functions.core.verdicts import (
    DEFAULT_SIGNALS,
    BadRow,
    ImportRow,
    Source,
    desk_verdict,
    read_import,
)


def test_each_desk_has_its_own_not_a_complaint_signal_and_solved_means_yes() -> None:
    rt = DEFAULT_SIGNALS["request_tracker"]
    assert desk_verdict(DeskState("Rejected"), rt) == (False, Source.DESK)
    assert desk_verdict(DeskState("resolved"), rt) == (True, Source.SOLVED)
    assert desk_verdict(DeskState("open"), rt) is None
    zendesk = DEFAULT_SIGNALS["zendesk"]
    assert desk_verdict(DeskState("solved", tags=("Not_Complaint",)), zendesk) == (False, Source.DESK)
    assert desk_verdict(DeskState("open", spam=True), zendesk) == (False, Source.DESK)
    assert desk_verdict(DeskState("solved"), zendesk) == (True, Source.SOLVED)
    jira = DEFAULT_SIGNALS["jira"]
    assert desk_verdict(DeskState("done", resolution="Not a complaint"), jira) == (False, Source.DESK)
    assert desk_verdict(DeskState("done", resolution="Done"), jira) == (True, Source.SOLVED)
    assert desk_verdict(DeskState("rejected"), ()) == (True, Source.SOLVED)  # unconfigured: rejected is solved


def test_the_brand_file_maps_signals_per_brand_and_refuses_unknown_kinds() -> None:
    document = {"brands": [{"slug": "a", "helpdesk": {"vendor": "zendesk", "not_complaint": ["Tag:Noise", "spam"]}}]}
    brand = parse_brands(document).get("a")
    assert brand is not None and brand.helpdesk.verdict_signals == ("tag:noise", "spam")
    default = parse_brands({"brands": [{"slug": "b", "helpdesk": {"vendor": "request_tracker"}}]}).get("b")
    assert default is not None and default.helpdesk.verdict_signals == ("status:rejected",)
    bad = {"brands": [{"slug": "c", "helpdesk": {"vendor": "zendesk", "not_complaint": ["colour:red"]}}]}
    with pytest.raises(BrandConfigError, match=r"brand c\.helpdesk\.not_complaint signal 'colour:red'"):
        parse_brands(bad)


def test_import_rows_take_ids_or_texts_and_name_bad_lines() -> None:
    lines = ["label,id,text", "1,vk#1,", "no,,just a question", "perhaps,vk#2,", "0,,"]
    assert list(read_import(lines)) == [
        ImportRow(2, "vk#1", None, True),
        ImportRow(3, None, "just a question", False),
        BadRow(4, "label 'perhaps' is not yes/no (1/0, complaint/not_complaint)"),
        BadRow(5, "neither id nor text"),
    ]
    with pytest.raises(ValueError, match="header"):
        list(read_import(["id,verdict", "vk#1,1"]))


def test_import_rows_may_carry_the_desks_sentiment() -> None:
    lines = ["label,text,sentiment", "0,love it,positive", "1,broken again,-1", "0,hm,", "0,x,meh"]
    assert list(read_import(lines)) == [
        ImportRow(2, None, "love it", False, "positive"),
        ImportRow(3, None, "broken again", True, "negative"),
        ImportRow(4, None, "hm", False),
        BadRow(5, "sentiment 'meh' is not negative/neutral/positive (-1/0/1)"),
    ]
