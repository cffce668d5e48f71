"""The second look at a citizen's own words (actions/triage.py): incidents, visits,
failures and how-to wording. Sentences are the team's own paraphrases."""

from __future__ import annotations

import pytest

from actions import triage


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("von meinem girokonto ist über nacht geld einfach weg", "geld_weg"),
        ("da wurden 300 euro abgebucht, das war nicht von mir", "geld_weg"),
        ("mein instagram wurde gehackt, da schreibt jetzt wer anders", "konto_gehackt"),
        ("ich komme nicht mehr in mein e-mail konto, jemand hat das passwort", "konto_gehackt"),
        ("der typ schreibt, er zeigt die fotos allen, wenn ich nicht zahle", "bedrohung"),
        ("meine nachbarin droht mir jeden tag über whatsapp", "bedrohung"),
        ("mein enkel wird in der schule über snapchat gemobbt", "cybermobbing_kind"),
        (
            "die mitschüler meiner tochter haben peinliche fotos von ihr herumgeschickt",
            "cybermobbing_kind",
        ),
        ("gerade ruft einer an, er sei vom microsoft support", "betrugsanruf"),
        (
            "ich bin am telefon mit der polizei, die wollen dass ich mein gold abgebe",
            "betrugsanruf",
        ),
        ("der mann am tel sagt ich soll ihm die tan vorlesen", "betrugsanruf"),
    ],
)
def test_an_incident_told_in_own_words_names_its_topic(text: str, topic: str) -> None:
    assert triage.incident_topic(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        "wie erkenne ich einen schockanruf",
        "was ist ein enkeltrick",
        "wie schütze ich mein konto vor hackern",
        "ich habe geld überwiesen, wann ist es da",
        "wie kann ich jetzt mit dem telefon ein foto machen",
        "ich möchte jetzt einen anruf machen",
        "wie sehe ich, was von meinem konto abgebucht wurde",
        "wie mache ich meinen enkeln ein foto",
    ],
)
def test_a_how_to_question_about_the_same_topics_is_no_incident(text: str) -> None:
    assert triage.incident_topic(text) is None


def test_a_visit_at_home_is_recognised() -> None:
    assert triage.wants_a_visit("könnte jemand bei mir vorbeikommen und den router anschließen")
    assert triage.wants_a_visit("kommt wer zu uns nach hause")
    assert not triage.wants_a_visit("wie komme ich nach hause mit dem bus")


def test_a_failure_with_a_help_request_is_told_apart_from_a_problem_report() -> None:
    assert triage.failure_with_help_request("das hab ich probiert, brauche trotzdem hilfe")
    assert triage.failure_with_help_request("klappt immer noch nicht, kann mir jemand helfen")
    # A first problem report is a question for the articles, not a failed answer.
    assert not triage.failure_with_help_request("mein drucker geht nicht, bitte um hilfe")


@pytest.mark.parametrize(
    ("text", "howto"),
    [
        ("Wie kann ich in der Stadtbücherei etwas kopieren?", True),
        ("kann man bei euch irgendwo ein notebook ausleihen", True),
        ("in der vhs soll es kurse geben, wie finde ich einen passenden", True),
        ("wo kann ich in der nähe drucken", False),
        ("gibt es einen computertreff in eving", False),
    ],
)
def test_how_to_wording_is_told_apart_from_a_where_question(text: str, howto: bool) -> None:
    assert triage.looks_like_howto(text) is howto


def test_a_worry_about_money_is_no_incident_but_a_threat_stays_one() -> None:
    worry = "Ich fürchte mich vor dem Banking, ich habe Angst, dass dann mein Geld weg ist."
    assert triage.incident_topic(worry) is None
    assert triage.asks_how_to("Ich habe Sorge. Wie fange ich mit der Banking-App an?")
    assert triage.incident_topic("Ich habe Angst, dass er die Bilder verschickt, er erpresst mich")


def test_a_short_follow_up_that_points_back_is_searched_with_the_topic() -> None:
    assert (
        triage.context_query("und geht da auch kopieren?", "drucken-in-der-bibliothek")
        == "und geht da auch kopieren? (drucken in der bibliothek)"
    )
    # A question that stands on its own, or nothing answered before: searched as it is.
    assert triage.context_query("wie mache ich ein foto", "drucken-in-der-bibliothek") is None
    assert triage.context_query("und geht da auch kopieren?", None) is None


@pytest.mark.parametrize(
    ("text", "insult"),
    [
        ("Ihr seid alle unfähig da bei der Stadt!", True),
        ("halts maul du saftladen", True),
        ("so ein dämlicher, doofer roboter", True),
        # Anger at a device or a situation is a question for help, not an insult.
        ("mein doofes telefon klingelt nicht mehr", False),
        ("der blöde drucker zieht kein papier ein", False),
        ("Mist, jetzt ist das Bild weg. Wie hole ich das zurück?", False),
        ("meine tochter sagt ich bin zu blöd für whatsapp", False),
        ("Du warst mir eine große Hilfe, danke!", False),
    ],
)
def test_an_insult_at_diodo_is_told_apart_from_anger_at_a_device(text: str, insult: bool) -> None:
    assert triage.insults_the_bot(text) is insult
