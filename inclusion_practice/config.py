"""``practice.toml``: the practice's identity, partners, clinicians, sessions and policies.

Parsed into pydantic models so that every mistake is reported with the key that holds it and
the reason, e.g. ``practice.toml: sessions[2].start: must be HH:MM``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, ValidationError, field_validator, model_validator

from inclusion_practice.domain.dna_ladder import DnaSettings
from inclusion_practice.domain.flag_categories import FlagCategory, categories_by_code
from inclusion_practice.domain.mdt import MdtSettings
from inclusion_practice.domain.postcode import parse_postcode
from inclusion_practice.domain.referrals import PartnerServiceKind
from inclusion_practice.domain.roles import FlagVisibility, Role, flag_visibility
from inclusion_practice.domain.session_template import Gender, LocationKind, SessionTemplate
from inclusion_practice.domain.sign_in_policy import SignInSettings
from inclusion_practice.domain.strict import Strict
from inclusion_practice.errors import ConfigError

CONFIG_ENV = "INCLUSION_PRACTICE_CONFIG"
DB_ENV = "INCLUSION_PRACTICE_DB"
DEFAULT_CONFIG_FILE = Path("practice.toml")
DEFAULT_DB_FILE = Path("inclusion_practice.db")
"""Used when neither ``--db``, ``INCLUSION_PRACTICE_DB`` nor the config names a database: a
SQLite file in the current directory."""


class ContractType(StrEnum):
    GMS = "GMS"
    PMS = "PMS"
    PMS_PLUS = "PMS Plus"
    APMS = "APMS"
    SPMS = "SPMS"
    PCTMS = "PCTMS"


class Address(Strict):
    lines: Annotated[list[str], Field(min_length=1)]
    postcode: str

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, v: str) -> str:
        return parse_postcode(v)


class PracticeIdentity(Strict):
    name: Annotated[str, Field(min_length=1)]
    ods_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{3,6}$")]
    """The practice's ODS code, e.g. ``Y12345``."""
    contract_type: ContractType = ContractType.PMS
    address: Address
    phone: Annotated[str, Field(min_length=5)]
    list_size: Annotated[int, Field(ge=0)] | None = None
    """For the QOF list-size index; counted from the database when left out."""


class PartnerKind(StrEnum):
    HOSTEL = "hostel"
    NIGHT_SHELTER = "night_shelter"
    DAY_CENTRE = "day_centre"
    OUTREACH_TEAM = "outreach_team"
    SUPPORT_SERVICE = "support_service"
    DRUG_ALCOHOL_SERVICE = "drug_alcohol_service"
    MENTAL_HEALTH_TEAM = "mental_health_team"
    HOUSING_SERVICE = "housing_service"
    HEALTH_SERVICE = "health_service"


class ContactMethod(StrEnum):
    SECURE_EMAIL = "secure_email"
    PHONE = "phone"
    PORTAL = "portal"
    LETTER = "letter"
    IN_PERSON = "in_person"


class ContactRoute(Strict):
    """How referrals and MDT actions reach a partner (a secure mailbox, a duty phone…)."""

    method: ContactMethod
    detail: Annotated[str, Field(min_length=1, max_length=200)]
    """The address, number or portal name."""
    hours: str | None = None


class Partner(Strict):
    """An organisation patients can use as a care-of address, that hosts sessions, and that
    offers services the practice refers to and meets with at the MDT."""

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Annotated[str, Field(min_length=1)]
    kind: PartnerKind
    address: Address
    phone: str | None = None
    contact_name: str | None = None
    services: list[PartnerServiceKind] = []
    """What the partner offers (mental_health, drug_and_alcohol, housing, outreach, dental,
    sexual_health, tb): referrals go to a partner for one of these."""
    contact_route: ContactRoute | None = None
    """Where referrals and actions go; a partner offering services needs one."""

    @model_validator(mode="after")
    def _route(self) -> Self:
        if self.services and self.contact_route is None:
            raise ValueError("contact_route: a partner offering services needs a contact route")
        if len(set(self.services)) != len(self.services):
            raise ValueError("services: listed twice")
        return self


class ClinicianConfig(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Annotated[str, Field(min_length=1)]
    gender: Gender
    profession: Literal["gp", "nurse", "hca", "pharmacist", "mental_health", "drug_worker"] = "gp"


class RegistrationSettings(Strict):
    health_check_window_days: Annotated[int, Field(ge=1, le=365)] = 28
    temporary_max_days: Annotated[int, Field(ge=1, le=92)] = 92
    """Temporary residents: 24 hours to 3 months."""
    immediately_necessary_cover_days: Annotated[int, Field(ge=0, le=30)] = 14
    refusal_written_reason_days: Annotated[int, Field(ge=1, le=60)] = 14


class ReportingSettings(Strict):
    pounds_per_point: Annotated[float, Field(ge=0)] | None = None
    """£ per QOF point; when left out, the figure for the period's financial year
    (``domain/qof_payment.QOF_YEARS``, with its source). An indicator set's own value wins."""
    national_average_list_size: Annotated[int, Field(gt=0)] | None = None
    """For the contractor population index; when left out, the financial year's figure."""
    apply_list_size_index: bool = True
    """The contractor population index (list size ÷ national average), as QOF always applies."""
    indicator_set: str = "inclusion-health-les"
    indicator_engine: Literal["auto", "duckdb", "sql", "memory"] = "auto"
    """Which engine runs indicator sets: ``auto`` is DuckDB when it is installed and can read
    the database, else the SQL engine in the database itself."""
    suppress_small_numbers_when_publishing: bool = True


class ExtraFlagCategory(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Annotated[str, Field(min_length=1)]
    restricted: bool = False
    snomed: list[Annotated[str, Field(pattern=r"^\d{6,18}$")]] = []


class FlagSettings(Strict):
    extra_categories: list[ExtraFlagCategory] = []
    default_review_months: Annotated[int, Field(ge=1, le=60)] = 12


class DatabaseSettings(Strict):
    url: str | None = None


class AuditSettings(Strict):
    """``[audit]``: where the audit trail's keys and signed checkpoints live (outside the
    database, so a database administrator without them cannot rewrite the chain unseen).

    Relative paths are relative to the working directory. Unset, everything lives in one
    folder: beside a SQLite file (``inclusion_practice.audit/``) or ``./audit`` for PostgreSQL.
    """

    dir: str | None = None
    key_file: str | None = None
    """The MAC keyring (owner-only, 0600); else ``<dir>/audit.key``."""
    signing_key_file: str | None = None
    """The Ed25519 private key that signs checkpoints; else ``<dir>/signing.key``."""
    public_key_file: str | None = None
    """Its public half, all a verifier needs; else ``<dir>/signing.pub``."""
    checkpoint_dir: str | None = None
    """Where signed checkpoints are written; else ``<dir>/checkpoints``."""
    checkpoint_every_rows: Annotated[int, Field(ge=0, le=10_000_000)] = 1000
    """Write a checkpoint automatically once the chain has grown by this many rows (0: never)."""
    checkpoint_every_minutes: Annotated[int, Field(ge=0, le=10_080)] = 60
    """... or when this many minutes have passed since the last one and rows were added."""


class UserDefaults(Strict):
    acting_user: str | None = None


class PracticeConfig(Strict):
    """Everything a practice configures. Loaded from ``practice.toml``."""

    practice: PracticeIdentity
    database: DatabaseSettings = DatabaseSettings()
    defaults: UserDefaults = UserDefaults()
    partners: list[Partner] = []
    clinicians: list[ClinicianConfig] = []
    sessions: list[SessionTemplate] = []
    registration: RegistrationSettings = RegistrationSettings()
    dna: DnaSettings = DnaSettings()
    reporting: ReportingSettings = ReportingSettings()
    flags: FlagSettings = FlagSettings()
    sign_in: SignInSettings = SignInSettings()
    audit: AuditSettings = AuditSettings()
    mdt: MdtSettings = MdtSettings()
    schedule_horizon_weeks: Annotated[int, Field(ge=1, le=52)] = 6

    @model_validator(mode="after")
    def _references(self) -> Self:
        _unique([p.code for p in self.partners], "partners", "code")
        _unique([c.code for c in self.clinicians], "clinicians", "code")
        clinicians = {c.code for c in self.clinicians}
        partners = {p.code for p in self.partners}
        for i, s in enumerate(self.sessions):
            if s.clinician not in clinicians:
                raise ValueError(
                    f"sessions[{i}].clinician: unknown clinician {s.clinician!r}"
                    f" (known: {', '.join(sorted(clinicians)) or 'none'})"
                )
            if s.partner is not None and s.partner not in partners:
                raise ValueError(f"sessions[{i}].partner: unknown partner {s.partner!r}")
            if s.location != LocationKind.SURGERY and s.partner is None:
                raise ValueError(f"sessions[{i}].partner: a {s.location} session needs a partner")
        builtin = categories_by_code()
        for i, extra in enumerate(self.flags.extra_categories):
            if extra.code in builtin:
                raise ValueError(
                    f"flags.extra_categories[{i}].code: {extra.code!r} is a built-in category"
                )
        return self

    def partner(self, code: str) -> Partner | None:
        return next((p for p in self.partners if p.code == code), None)

    def clinician(self, code: str) -> ClinicianConfig | None:
        return next((c for c in self.clinicians if c.code == code), None)

    def flag_categories(self) -> dict[str, FlagCategory]:
        """Built-in categories plus the practice's own."""
        extra = tuple(
            FlagCategory(code=e.code, label=e.label, restricted=e.restricted, snomed=tuple(e.snomed))
            for e in self.flags.extra_categories
        )
        return categories_by_code(extra)

    def flag_visibility(self, role: Role | str) -> FlagVisibility:
        """Which flag categories ``role`` may see (the one policy, :mod:`domain.roles`)."""
        return flag_visibility(role, {c.code: c.restricted for c in self.flag_categories().values()})


def _unique(values: Sequence[str], section: str, key: str) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise ValueError(f"{section}[{i}].{key}: duplicate {v!r}")
        seen.add(v)


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def parse_config(text: str, source: str = "practice.toml") -> PracticeConfig:
    """Parse TOML text. Errors name ``source``, the key and the reason."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return PracticeConfig.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _format_loc(tuple(err["loc"]))
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(f"{loc}: {msg}" if loc else msg)
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def load_config(path: Path | None = None) -> PracticeConfig:
    """Load ``path``; else ``$INCLUSION_PRACTICE_CONFIG``; else ``./practice.toml``; else the
    example practice shipped with the package (so the demo runs anywhere)."""
    candidates: list[Path] = []
    if path is not None:
        if not path.exists():
            raise ConfigError(f"{path}: config file not found")
        candidates.append(path)
    elif os.environ.get(CONFIG_ENV):
        env_path = Path(os.environ[CONFIG_ENV])
        if not env_path.exists():
            raise ConfigError(f"{env_path}: config file named by {CONFIG_ENV} not found")
        candidates.append(env_path)
    elif DEFAULT_CONFIG_FILE.exists():
        candidates.append(DEFAULT_CONFIG_FILE)
    if candidates:
        chosen = candidates[0]
        try:
            text = chosen.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:  # a folder, unreadable, not UTF-8
            raise ConfigError(f"{chosen}: cannot be read as a UTF-8 text file "
                              f"({type(exc).__name__})") from None
        return parse_config(text, str(chosen))
    return parse_config(example_config_text(), "example practice.toml (built in)")


def example_config_text() -> str:
    """The commented example that ``inclusion-practice init`` writes."""
    return (
        resources.files("inclusion_practice")
        .joinpath("data/practice.example.toml")
        .read_text(encoding="utf-8")
    )


def resolve_database_url(cli_url: str | None, config: PracticeConfig | None) -> str:
    """``--db``, then ``$INCLUSION_PRACTICE_DB``, then the config, then ``./inclusion_practice.db``."""
    if cli_url:
        return cli_url
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    if config is not None and config.database.url:
        return config.database.url
    return f"sqlite:///{DEFAULT_DB_FILE}"
