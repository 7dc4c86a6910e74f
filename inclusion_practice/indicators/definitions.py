"""Indicator sets and code lists as data: the immutable, self-validating query model.

A set is a TOML file a commissioner can copy and edit; a code list is a TOML file citing its
source. Everything is parsed into frozen pydantic models that refuse to exist in an invalid
state (unknown code list, window ending before it starts, thresholds out of order, a category
that does not exist …), so no engine ever sees a bad definition. Errors name the file, the
indicator and the key, e.g.::

    my-set.toml: indicator IH004 (indicator[3]).numerator.criteria[0].codelist:
    unknown code list 'hep_c' (known: audit_c, ...)
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from inclusion_practice.domain.calendar_months import add_months
from inclusion_practice.domain.dna_ladder import OUTREACH, DnaAction
from inclusion_practice.domain.flag_categories import categories_by_code
from inclusion_practice.errors import InclusionPracticeError

_OFFSET_TERM = re.compile(r"([+-]?)(\d+)([dwmy])")
_SEASON = re.compile(r"^season:(\d\d)-(\d\d)\.\.(\d\d)-(\d\d)$")
_ID = r"^[A-Za-z][A-Za-z0-9_.-]*$"
MAX_INVITATION_COUNT = 3
"""The "did not respond to N invitations" rule is compiled for N up to 3 (QOF uses 2)."""


class DefinitionError(InclusionPracticeError):
    """An indicator set or code list is invalid. The message names file, indicator and key."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- offsets & windows


class Offset(_Frozen):
    """A calendar shift such as ``-12m+1d`` (months and days, applied in that order)."""

    months: int = 0
    days: int = 0
    text: str = "0d"

    @classmethod
    def parse(cls, text: str) -> Offset:
        value = text.replace(" ", "")
        if not value:
            raise ValueError("an offset such as -12m+1d, 0d or 28d is required")
        pos = 0
        months = days = 0
        for m in _OFFSET_TERM.finditer(value):
            if m.start() != pos:
                break
            sign = -1 if m.group(1) == "-" else 1
            n = sign * int(m.group(2))
            unit = m.group(3)
            if unit == "d":
                days += n
            elif unit == "w":
                days += 7 * n
            elif unit == "m":
                months += n
            else:
                months += 12 * n
            pos = m.end()
        if pos != len(value):
            raise ValueError(
                f"{text!r} is not an offset: use terms like -12m, +1d, 28d, 2w, -1y (e.g. -12m+1d)"
            )
        return cls(months=months, days=days, text=text)

    def apply(self, day: dt.date) -> dt.date:
        return add_months(day, self.months) + dt.timedelta(days=self.days)


ConstantAnchor = Literal["period_end", "period_start"]
RowAnchor = Literal["registration_start"]
_SAMPLE_DAYS = [dt.date(2024, m, d) for m in range(1, 13) for d in (1, 28)] + [
    dt.date(2024, 2, 29),
    dt.date(2025, 3, 31),
    dt.date(2024, 1, 31),
    dt.date(2024, 8, 31),
]


class Window(_Frozen):
    """Dates ``anchor + start`` to ``anchor + end``, both inclusive.

    ``anchor`` is ``period_end`` (the payment period end date, PPED), ``period_start``,
    ``period`` (start offset from the period start, end offset from the period end),
    ``season:MM-DD..MM-DD`` (the yearly season most recently begun on or before the period end,
    e.g. ``season:09-01..03-31`` for the flu season, start offset from its first day and end
    offset from its last; offsets default to ``0d``), ``registration_start`` (start of the
    continuous registration current at the period end), or ``first:<code list>`` /
    ``latest:<code list>`` (that patient's first/latest such event on or before the period end).
    Anchors that vary per patient take day/week offsets only, so every engine does the same
    arithmetic. Events after the period end never count.
    """

    anchor: str = "period_end"
    start: str = "-12m+1d"
    end: str = "0d"

    @model_validator(mode="before")
    @classmethod
    def _season_offsets(cls, data: Any) -> Any:
        """A season is its own window: its offsets default to none."""
        if isinstance(data, Mapping) and str(data.get("anchor", "")).startswith("season:"):
            return {"start": "0d", "end": "0d", **data}
        return data

    @field_validator("anchor")
    @classmethod
    def _anchor(cls, v: str) -> str:
        if v in ("period_end", "period_start", "period", "registration_start"):
            return v
        if v.startswith("season:"):
            _season_days(v)
            return v
        kind, _, name = v.partition(":")
        if kind in ("first", "latest") and name:
            return v
        raise ValueError(
            f"unknown anchor {v!r}: use period_end, period_start, period, season:MM-DD..MM-DD, "
            "registration_start, first:<code list> or latest:<code list>"
        )

    @field_validator("start", "end")
    @classmethod
    def _offset(cls, v: str) -> str:
        Offset.parse(v)
        return v

    @model_validator(mode="after")
    def _order(self) -> Self:
        start, end = self.start_offset, self.end_offset
        if not self.constant and (start.months or end.months):
            raise ValueError(
                f"a window anchored on {self.anchor} takes day or week offsets only "
                "(write 28d, not 1m)"
            )
        if self.anchor.startswith("season:"):
            for day in _SAMPLE_DAYS:
                lo, hi = self.period_bounds(day, day)
                if hi < lo:
                    raise ValueError(
                        f"window ends ({self.end}) before it starts ({self.start}) in {self.anchor}"
                    )
            return self
        if self.anchor == "period":
            samples = [(dt.date(2024, 4, 1), dt.date(2025, 3, 31))]
        else:
            samples = [(day, day) for day in _SAMPLE_DAYS]
        for s_day, e_day in samples:
            if end.apply(e_day) < start.apply(s_day):
                raise ValueError(
                    f"window ends ({self.end}) before it starts ({self.start}) from {self.anchor}"
                )
        return self

    @property
    def start_offset(self) -> Offset:
        return Offset.parse(self.start)

    @property
    def end_offset(self) -> Offset:
        return Offset.parse(self.end)

    @property
    def constant(self) -> bool:
        """Whether the window is the same dates for every patient."""
        return self.anchor in ("period_end", "period_start", "period") or self.anchor.startswith("season:")

    @property
    def anchor_codelist(self) -> str | None:
        if ":" in self.anchor and not self.anchor.startswith("season:"):
            return self.anchor.partition(":")[2]
        return None

    def bounds(self, anchor_day: dt.date) -> tuple[dt.date, dt.date]:
        """For a per-patient anchor: the window around that patient's anchor date."""
        return self.start_offset.apply(anchor_day), self.end_offset.apply(anchor_day)

    def period_bounds(self, period_start: dt.date, period_end: dt.date) -> tuple[dt.date, dt.date]:
        """For a constant anchor: the window's dates for the reporting period."""
        if self.anchor == "period":
            return self.start_offset.apply(period_start), self.end_offset.apply(period_end)
        if self.anchor.startswith("season:"):
            first, last = season_on(self.anchor, period_end)
            return self.start_offset.apply(first), self.end_offset.apply(last)
        day = period_end if self.anchor == "period_end" else period_start
        return self.bounds(day)

    def describe(self) -> str:
        if self.anchor.startswith("season:"):
            (sm, sd), (em, ed) = _season_days(self.anchor)
            offsets = "" if (self.start, self.end) == ("0d", "0d") else f" ({self.start}..{self.end})"
            return (
                f"in the season {sd:02d}/{sm:02d} to {ed:02d}/{em:02d} most recently begun by the "
                f"period end, up to the period end{offsets}"
            )
        anchor = {
            "period_end": "the period end",
            "period_start": "the period start",
            "period": "the period start/end",
            "registration_start": "registration",
        }.get(self.anchor, self.anchor.replace(":", " ") + " event")
        return f"{self.start}..{self.end} from {anchor}"


def _default_window() -> Window:
    return Window()


def _season_days(anchor: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """``season:09-01..03-31`` → ((9, 1), (3, 31)); a day that is not in every year is refused."""
    m = _SEASON.match(anchor)
    if m is None:
        raise ValueError(f"{anchor!r}: write a season as season:MM-DD..MM-DD, e.g. season:09-01..03-31")
    sm, sd, em, ed = (int(g) for g in m.groups())
    for month, day in ((sm, sd), (em, ed)):
        try:
            dt.date(2001, month, day)  # not a leap year: 29 February is not in every year
        except ValueError:
            raise ValueError(f"{anchor!r}: {month:02d}-{day:02d} is not a day of every year") from None
    return (sm, sd), (em, ed)


def season_on(anchor: str, period_end: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the season most recently begun on or before ``period_end``.

    ``season:09-01..03-31`` on 31 March 2026 → 1 Sep 2025 to 31 Mar 2026; on 30 June 2025 → 1 Sep
    2024 to 31 Mar 2025 (the last season, already over); on 31 Dec 2025 → 1 Sep 2025 to 31 Mar 2026
    (engines stop counting at the period end). A season may be a single day.
    """
    (sm, sd), (em, ed) = _season_days(anchor)
    first = dt.date(period_end.year, sm, sd)
    if first > period_end:
        first = dt.date(period_end.year - 1, sm, sd)
    last = dt.date(first.year, em, ed)
    if last < first:
        last = dt.date(first.year + 1, em, ed)
    return first, last


# --------------------------------------------------------------------------- criteria


def _check_codelist(name: str, info: ValidationInfo) -> str:
    known: Mapping[str, CodeList] | None = (info.context or {}).get("codelists")
    if known is not None and name not in known:
        raise ValueError(
            f"unknown code list {name!r} (known: {', '.join(sorted(known)) or 'none'})"
        )
    return name


class EventCriterion(_Frozen):
    """At least ``min_count`` coded events from ``codelist`` in ``window`` (value in range)."""

    type: Literal["event"] = "event"
    codelist: str
    window: Window = Field(default_factory=_default_window)
    min_count: Annotated[int, Field(ge=1, le=20)] = 1
    min_value: float | None = None
    max_value: float | None = None
    label: str | None = None
    """How the worklist names what is missing (defaults to the code list's title)."""

    @field_validator("codelist")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        return _check_codelist(v, info)

    @model_validator(mode="after")
    def _values(self) -> Self:
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.max_value < self.min_value
        ):
            raise ValueError(f"max_value {self.max_value} is below min_value {self.min_value}")
        return self


class LatestEventCriterion(_Frozen):
    """The latest event from ``codelist`` in ``window`` is one of ``in_codelist``.

    E.g. "latest smoking status is current smoker". Ties on the same day count as a match.
    """

    type: Literal["latest_event"] = "latest_event"
    codelist: str
    in_codelist: str
    window: Window = Field(default_factory=_default_window)
    label: str | None = None

    @field_validator("codelist", "in_codelist")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        return _check_codelist(v, info)

    @model_validator(mode="after")
    def _constant(self) -> Self:
        if not self.window.constant:
            raise ValueError("latest_event windows must be anchored on period_end or period_start")
        return self


PatientField = Literal[
    "main_language", "interpreter_needed", "interpreter_mode", "keyworker_name", "sex"
]


class AttributeCriterion(_Frozen):
    """A fact held on the patient record (language, interpreter, keyworker, sex)."""

    type: Literal["attribute"] = "attribute"
    field: PatientField
    op: Literal["present", "absent", "eq", "ne", "in", "not_in"] = "present"
    value: bool | str | list[str] | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _value(self) -> Self:
        needs = {"eq": (bool, str), "ne": (bool, str), "in": (list,), "not_in": (list,)}
        if self.op in needs and not isinstance(self.value, needs[self.op]):
            raise ValueError(f"op {self.op!r} needs a value ({' or '.join(t.__name__ for t in needs[self.op])})")
        if self.op in ("present", "absent") and self.value is not None:
            raise ValueError(f"op {self.op!r} takes no value")
        if self.field == "interpreter_needed" and self.op not in ("eq", "ne"):
            raise ValueError("interpreter_needed is true/false: use op = \"eq\" with a boolean value")
        return self


class DnaCriterion(_Frozen):
    """Missed appointments (DNAs) in ``window``.

    Without ``followed_up_within_days``: the patient had at least one DNA in the window. With it:
    every DNA in the window had an outreach action of one of ``actions`` marked done within that
    many days (and by the period end).
    """

    type: Literal["dna"] = "dna"
    window: Window = Field(default_factory=_default_window)
    followed_up_within_days: Annotated[int, Field(ge=0, le=365)] | None = None
    actions: list[str] = Field(default_factory=lambda: [a.value for a in OUTREACH])
    """The actions that count as follow-up; by default outreach only (keyworker contact, drop-in
    offer, clinician review, safeguarding check), never a reminder or a sanction."""
    label: str | None = None

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, v: list[str]) -> list[str]:
        known = {a.value for a in DnaAction}
        for action in v:
            if action not in known:
                raise ValueError(f"unknown action {action!r} (known: {', '.join(sorted(known))})")
        return v

    @model_validator(mode="after")
    def _constant(self) -> Self:
        if not self.window.constant:
            raise ValueError("dna windows must be anchored on period_end or period_start")
        if self.followed_up_within_days is not None and not self.actions:
            raise ValueError("actions: name at least one outreach action")
        return self


class RegisteredInCriterion(_Frozen):
    """The registration current at the period end started in ``window`` (new registrations)."""

    type: Literal["registered_in"] = "registered_in"
    window: Window = Field(default_factory=_default_window)
    label: str | None = None

    @model_validator(mode="after")
    def _constant(self) -> Self:
        if not self.window.constant:
            raise ValueError("registered_in windows must be anchored on period_end or period_start")
        return self


Criterion = Annotated[
    EventCriterion
    | LatestEventCriterion
    | AttributeCriterion
    | DnaCriterion
    | RegisteredInCriterion,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------- indicator parts


class Register(_Frozen):
    """Who is on the register at the period end."""

    categories: list[str] | Literal["any"] = "any"
    """Inclusion-health categories, any of which must be active on the period end."""
    min_registration_days: Annotated[int, Field(ge=0, le=3650)] = 0
    """Registered for at least this many days before the period end (QOF uses e.g. 3 months),
    counted from the start of the continuous registration (consecutive or overlapping periods,
    of every record linked as the same person) that covers the period end."""
    include_temporary: bool = False
    """Count temporary residents and immediately-necessary-treatment patients too. By default
    only registered (permanent) patients count: the others stay registered with their home
    practice. An enhanced service that pays for temporary residents opts in per indicator."""

    @field_validator("categories")
    @classmethod
    def _known(cls, v: list[str] | str, info: ValidationInfo) -> list[str] | str:
        if isinstance(v, str):
            return v
        if not v:
            raise ValueError('name at least one category, or write categories = "any"')
        known: Mapping[str, Any] = (info.context or {}).get("categories") or categories_by_code()
        for c in v:
            if c not in known:
                raise ValueError(f"unknown category {c!r} (known: {', '.join(sorted(known))})")
        return v


class Denominator(_Frozen):
    min_age: Annotated[int, Field(ge=0, le=130)] | None = None
    max_age: Annotated[int, Field(ge=0, le=130)] | None = None
    rules: list[Criterion] = []
    """All must hold (beyond the register and ages)."""

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            raise ValueError(f"max_age {self.max_age} is below min_age {self.min_age}")
        return self


class Numerator(_Frozen):
    require: Literal["all", "any"] = "all"
    criteria: Annotated[list[Criterion], Field(min_length=1)]


class Invitations(_Frozen):
    """"Did not respond to ``count`` invitations at least ``min_gap_days`` apart"."""

    topic: Annotated[str, Field(min_length=1, max_length=60)]
    count: Annotated[int, Field(ge=1, le=MAX_INVITATION_COUNT)] = 2
    min_gap_days: Annotated[int, Field(ge=0, le=365)] = 7
    window: Window = Field(default_factory=_default_window)

    @model_validator(mode="after")
    def _constant(self) -> Self:
        if not self.window.constant:
            raise ValueError("invitation windows must be anchored on period_end or period_start")
        return self


class Exceptions(_Frozen):
    """Personalised care adjustments (PCAs) and exclusions: the C of A/(B−C).

    Only patients not in the numerator are excepted (as in QOF)."""

    declined: list[str] = []
    """Code lists meaning the patient declined (informed dissent)."""
    unsuitable: list[str] = []
    """Code lists meaning the care is unsuitable for the patient."""
    window: Window = Field(default_factory=_default_window)
    """Where declined/unsuitable codes count."""
    invitations: Invitations | None = None
    exclusions: list[Criterion] = []
    """Business-rule exclusions (any one applies), e.g. a persisting contraindication."""

    @field_validator("declined", "unsuitable")
    @classmethod
    def _known(cls, v: list[str], info: ValidationInfo) -> list[str]:
        for name in v:
            _check_codelist(name, info)
        return v

    @model_validator(mode="after")
    def _constant(self) -> Self:
        if not self.window.constant:
            raise ValueError("exception windows must be anchored on period_end or period_start")
        return self


class Prevalence(_Frozen):
    """Prevalence adjustment: points money × practice prevalence ÷ ``reference_percent``.

    Practice prevalence is the ``register`` indicator's count (a ``kind = "register"`` indicator
    of the same set) ÷ the practice list size, as QOF weights its clinical indicators."""

    register_id: Annotated[str, Field(pattern=_ID, alias="register")]
    """Written ``register``: the id of the register indicator whose count is the numerator."""
    reference_percent: Annotated[float, Field(gt=0, le=100)]
    """The prevalence a practice is compared with (QOF: the national prevalence), in percent."""
    source: Annotated[str, Field(min_length=5)]
    """Where the reference prevalence comes from (agreed with the commissioner, a publication)."""


class Scoring(_Frozen):
    """Thresholds in percent, points and money. The shipped values are placeholders."""

    lower: Annotated[float, Field(ge=0, le=100)] | None = None
    upper: Annotated[float, Field(ge=0, le=100)] | None = None
    max_points: Annotated[float, Field(ge=0, le=1000)] = 0
    per_patient: Annotated[float, Field(ge=0)] = 0
    """£ for each patient in the numerator (register indicators: each patient on it)."""
    per_event: Annotated[float, Field(ge=0)] = 0
    """£ for each numerator event in the window (e.g. per completed check): a numerator
    patient's days with a qualifying event, so two entries on one day are one event."""
    prevalence: Prevalence | None = None
    """Weight the points money by prevalence (for prevalence-based indicators)."""
    placeholder: bool = True
    """Shown in reports until a commissioner has agreed real values."""

    @model_validator(mode="after")
    def _thresholds(self) -> Self:
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both lower and upper thresholds, or neither")
        if self.lower is not None and self.upper is not None and self.upper <= self.lower:
            raise ValueError(
                f"thresholds out of order: upper {self.upper} must be above lower {self.lower}"
            )
        if self.max_points and self.lower is None:
            raise ValueError("max_points needs lower and upper thresholds")
        return self


class Indicator(_Frozen):
    id: Annotated[str, Field(pattern=_ID, max_length=40)]
    title: Annotated[str, Field(min_length=1)]
    rationale: str = ""
    version: str = "1"
    kind: Literal["proportion", "register"] = "proportion"
    population: Register = Field(default_factory=Register, alias="register")
    """Written ``[indicator.register]`` in TOML."""
    denominator: Denominator = Denominator()
    numerator: Numerator | None = None
    exceptions: Exceptions = Exceptions()
    scoring: Scoring = Scoring()
    limitations: list[str] = []
    """What the author knows the indicator cannot see (shown with its definition); the ones
    that follow from the definition itself are added by :func:`limitations`."""

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.kind == "proportion" and self.numerator is None:
            raise ValueError("numerator: a proportion indicator needs a numerator")
        if self.kind == "register":
            if self.numerator is not None:
                raise ValueError("numerator: a register indicator counts its register; remove numerator")
            if self.scoring.max_points:
                raise ValueError("scoring.max_points: a register earns per-patient payments only")
            if self.scoring.prevalence is not None:
                raise ValueError("scoring.prevalence: a register earns no points to weight")
        return self

    @property
    def numerator_criteria(self) -> list[EventCriterion | LatestEventCriterion | AttributeCriterion | DnaCriterion | RegisteredInCriterion]:
        return list(self.numerator.criteria) if self.numerator else []

    def all_criteria(self) -> list[Any]:
        """Every criterion anywhere in the indicator (for compilers and docs)."""
        return [*self.denominator.rules, *self.numerator_criteria, *self.exceptions.exclusions]


class IndicatorSet(_Frozen):
    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    title: Annotated[str, Field(min_length=1)]
    version: str = "1"
    description: str = ""
    publisher: str = ""
    pounds_per_point: Annotated[float, Field(ge=0)] | None = None
    """Overrides the practice's ``reporting.pounds_per_point`` for this set."""
    indicator: Annotated[list[Indicator], Field(min_length=1)]
    source: str = Field(default="", exclude=True)
    """The file it came from (not part of the definition)."""
    codelists: dict[str, CodeList] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen: set[str] = set()
        for ind in self.indicator:
            if ind.id in seen:
                raise ValueError(f"duplicate indicator id {ind.id!r}")
            seen.add(ind.id)
        kinds = {ind.id: ind.kind for ind in self.indicator}
        for ind in self.indicator:
            prev = ind.scoring.prevalence
            if prev is not None and kinds.get(prev.register_id) != "register":
                raise ValueError(
                    f"indicator {ind.id}: scoring.prevalence.register: {prev.register_id!r} is not a "
                    'kind = "register" indicator of this set'
                )
        return self

    @property
    def indicators(self) -> list[Indicator]:
        return list(self.indicator)

    def get(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicator if i.id == indicator_id), None)


class Code(_Frozen):
    code: Annotated[str, Field(min_length=1, max_length=20)]
    term: Annotated[str, Field(min_length=1)]


class CodeList(_Frozen):
    """A named list of codes with the source it was taken from."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=10)]
    url: Annotated[str, Field(min_length=8)]
    local: bool = False
    """True when the codes are local (``ip:`` prefixed), not SNOMED CT."""
    codes: Annotated[list[Code], Field(min_length=1)]

    @model_validator(mode="after")
    def _codes(self) -> Self:
        for c in self.codes:
            if self.local and not c.code.startswith("ip:"):
                raise ValueError(f"codes: local code {c.code!r} must start with 'ip:'")
            if not self.local and not re.fullmatch(r"\d{6,18}", c.code):
                raise ValueError(f"codes: {c.code!r} is not a SNOMED CT id (6-18 digits)")
        return self

    @cached_property
    def code_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)

    def term(self, code: str) -> str:
        return next((c.term for c in self.codes if c.code == code), code)


IndicatorSet.model_rebuild()

# --------------------------------------------------------------------------- loading


def _format_loc(loc: Sequence[int | str], raw: Mapping[str, Any]) -> str:
    """``('indicator', 3, 'numerator', 'criteria', 0, 'event', 'codelist')`` →
    ``indicator IH004 (indicator[3]): numerator.criteria[0].codelist``."""
    indicators = raw.get("indicator") if isinstance(raw, Mapping) else None
    head = ""
    parts: list[str] = []
    items = list(loc)
    if len(items) >= 2 and items[0] == "indicator" and isinstance(items[1], int):
        idx = items[1]
        ind_id = None
        if isinstance(indicators, list) and idx < len(indicators) and isinstance(indicators[idx], Mapping):
            ind_id = indicators[idx].get("id")
        head = f"indicator {ind_id} (indicator[{idx}])" if ind_id else f"indicator[{idx}]"
        items = items[2:]
    tags = {"event", "latest_event", "attribute", "dna", "registered_in"}
    for part in items:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
        elif part in tags and parts and parts[-1].endswith("]"):
            continue  # the discriminator tag pydantic adds: noise for a reader
        elif "[" in part or part.startswith("function-") or part in ("str", "bool"):
            continue  # union member names pydantic adds
        else:
            parts.append(part)
    tail = ".".join(parts)
    if head and tail:
        return f"{head}: {tail}"
    return head or tail


def _problems(exc: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    out = []
    for err in exc.errors():
        loc = _format_loc(tuple(err["loc"]), raw)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "union_tag_invalid":
            msg = "unknown criterion type: use event, latest_event, attribute, dna or registered_in"
        out.append(f"{loc}: {msg}" if loc else msg)
    return list(dict.fromkeys(out))


def parse_codelist(text: str, source: str) -> CodeList:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{source}: not valid TOML: {exc}") from None
    try:
        return CodeList.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(f"{source}: " + "; ".join(_problems(exc, raw))) from None


def shipped_codelists() -> dict[str, CodeList]:
    """The code lists shipped in the package."""
    out: dict[str, CodeList] = {}
    folder = resources.files("inclusion_practice.indicators").joinpath("codelists")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            cl = parse_codelist(entry.read_text(encoding="utf-8"), f"codelists/{entry.name}")
            if cl.id != entry.name.removesuffix(".toml"):
                raise DefinitionError(f"codelists/{entry.name}: id: must match the file name")
            out[cl.id] = cl
    return out


def load_codelists(extra_dir: Path | None = None) -> dict[str, CodeList]:
    """Shipped code lists, overridden/extended by ``*.toml`` in ``extra_dir`` (if it exists)."""
    lists = shipped_codelists()
    if extra_dir is not None and extra_dir.is_dir():
        for path in sorted(extra_dir.glob("*.toml")):
            cl = parse_codelist(path.read_text(encoding="utf-8"), str(path))
            lists[cl.id] = cl
    return lists


def parse_set(
    text: str,
    source: str,
    codelists: Mapping[str, CodeList] | None = None,
    extra_categories: Mapping[str, Any] | None = None,
) -> IndicatorSet:
    """Parse and validate an indicator set. Nothing is returned unless all of it is valid."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{source}: not valid TOML: {exc}") from None
    lists = dict(codelists) if codelists is not None else shipped_codelists()
    context = {"codelists": lists, "categories": extra_categories or categories_by_code()}
    try:
        parsed = IndicatorSet.model_validate(raw, context=context)
    except ValidationError as exc:
        raise DefinitionError(f"{source}: " + "; ".join(_problems(exc, raw))) from None
    # Anchors like latest:<code list> are free text inside Window; check them here.
    for idx, ind in enumerate(parsed.indicator):
        for crit in ind.all_criteria():
            win = getattr(crit, "window", None)
            if win is not None and win.anchor_codelist and win.anchor_codelist not in lists:
                raise DefinitionError(
                    f"{source}: indicator {ind.id} (indicator[{idx}]): window.anchor: unknown code "
                    f"list {win.anchor_codelist!r}"
                )
    used = {
        name
        for ind in parsed.indicator
        for name in _codelists_used(ind)
    }
    return parsed.model_copy(update={"source": source, "codelists": {n: lists[n] for n in sorted(used)}})


def _codelists_used(ind: Indicator) -> set[str]:
    names: set[str] = set(ind.exceptions.declined) | set(ind.exceptions.unsuitable)
    for crit in ind.all_criteria():
        for attr in ("codelist", "in_codelist"):
            if getattr(crit, attr, None):
                names.add(getattr(crit, attr))
        win = getattr(crit, "window", None)
        if win is not None and win.anchor_codelist:
            names.add(win.anchor_codelist)
    return names


def load_set_file(path: Path, extra_categories: Mapping[str, Any] | None = None) -> IndicatorSet:
    """Load a set from a file; code lists from a ``codelists/`` folder next to it win."""
    if not path.is_file():  # a folder (or "" which is ".") is not a set either
        raise DefinitionError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read as a UTF-8 text file "
                              f"({type(exc).__name__})") from None
    lists = load_codelists(path.parent / "codelists")
    return parse_set(text, str(path), lists, extra_categories)


def shipped_set_names() -> list[str]:
    folder = resources.files("inclusion_practice.indicators").joinpath("sets")
    return sorted(e.name.removesuffix(".toml") for e in folder.iterdir() if e.name.endswith(".toml"))


def load_shipped_set(set_id: str, extra_categories: Mapping[str, Any] | None = None) -> IndicatorSet:
    folder = resources.files("inclusion_practice.indicators").joinpath("sets")
    entry = folder.joinpath(f"{set_id}.toml")
    if not entry.is_file():
        raise DefinitionError(
            f"indicator set {set_id!r} not found (shipped: {', '.join(shipped_set_names())})"
        )
    return parse_set(entry.read_text(encoding="utf-8"), f"sets/{set_id}.toml", None, extra_categories)
