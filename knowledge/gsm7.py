"""The GSM 03.38 7-bit alphabet, to keep SMS texts within what every phone shows.

A text outside this alphabet is sent as UCS-2, which shrinks a segment from 160 to
70 characters and on some old phones shows as boxes: emoji, typographic quotes and
dashes are the usual culprits.
"""

from __future__ import annotations

# The basic table (ESC, 0x1B, left out: it introduces the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension characters are sent as ESC + character and count twice.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def gsm7_length(text: str) -> int:
    """Count the septets a text needs in the GSM-7 alphabet.

    Args:
        text: The SMS text.

    Returns:
        The length in septets: 1 per basic character, 2 per extension character.

    Raises:
        ValueError: If the text holds a character outside GSM-7; the message names it.
    """
    length = 0
    for position, char in enumerate(text):
        if char in GSM7_BASIC:
            length += 1
        elif char in GSM7_EXTENSION:
            length += 2
        else:
            raise ValueError(
                f"character {char!r} (U+{ord(char):04X}) at position {position} "
                "is not in the GSM-7 alphabet"
            )
    return length
