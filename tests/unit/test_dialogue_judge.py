"""The judge of the held-out dialogue benchmark recognises what the citizen was shown."""

from __future__ import annotations

from bench.dialogue_judge import Judge, Turn
from helpdesk.channels.render import to_gsm7

WEB = Judge.load("web")
SMS = Judge.load("sms")
FOTO = "foto-machen-und-senden"


def _turn(*texts: str, tickets: tuple[str, ...] = ()) -> Turn:
    return Turn(tuple(texts), tickets)


def test_an_article_is_recognised_in_the_form_each_channel_shows() -> None:
    article = WEB.articles[FOTO]
    assert WEB.failures(_turn(article.answer, "Hat das geholfen?"), {"article": FOTO}) == []
    assert SMS.failures(_turn(to_gsm7(article.sms)), {"article": FOTO}) == []
    assert WEB.failures(_turn(article.easy), {"easy": FOTO}) == []
    assert WEB.failures(_turn("Ein Foto? Gern."), {"article": FOTO}) != []
    other = WEB.articles["wlan-verbinden"].answer
    assert "wlan-verbinden" in WEB.failures(_turn(other), {"article": FOTO})[0]


def test_places_are_judged_by_the_first_one_named() -> None:
    reply = _turn(
        "Stadtteilbibliothek Hörde (Beispiel), Hörde: heute 10-18 Uhr.\n"
        "Seniorenbüro Aplerbeck (Beispiel), Aplerbeck: morgen 14-16 Uhr."
    )
    assert WEB.failures(reply, {"places": {"district": "Hörde"}}) == []
    assert WEB.failures(reply, {"places": {"district": "Aplerbeck"}}) != []
    assert WEB.failures(reply, {"places": {"service": "printing"}}) != []  # Seniorenbüro
    assert WEB.failures(_turn("Leider nichts."), {"places": {}}) == ["no places listed"]


def test_hours_must_come_without_an_unrelated_article() -> None:
    hours = _turn("Seniorenbüro Hörde: Di 14-16 Uhr Sprechstunde")
    assert WEB.failures(hours, {"hours": True}) == []
    article = WEB.articles["bibliotheksausweis-ebooks"].answer
    assert WEB.failures(_turn(article, "heute 14-16 Uhr"), {"hours": True}) != []


def test_unknown_tickets_and_questions() -> None:
    unknown = _turn("Das weiß ich leider nicht. Dazu habe ich noch keine Antwort.")
    assert WEB.failures(unknown, {"unknown": True}) == []
    assert WEB.failures(_turn(WEB.articles[FOTO].answer), {"unknown": True}) != []
    assert WEB.failures(_turn("Danke!", tickets=("dringend",)), {"ticket": "dringend"}) == []
    assert WEB.failures(_turn("Danke!", tickets=("normal",)), {"ticket": "dringend"}) != []
    assert WEB.failures(_turn("Sind Sie einverstanden?"), {"asks": "consent"}) == []
    assert WEB.failures(_turn("Danke."), {"asks": "district"}) != []
