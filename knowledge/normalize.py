"""German text normalisation for the knowledge search.

Queries and articles go through the same `tokenize` function, so whatever it folds
away (case, umlauts, endings, common typos, irregular forms) folds away on both sides.
Everything the index needs from it is one function of type `Tokenizer`.

The pipeline per word: fold case and umlauts, split hyphenated compounds, correct a
small list of common typos, drop stop words, look up the lemma (spaCy's German lookup
table, when spaCy and spacy-lookups-data are installed; see `knowledge.lemmas`), and
cut endings with a crude stemmer. Without spaCy the lemma step is skipped and the
stemmer alone does the work, so the Rasa side (Python 3.10, no spaCy) still gets the
same search, only a little less forgiving with irregular verbs ("ging", "gekriegt").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from knowledge import lemmas

Tokenizer = Callable[[str], list[str]]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COMBINING = re.compile(r"[\u0300-\u036f]")  # accents left over after NFKD

# Function words and fillers citizens put around their question ("wie ging das
# nochmal", "ich brauche Hilfe", "soll ich da drauf klicken"): they say nothing about
# the topic, and a word the index does not know counts against the confidence.
_STOP_WORDS_TEXT = """
    aber alle als also am an ans auch auf aufs aus bei beim bekam bekomme bekommen
    bekommst bekommt bin bis bist bitte brauche brauchen braucht da dafuer damit danke
    dann daran darauf darf das dass davon dazu dein deine deinem deinen deiner dem den
    denn der des dich die dies diese diesem diesen dieser dieses dir doch dort dran
    drauf du duerfen eben eigentlich ein eine einem einen einer eines einfach er
    erklaere erklaeren erklaert es etwas euch euer eure frage fragen fuer funktioniere
    funktionieren funktioniert ganz gehen geht gekriegt genau gerade gern gerne gibt
    ging grad gut gute gutes hab habe haben hallo halt hast hat hatte helfen hier hilf
    hilfe ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im immer in ins irgendwas
    irgendwie ist ja jemand jetzt kann kannst klappen klappt klappte koennen koennte
    koennten krieg kriege kriegen kriegst kriegt leider mal man mehr mein meine meinem
    meinen meiner meines mich mir mit moechte moechten muessen muss nach ne nein nen
    nich nicht nichts nix noch nochmal nochmals nun nur ob oder ohne ok okay per richtig
    sag sagen sagt schon sehr sein seine seinem seinen seiner sich sie sind so soll
    sollen sollte sowas tue tun ueber um und uns unser unsere viel viele vom von vor
    wann war waren warum was weil weiss welche welchen welcher welches wenn wer weshalb
    wie wieso will wir wird wissen wo wofuer woher wohin womit wozu wuerde wuerden wurde
    zeig zeigen zeigt zu zum zur ueberhaupt vielleicht wirklich trotzdem bisschen momentan
    neulich staendig dauernd
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Misspellings citizens make often, folded. The index also corrects unknown words by
# similarity (`knowledge.index`), but only from six letters on and with the same first
# letter; these are the short or badly mangled ones that rule cannot catch.
_TYPOS_TEXT = """
    whatsap:whatsapp watsapp:whatsapp watsap:whatsapp whatsup:whatsapp whattsapp:whatsapp
    whatapp:whatsapp wathsapp:whatsapp watzap:whatsapp handi:handy hendy:handy
    hnady:handy hady:handy smartfon:smartphone smatphone:smartphone ipone:iphone
    ifone:iphone ifon:iphone aipad:ipad eipad:ipad tablett:tablet tabled:tablet
    emil:email imail:email emeil:email emal:email mial:email meil:mail
    pasword:passwort passwrt:passwort paswort:passwort passwot:passwort pw:passwort
    passwd:passwort kenwort:kennwort wlahn:wlan wlam:wlan wifi:wlan wlan-:wlan
    intanet:internet internett:internet innternet:internet interned:internet
    googel:google gogle:google gugel:google fotto:foto photo:foto photos:fotos
    vidoe:video vido:video viedeo:video onlien:online onlin:online
    bluetoth:bluetooth blutooth:bluetooth bluetoot:bluetooth blutuht:bluetooth
    eboks:ebooks ebok:ebook akkku:akku aku:akku bibliotek:bibliothek bibiliothek:bibliothek
    buecherrei:buecherei sms-:sms
"""
TYPOS: dict[str, str] = dict(pair.split(":") for pair in _TYPOS_TEXT.split())

_MIN_STEM = 3
_PREFIX = "ge"
# No "-ung": "Sicherung" (backup) must not meet "sicher" (safe).
_DERIVATIONAL = ("heiten", "keiten", "innen", "heit", "keit", "in")
_INFLECTIONAL = ("ern", "em", "er", "en", "es", "e")
_VERBAL = ("est", "st", "et", "t")


def fold(text: str) -> str:
    """Lower-case text and fold German special letters to ASCII.

    Args:
        text: Any text, also with combining accents (as some keyboards send them).

    Returns:
        The text in lower case with ä→ae, ö→oe, ü→ue, ß→ss and other accents removed
        ("Café" → "cafe").
    """
    text = unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _strip_suffix(word: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def _strip_inflection(word: str) -> str:
    shorter = _strip_suffix(word, _INFLECTIONAL)
    if shorter != word:
        return shorter
    # Plural -s (Fotos, Apps) but not the end of "gross"; dative plural -n (Enkeln)
    # but not the end of "WLAN".
    if word.endswith(("s", "ln")) and not word.endswith("ss"):
        return _strip_suffix(word, ("s", "n"))
    return word


def stem(word: str) -> str:
    """Reduce a folded German word to a crude stem.

    Like the Snowball German stemmer, umlauts count as their base vowel
    ("passwoerter" and "passwort" meet). Then a "ge-" participle prefix, one
    derivational or feminine ending (-heit, -keit, -in, -innen), inflectional
    endings (-e, -em, -en, -er, -ern, -es, plural -s, dative -n; repeatedly) and one
    verbal ending (-t, -et, -st, -est) are cut, never below three letters (four
    after -st). Stems need
    not be words; they only have to agree.

    Args:
        word: A word already passed through `fold`.

    Returns:
        The stem.
    """
    word = word.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    if word.startswith(_PREFIX) and len(word) - len(_PREFIX) >= 5:
        word = word[len(_PREFIX) :]
    word = _strip_suffix(word, _DERIVATIONAL)
    shorter = _strip_inflection(word)
    while shorter != word:
        word, shorter = shorter, _strip_inflection(shorter)
    if word.endswith("st") and len(word) - 2 < _MIN_STEM + 1:
        # "papst" is no verb form of "pap" ("paper"): -st leaves at least four letters.
        return _strip_suffix(word, ("t",))
    return _strip_suffix(word, _VERBAL)


def words(text: str) -> list[str]:
    """Split text into folded words, without stemming or stop-word removal.

    A hyphenated compound yields its parts and the joined word
    ("Passwort-Manager" → passwort, manager, passwortmanager). One-letter parts are
    dropped.

    Args:
        text: Any text, Markdown included (markup characters act as separators).

    Returns:
        The words in order of appearance.
    """
    result: list[str] = []
    for match in _WORD.finditer(fold(text)):
        parts = match.group().split("-")
        result.extend(part for part in parts if len(part) > 1)
        if len(parts) > 1:
            result.append("".join(parts))
    return result


def correct(word: str) -> str:
    """Return the intended word for a known misspelling (folded), else the word."""
    return TYPOS.get(word, word)


def make_tokenizer(use_lemmas: bool = True) -> Tokenizer:
    """Build a tokenizer, with or without spaCy's lookup lemmas.

    Args:
        use_lemmas: Look words up in spaCy's German lemma table first. Ignored (no
            lemmas) when spaCy or spacy-lookups-data is not installed.

    Returns:
        A `Tokenizer`: fold, split, correct typos, drop stop words, lemmatise, stem.
    """

    def tokenize_text(text: str) -> list[str]:
        terms = []
        for word in words(text):
            word = correct(word)
            if word in STOP_WORDS:
                continue
            if use_lemmas:
                word = lemmas.lemma(word)
                if word in STOP_WORDS:
                    continue
            terms.append(stem(word))
        return terms

    return tokenize_text


tokenize: Tokenizer = make_tokenizer()
"""The default tokenizer (with lemmas where spaCy is installed)."""

tokenize_without_lemmas: Tokenizer = make_tokenizer(use_lemmas=False)
"""The tokenizer the search falls back to without spaCy; also for measurements."""
