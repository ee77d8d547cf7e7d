"""Money written back for people and for files.

Money is never a float here. Amounts are ``int`` minor units (grosze, hundredths of the
currency unit) everywhere in the bot; formatting hands Babel an exact ``decimal.Decimal``.
Reading a typed amount is in `bot.services.parsing`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from babel.numbers import format_currency

__all__ = ["format_amount_plain", "format_money"]


# --- formatting ------------------------------------------------------------------------------

# CLDR's currency-spacing rule, which Babel does not apply: a currency written as letters gets a
# no-break space next to the digits ("PLN 1,234.50", not "PLN1,234.50"). Symbols such as "€",
# "$" or "zł" after a space are left as Babel writes them.
_LETTER_DIGIT_RE: Final = re.compile(r"(?<=[^\W\d_])(?=[0-9])|(?<=[0-9])(?=[^\W\d_])")


def format_money(minor: int, currency: str, locale: str) -> str:
    """Write an amount for people, e.g. ``1 234,50 zł`` (pl) or ``PLN 1,234.50`` (en).

    Babel writes the grouping and the space before "zł" as U+00A0 (no-break space), so an
    amount never wraps across lines in a chat message.
    """
    # scaleb(-2) is exact: Decimal(123450).scaleb(-2) == Decimal("1234.50"), no float involved.
    value = Decimal(minor).scaleb(-2)
    # currency_digits=False: always two decimals, as stored (grosze), instead of the currency's
    # own digits (which would round away stored hundredths for e.g. JPY).
    text = format_currency(value, currency, locale=locale, currency_digits=False)
    return _LETTER_DIGIT_RE.sub("\u00a0", text)


def format_amount_plain(minor: int) -> str:
    """``1234.50``: two decimals, a dot, no grouping, no currency; for CSV export."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"
