"""A second look at a citizen's own words when the NLU's intent alone would go wrong.

The NLU is trained on short examples; long messages of older citizens, SMS shorthand and
incidents told as a story land on the wrong intent ("out of scope", a place search, a
how-to question). These rules read the text itself for what must never be missed:

- `incident_topic`: an urgent incident happening to the citizen now (money gone, an
  account taken over, a threat, a child bullied, a scam call in progress). Told apart
  from a how-to question about the same topic ("Wie erkenne ich einen Enkeltrick?").
- `wants_a_visit`: someone should come to the citizen's home: only a person can.
- `reports_failure`: "geht trotzdem nicht", "klappt immer noch nicht": the last answer
  did not help.
- `looks_like_howto`: the message asks how to do something, not where to go.
- `insults_the_bot`: an angry word at DiODo itself ("du blöde Maschine"): a calm
  "weiß ich leider nicht" with the way to a person, not "Ich bin ein Programm". Anger
  at a device ("dieses blöde Handy geht nicht") stays a question.
"""

from __future__ import annotations

import re

_CHILD = r"(kind|sohn|tochter|enkel|klasse|schüler|schule)"
_BULLYING = (
    r"(mobb|schikan|fertig ?gemacht|fertigmach|beleidig|bedroh|ausgelacht|gemeine|"
    r"lustig gemacht|nachrichten von fremden|bloßgestellt|blossgestellt|"
    r"(bilder|fotos|videos?) .{0,60}(herum|rum|verschickt|geteilt|ins internet|gepostet))"
)
_CALL = r"(anruf|ruft\b|am telefon|am tel\b|angerufen|in der leitung|telefoniere)"
_ON_THE_LINE = r"(ruft\b|am telefon|am tel\b|in der leitung|angerufen)"
_CALLER_WANTS = (
    r"(bank|polizei|polizist|enkel|microsoft|support|techniker|geld|pin|tan|konto|kaution|"
    r"euro|unfall|anwalt|notar|gold|schmuck)"
)
_NOW = r"(gerade|jetzt|grad|grade|im moment|eben)"
# Order matters: the first topic that matches names it (a scam call about money is a
# scam call; a threat to a child is bullying).
INCIDENT_TOPICS = (
    ("cybermobbing_kind", re.compile(rf"{_CHILD}.*{_BULLYING}|cybermobbing")),
    (
        "betrugsanruf",
        re.compile(
            rf"{_NOW}.{{0,40}}{_ON_THE_LINE}|{_ON_THE_LINE}.{{0,25}}{_NOW}"
            rf"|{_CALL}.{{0,120}}{_CALLER_WANTS}"
            r".{0,80}(will|wollen|soll|verlangt|fragt|braucht|möchte)"
            r"|(ich soll|soll ich).{0,60}(tan|pin|code).{0,30}(vorlesen|sagen|nennen|durchgeben)"
        ),
    ),
    (
        "bedrohung",
        re.compile(
            r"bedroh|\bdroh|erpress|wenn (ich|wir) nicht (be)?zahle|sonst (veröffentlich|verschick|"
            r"schick)|heimlich (gefilmt|aufgenommen)"
        ),
    ),
    (
        "konto_gehackt",
        re.compile(
            r"(wurde|wurden|ist|bin|sind|hat)\b.{0,30}gehackt|gehackt (worden|wurde)"
            r"|(konto|account|profil|whatsapp|facebook).{0,40}(übernommen|gesperrt und)"
            r"|in meinem namen|komme nicht mehr (in|auf) mein"
            r"|jemand\w*.{0,60}(eingeloggt|angemeldet|passwort (geändert|geaendert))"
        ),
    ),
    (
        "geld_weg",
        re.compile(
            r"(geld|betrag|euro|€|konto|ersparnis).{0,50}(\bweg\b|fehlt|verschwunden|geklaut|"
            r"gestohlen)"
            r"|(unerlaubt|einfach|fremde?|ohne mein\w*).{0,30}(abgebucht|abgehoben)"
            r"|(abgebucht|abgehoben).{0,40}(nicht (von )?mir|ohne mein|kenne ich nicht)"
        ),
    ),
)
# How-to wording about the same topics: "Wie erkenne ich ...", "Was ist ...".
_TEACHING = re.compile(
    r"^\W*(wie (erkenne|schütze|merke|vermeide|verhindere)|was ist (ein|eine|der|die|das)|"
    r"woran erkenn|was tun gegen|wie kann ich mich schützen)"
)

_VISIT = re.compile(
    r"(zu mir|zu uns|bei mir|bei uns)( nach hause| heim| vorbei)|\bnach hause kommen|"
    r"hausbesuch|vorbeikommen|vorbei kommen"
)
_FAILURE = re.compile(
    r"(trotzdem|immer noch|noch immer|weiterhin) (nicht|nich|nix|nichts)\b"
    r"|hat (mir )?(leider )?nicht geholfen|bringt (mir )?(nix|nichts)|"
    r"hab(e)? ich (alles |schon )?(gemacht|probiert|versucht)"
)
_HELP = re.compile(r"\b(hilfe|helfen|hilft|jemand\w*|mensch\w*|person|persönlich)\b")
_HOWTO = re.compile(
    r"^\W*(und )?(wie\b|kann (man|ich)|können (sie|wir)|darf (man|ich)|geht das|was muss|"
    r"muss ich|brauche ich|was mache ich|wo (finde|find|sehe|seh|stelle|stell) ich)"
    r"|\bwie (kann|könnte|mache|mach|geht|finde|find|funktioniert|bekomme|krieg|stelle|richte)\b"
)
# A follow-up about places just shown, although the NLU heard a request for a person
# ("sprechen die türkisch?", "komme ich da mit dem rollator rein?").
PLACE_DETAIL = re.compile(
    r"rollstuhl|rollator|rolli\b|treppe|stufen|aufzug|fahrstuhl|barrierefrei|"
    r"türkisch|tuerkisch|arabisch|russisch|ukrainisch|polnisch|englisch|persisch|rumänisch|"
    r"öffnungszeit|geöffnet|\boffen\b|adresse"
)


# A worry about what might happen ("Ich habe Angst, dass das Geld weg ist"), not an
# incident: for money and accounts only (a threat or bullying is never hypothetical).
_WORRY = re.compile(
    r"angst,? (dass|das)|sorge,? (dass|das)|befürcht|damit (nicht|kein)|falls|\bob (da|das|mein)"
)
_WORRY_TOPICS = frozenset({"geld_weg", "konto_gehackt"})


def incident_topic(text: str) -> str | None:
    """The urgent incident the text tells of, or None (also for how-to wording)."""
    lowered = text.lower()
    if _TEACHING.search(lowered):
        return None
    topic = next((topic for topic, pattern in INCIDENT_TOPICS if pattern.search(lowered)), None)
    if topic in _WORRY_TOPICS and _WORRY.search(lowered):
        return None
    return topic


def wants_a_visit(text: str) -> bool:
    """Whether someone should come to the citizen ("kann wer zu mir nach hause kommen")."""
    return bool(_VISIT.search(text.lower()))


def reports_failure(text: str) -> bool:
    """Whether the text says the last answer did not work."""
    return bool(_FAILURE.search(text.lower()))


def failure_with_help_request(text: str) -> bool:
    """ "Hab ich gemacht, geht trotzdem nicht. Ich brauche Hilfe.": a person, please."""
    lowered = text.lower()
    return bool(_FAILURE.search(lowered) and _HELP.search(lowered))


def asks_how_to(text: str) -> bool:
    """Whether any sentence of the text is a how-to question ("... Wie fange ich an?")."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return any(looks_like_howto(sentence) for sentence in sentences)


def asks_about_shown_places(text: str) -> bool:
    """Whether the text asks about access, languages, hours or the address of places."""
    return bool(PLACE_DETAIL.search(text.lower()))


def looks_like_howto(text: str) -> bool:
    """Whether the message asks how to do something ("Wie kann ich in der Bücherei
    drucken?") rather than where to go ("Wo kann ich drucken?")."""
    return bool(_HOWTO.search(text.lower()))


# A follow-up that leans on what was just said ("Und kann ich da auch scannen?", "Ist
# das sicher?", "wann fährt da der bus hin"): short, and pointing back.
_POINTS_BACK = re.compile(
    r"^\W*(und|aber|auch|geht das|ist das|kann man das|muss ich da)\b"
    r"|\b(da|dort|damit|dabei|davon|dafür|darauf|dahin|so (eine?|einer|einem|was)|das auch)\b"
)
FOLLOW_UP_MAX_WORDS = 14


def context_query(text: str, article_id: str | None) -> str | None:
    """The question with the topic of the article just answered, for a short follow-up
    that points back to it; None when the text stands on its own."""
    if not article_id or len(text.split()) > FOLLOW_UP_MAX_WORDS:
        return None
    if not _POINTS_BACK.search(text.lower()):
        return None
    return f"{text} ({article_id.replace('-', ' ')})"


_ABUSE = re.compile(
    r"\b(dumm\w*|dümm\w*|blöd\w*|bloed\w*|doof\w*|idiot\w*|depp\w*|trottel\w*|"
    r"bescheuert\w*|beknackt\w*|nutzlos\w*|unfähig\w*|unfaehig\w*|schei(ß|ss|s)\w*|"
    r"arsch\w*|kacke|mist\w*|müll|muell|versager\w*|lahm\w*|nervig\w*|"
    r"verpiss\w*|halt die klappe|halts maul|fick\w*)"
)
# The bot is the one addressed: "du", "dich", "dir", or what it is called.
_AT_THE_BOT = re.compile(
    r"\b(du|dich|dir|dein\w*|ihr|euch|bot|chatbot|maschine|programm|roboter|diodo|"
    r"blechkasten|automat)\b"
)
# Devices and services a citizen may curse at while still asking for help.
_DEVICE = re.compile(
    r"\b(handy|telefon|smartphone|tablet|laptop|pc|drucker|app|whatsapp|internet|wlan|"
    r"router|email|e-mail|passwort|akku|bildschirm|fernseher)\b"
)
INSULT_MAX_WORDS = 15


def insults_the_bot(text: str) -> bool:
    """Whether a short message is an angry word at DiODo itself, not a question."""
    lowered = text.lower()
    if len(lowered.split()) > INSULT_MAX_WORDS or looks_like_howto(lowered):
        return False
    if not (_ABUSE.search(lowered) and _AT_THE_BOT.search(lowered)):
        return False
    return not _DEVICE.search(lowered) or bool(re.search(r"\b(du|dich|dir)\b", lowered))
