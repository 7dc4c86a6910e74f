"""Calendar arithmetic in whole months and years, one way for every rule.

Windows such as "the 12 months up to and including 31 March", the DNA policy's 12-month window,
flag review dates and ages all use these, built on ``dateutil.relativedelta`` (which clamps to
the month's end: 31 March − 1 month = 28/29 February).
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months (negative: earlier), clamped to the month's end."""
    result: dt.date = day + relativedelta(months=months)
    return result


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier, clamped to the month's end."""
    return add_months(day, -months)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on``. Someone born on 29 February turns a year older on
    1 March in a common year (the usual reading in England and Wales)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
