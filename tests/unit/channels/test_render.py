"""Channel rendering: GSM-7 SMS pages with numbered choices, Telegram parts and buttons."""

from __future__ import annotations

from helpdesk.channels.render import (
    SMS_MAX_SEPTETS,
    TELEGRAM_MAX_CALLBACK_BYTES,
    callback_data,
    gsm7_septets,
    is_gsm7,
    pack_sms,
    render_sms,
    render_sms_pages,
    render_telegram,
    sms_segments,
    to_gsm7,
)
from helpdesk.conversations.service import Button, Reply
from helpdesk.texts import text

MENU = (
    Button("Einen Ort in der Nähe finden", "/find_place"),
    Button("Mit einem Menschen sprechen", "/request_human"),
    Button("Was passiert mit meinen Daten?", "/privacy"),
)


def test_typographic_quotes_dashes_and_ellipsis_become_plain_gsm7() -> None:
    assert to_gsm7("„Foto“ – ‚gut‘ … ok") == "\"Foto\" - 'gut' ... ok"


def test_umlauts_and_sharp_s_stay_because_they_are_gsm7() -> None:
    assert to_gsm7("Größe Übung ändern") == "Größe Übung ändern"


def test_emoji_are_removed_and_foreign_accents_are_simplified() -> None:
    assert to_gsm7("Super 😀👍 Café Crêpe") == "Super Café Crepe"
    assert is_gsm7(to_gsm7("Ça va? 🙂 naïve ☎"))


def test_extension_characters_count_two_septets() -> None:
    assert gsm7_septets("€[]") == 6
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2


def test_sms_reply_with_buttons_becomes_numbered_menu() -> None:
    pages, choices = render_sms(Reply("Wobei kann ich helfen?", MENU))
    assert pages == [
        "Wobei kann ich helfen?\n\n"
        + text("sms_choices_intro", numbers="1, 2 oder 3")
        + "\n1 = Einen Ort in der Nähe finden\n2 = Mit einem Menschen sprechen"
        "\n3 = Was passiert mit meinen Daten?"
    ]
    assert choices == MENU


def test_single_button_is_offered_as_number_one() -> None:
    pages, _ = render_sms(Reply("Noch Fragen?", MENU[:1]))
    assert text("sms_choices_intro", numbers="1") in pages[0]


def test_long_sms_is_cut_at_a_sentence_boundary_with_mehr_hint() -> None:
    sentence = "Tippen Sie auf das Kamera-Symbol. "
    pages, _ = render_sms(Reply(sentence * 30))
    assert len(pages) > 1
    for page in pages[:-1]:
        assert page.endswith(text("sms_more_hint"))
        assert page.removesuffix(text("sms_more_hint")).rstrip().endswith("Symbol.")
    assert (
        " ".join(p.removesuffix(text("sms_more_hint")).strip() for p in pages).split()
        == (sentence * 30).split()
    )


def test_long_sms_prefers_paragraph_boundaries() -> None:
    first = "Erster Absatz. " * 12
    second = "Zweiter Absatz. " * 12
    pages, _ = render_sms(Reply(f"{first.strip()}\n\n{second.strip()}"))
    assert pages[0].startswith(first.strip())
    assert "Zweiter" not in pages[0]


def test_every_sms_page_is_gsm7_and_at_most_two_segments() -> None:
    reply = Reply(("Absatz mit „Zitat“ – und Emoji 😀. " * 12 + "\n\n") * 5, MENU)
    pages, _ = render_sms(reply)
    for page in pages:
        assert is_gsm7(page)
        assert gsm7_septets(page) <= SMS_MAX_SEPTETS
        assert sms_segments(page) <= 2
    assert pages[-1].endswith("3 = Was passiert mit meinen Daten?")


def test_numbered_choices_stop_at_nine_because_zero_means_human() -> None:
    buttons = tuple(Button(f"Wahl {n}", f"/w{n}") for n in range(12))
    _, choices = render_sms(Reply("Bitte wählen:", buttons))
    assert len(choices) == 9


def test_telegram_keeps_text_as_is_without_markup() -> None:
    messages = render_telegram(Reply("<b>Tipp</b> & *Stern* _x_", MENU))
    assert [m.text for m in messages] == ["<b>Tipp</b> & *Stern* _x_"]
    assert messages[0].buttons == MENU


def test_telegram_splits_long_text_at_paragraphs_with_buttons_on_the_last_part() -> None:
    paragraph = "Ein Satz. " * 300  # ~3000 characters
    messages = render_telegram(Reply(f"{paragraph.strip()}\n\n{paragraph.strip()}", MENU))
    assert [m.text for m in messages] == [paragraph.strip(), paragraph.strip()]
    assert messages[0].buttons == ()
    assert messages[1].buttons == MENU


def test_telegram_limit_counts_utf16_units_of_emoji() -> None:
    messages = render_telegram(Reply("😀" * 3000))
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert "".join(m.text for m in messages) == "😀" * 3000


def test_long_button_payload_becomes_a_position_reference() -> None:
    short = Button("Ja", "/affirm")
    long = Button("Nordstadt", '/inform{"stadtbezirk": "Innenstadt-Nord", "x": "' + "y" * 40 + '"}')
    assert callback_data(short, 0) == "/affirm"
    assert callback_data(long, 2) == "#2"
    assert len(callback_data(long, 2).encode()) <= TELEGRAM_MAX_CALLBACK_BYTES


DISTRICTS = tuple(
    Button(name, f'/inform{{"stadtbezirk": "{name}"}}')
    for name in (
        "Innenstadt-West", "Innenstadt-Nord", "Innenstadt-Ost", "Eving", "Scharnhorst",
        "Brackel", "Aplerbeck", "Hörde", "Hombruch", "Lütgendortmund", "Huckarde",
        "Mengede", "Weiß ich nicht",
    )
)  # fmt: skip


def test_a_menu_of_more_than_nine_choices_pages_with_mehr_and_drops_none() -> None:
    pages = render_sms_pages(Reply("In welchem Stadtbezirk wohnen Sie?", DISTRICTS))
    first, last = pages[0], pages[-1]
    assert first.choices == DISTRICTS[:9]
    assert "9 = Hombruch" in first.text and text("sms_more_choices") in first.text
    assert last.choices == DISTRICTS[9:]
    assert "1 = Lütgendortmund" in last.text and "4 = Weiß ich nicht" in last.text
    assert text("sms_more_choices") not in last.text
    shown = "\n".join(page.text for page in pages)
    assert all(shown.count(f"= {b.title}") == 1 for b in DISTRICTS)
    assert all(is_gsm7(p.text) and gsm7_septets(p.text) <= SMS_MAX_SEPTETS for p in pages)


def test_a_short_menu_is_one_page_without_a_mehr_line() -> None:
    pages = render_sms_pages(Reply("Bitte wählen:", MENU))
    assert [p.choices for p in pages] == [MENU]
    assert text("sms_more_choices") not in pages[0].text


def test_a_place_list_its_note_and_the_follow_up_question_become_one_sms() -> None:
    places = [
        Reply("Stadtteilbibliothek Hörde: heute 10-18 Uhr, barrierefrei."),
        Reply("Seniorenbüro Hörde: Di 14-16 Uhr Sprechstunde."),
        Reply("Hinweis: Beispieldaten, bitte vorher anrufen."),
        Reply("Möchten Sie andere Orte sehen?", (Button("Andere Orte", "/more_places"),)),
    ]
    packed = pack_sms(places)
    assert len(packed) == 1
    assert packed[0].text.startswith("Stadtteilbibliothek") and "andere Orte" in packed[0].text
    assert packed[0].buttons == places[-1].buttons
    assert len(render_sms(packed[0])[0]) == 1


def test_packing_keeps_each_menu_at_the_end_of_its_sms_and_each_sms_in_two_segments() -> None:
    article = Reply("Schritt. " * 33)  # ~300 characters: a full two-segment SMS
    feedback = Reply("Hat das geholfen?", MENU)
    assert pack_sms([article, feedback]) == [article, feedback]
    menu_first = [Reply("Bitte wählen:", MENU), Reply("Noch ein Satz.")]
    assert pack_sms(menu_first) == menu_first
