"""Why a registration may be refused, and the grounds that never justify it.

The regulations: a contractor "may only refuse an application ... if it has reasonable grounds
for doing so which do not relate to the applicant's" protected grounds (GMS Contracts
Regulations 2015, SI 2015/1862, Sch 3 Pt 2: para 18 is the application, the refusal paragraph
follows it; PMS Agreements Regulations 2015, SI 2015/1879, Sch 2 para 31H(1) gives the current
full list: age, appearance, disability or medical condition, gender or gender reassignment,
marriage or civil partnership, pregnancy or maternity, race, religion or belief, sexual
orientation or social class; the Equality Act 2010 s.4 protected characteristics agree). NHS
England guidance, the Primary Medical Care Policy and Guidance Manual and CQC GP mythbusters
29, 36 and 61 add that no ID, no proof of address and immigration status are never grounds.

The library refuses to record a forbidden ground as a reason, and checks the free-text detail
of every refusal for them (plain and paraphrased wording a receptionist would type), so a
refusal on those grounds cannot be entered by mistake. The refused applicant is told the reason
in writing within 14 days (PMS Sch 2 para 31H(3); GMS 2004 Sch 6 para 17(3)).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.errors import InvalidInput

GMS_2015 = "GMS Contracts Regulations 2015 (SI 2015/1862) Sch 3 Pt 2"
PMS_2015 = "PMS Agreements Regulations 2015 (SI 2015/1879) Sch 2"


class RefusalReason(StrEnum):
    """Reasons a refusal may carry. New refusals use :data:`OFFERED_REASONS` only."""

    OUTSIDE_BOUNDARY = "outside_boundary"
    LIST_CLOSED = "list_closed"
    """The commissioner has approved closing the list."""
    SPECIAL_ALLOCATION_SCHEME = "special_allocation_scheme"
    """The person must be seen under the Special Allocation Scheme (violent-patient scheme)."""
    OTHER_REASONABLE_GROUND = "other_reasonable_ground"
    """Anything else: needs a written detail, and must not be a forbidden ground."""
    REMOVED_RECENTLY = "removed_recently"
    """Legacy: no regulation or guidance allows refusing someone for an earlier removal, so it is
    no longer offered; refusals recorded with it still read back (records are never erased)."""

    @property
    def label(self) -> str:
        return REASON_LABELS[self]

    @property
    def source(self) -> str:
        """The regulation or guidance that allows this reason."""
        return REASON_SOURCES[self]

    @property
    def offered(self) -> bool:
        return self in OFFERED_REASONS


REASON_LABELS: dict[RefusalReason, str] = {
    RefusalReason.OUTSIDE_BOUNDARY: "lives outside the practice area or in the outer boundary area",
    RefusalReason.LIST_CLOSED: "practice list closed (approved by the commissioner)",
    RefusalReason.SPECIAL_ALLOCATION_SCHEME: "special allocation scheme",
    RefusalReason.OTHER_REASONABLE_GROUND: "other reasonable ground",
    RefusalReason.REMOVED_RECENTLY: "removed from this practice within 12 months (legacy reason)",
}

REASON_SOURCES: dict[RefusalReason, str] = {
    RefusalReason.OUTSIDE_BOUNDARY: (
        f"{PMS_2015} para 31H(2) and GMS 2004 Sch 6 para 17(2): reasonable grounds may include "
        "that the applicant does not live in the practice area or lives in the outer boundary "
        f"area; the GMS 2015 equivalent is {GMS_2015}, the refusal paragraph after para 18 "
        "(para 21 in the consolidated text per LLR LMC). Out-of-area registration without home "
        "visits has been allowed since 5 January 2015, so this is discretionary"
    ),
    RefusalReason.LIST_CLOSED: (
        f"{GMS_2015} para 18(2) and Sch 3 Pt 3 (closure of lists); {PMS_2015} paras 32-34: "
        "while a list is formally closed only immediate family of registered patients may be "
        "accepted"
    ),
    RefusalReason.SPECIAL_ALLOCATION_SCHEME: (
        f"{GMS_2015} para 25 (immediate removal after violence reported to the police) and the "
        "NHS England Policy and Guidance Manual, Special Allocation Scheme: the person is cared "
        "for by a designated SAS practice"
    ),
    RefusalReason.OTHER_REASONABLE_GROUND: (
        f"{PMS_2015} para 31H(1) and {GMS_2015} (refusal paragraph): any reasonable ground that "
        "does not relate to a forbidden ground, stated in writing"
    ),
    RefusalReason.REMOVED_RECENTLY: (
        "no source: no regulation or NHS England guidance allows refusing because of an earlier "
        "removal (MDDUS risk alert, September 2014, warns that grounds must be reasonable and "
        "non-discriminatory); kept only so refusals recorded with it still read back"
    ),
}

OFFERED_REASONS: tuple[RefusalReason, ...] = (
    RefusalReason.OUTSIDE_BOUNDARY,
    RefusalReason.LIST_CLOSED,
    RefusalReason.SPECIAL_ALLOCATION_SCHEME,
    RefusalReason.OTHER_REASONABLE_GROUND,
)
"""Reasons a new refusal may carry, each with a regulation in :data:`REASON_SOURCES`."""

LEGACY_REASONS: tuple[RefusalReason, ...] = (RefusalReason.REMOVED_RECENTLY,)
"""Reasons that read back on old records but are refused for new ones."""


class ForbiddenGround(StrEnum):
    """Grounds that must never be used to refuse registration."""

    NO_ID = "no_id"
    NO_PROOF_OF_ADDRESS = "no_proof_of_address"
    IMMIGRATION_STATUS = "immigration_status"
    RACE = "race"
    GENDER = "gender"
    GENDER_REASSIGNMENT = "gender_reassignment"
    MARRIAGE_OR_CIVIL_PARTNERSHIP = "marriage_or_civil_partnership"
    PREGNANCY_OR_MATERNITY = "pregnancy_or_maternity"
    SOCIAL_CLASS = "social_class"
    AGE = "age"
    RELIGION = "religion"
    SEXUAL_ORIENTATION = "sexual_orientation"
    APPEARANCE = "appearance"
    DISABILITY = "disability"
    MEDICAL_CONDITION = "medical_condition"


_REGS = f"{PMS_2015} para 31H(1); {GMS_2015}, refusal paragraph"
_EQA = "Equality Act 2010 s.4"

FORBIDDEN_EXPLANATIONS: dict[ForbiddenGround, str] = {
    ForbiddenGround.NO_ID: (
        "no ID is needed to register with a GP (NHS England registration guidance; CQC "
        "mythbusters 29 and 61): register the person"
    ),
    ForbiddenGround.NO_PROOF_OF_ADDRESS: (
        "no proof of address is needed: register with a care-of or the practice address and "
        "the usual-residence postcode ZZ99 3VZ (CQC mythbuster 29; NHS England guidance)"
    ),
    ForbiddenGround.IMMIGRATION_STATUS: (
        "immigration status is never a reason to refuse, and must not be asked about "
        "(NHS England registration guidance; CQC mythbuster 61; Safe Surgeries)"
    ),
    ForbiddenGround.RACE: (
        "refusing because of race, colour, nationality or ethnic or national origin (including "
        f"Gypsy, Roma and Traveller people, or language: book an interpreter) is not allowed "
        f"({_REGS}; {_EQA}) and is unlawful discrimination"
    ),
    ForbiddenGround.GENDER: (
        f"refusing because of gender or sex is not allowed ({_REGS}; {_EQA}) and is unlawful "
        "discrimination"
    ),
    ForbiddenGround.GENDER_REASSIGNMENT: (
        f"refusing because of gender reassignment or being trans is not allowed ({_REGS}; "
        f"{_EQA}) and is unlawful discrimination"
    ),
    ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP: (
        f"refusing because of marriage, civil partnership or marital status is not allowed "
        f"({_REGS}; {_EQA})"
    ),
    ForbiddenGround.PREGNANCY_OR_MATERNITY: (
        f"refusing because of pregnancy or maternity (including breastfeeding) is not allowed "
        f"({_REGS}; {_EQA}) and is unlawful discrimination"
    ),
    ForbiddenGround.SOCIAL_CLASS: (
        "refusing because of social class (income, benefits, work, housing or background) is "
        f"not allowed ({_REGS})"
    ),
    ForbiddenGround.AGE: f"refusing because of age is not allowed ({_REGS}; {_EQA})",
    ForbiddenGround.RELIGION: (
        f"refusing because of religion or belief is not allowed ({_REGS}; {_EQA}) and is "
        "unlawful discrimination"
    ),
    ForbiddenGround.SEXUAL_ORIENTATION: (
        f"refusing because of sexual orientation is not allowed ({_REGS}; {_EQA}) and is "
        "unlawful discrimination"
    ),
    ForbiddenGround.APPEARANCE: f"refusing because of appearance is not allowed ({_REGS})",
    ForbiddenGround.DISABILITY: (
        f"refusing because of disability is not allowed ({_REGS}; {_EQA}) and is unlawful "
        "discrimination"
    ),
    ForbiddenGround.MEDICAL_CONDITION: (
        "refusing because of a medical condition (including drug or alcohol use, mental "
        f"health or how much care someone needs) is not allowed ({_REGS})"
    ),
}


@dataclass(frozen=True)
class _Pattern:
    ground: ForbiddenGround
    regex: re.Pattern[str]


def _p(ground: ForbiddenGround, *alternatives: str) -> _Pattern:
    return _Pattern(ground, re.compile(r"\b(?:" + "|".join(alternatives) + r")\b"))


_G = ForbiddenGround
_BECAUSE = r"(?:because|as|since|due to|cause|coz|cos)"
_IS = r"(?:is|s|hes|shes|theyre|are|was|being|were|looks|seems)"

_PATTERNS: tuple[_Pattern, ...] = (
    # Most specific first: "gender reassignment" before "gender", "sexual orientation" before
    # "sex", "no proof of address" before "proof".
    _p(_G.GENDER_REASSIGNMENT, r"gender reassignment", r"trans(?:gender|sexual)?",
       r"gender identity", r"(?:sex|gender) change", r"changed (?:their |his |her )?(?:sex|gender)",
       r"transition(?:ing|ed)", r"non ?binary", r"gender ?fluid", r"reassign(?:ed|ment)",
       r"gender recognition"),
    _p(_G.SEXUAL_ORIENTATION, r"sexual orientation", r"sexuality", r"gay", r"lesbians?",
       r"bi ?sexual", r"homosexual", r"heterosexual", r"queer", r"lgbt\w*", r"same sex"),
    _p(_G.PREGNANCY_OR_MATERNITY, r"pregnan\w*", r"maternity", r"expecting (?:a |her |their )?(?:baby|child|twins|first|second)",
       r"(?:she|shes|she is|patient is|applicant is|wife is|partner is) expecting", r"having a baby", r"(?:baby|babys) (?:is )?due", r"due to give birth",
       r"due date", r"give birth", r"given birth", r"gave birth", r"just had a baby",
       r"new ?born", r"new baby", r"breast ?feed\w*", r"breast ?fed", r"ante ?natal",
       r"post ?natal", r"(?:mum|mother) to be", r"with child", r"expectant"),
    _p(_G.MARRIAGE_OR_CIVIL_PARTNERSHIP, r"marri(?:ed|age)", r"unmarried", r"marital",
       r"civil partner(?:ship)?", r"divorc\w*", r"separated from", r"widow(?:ed|er)?",
       r"single (?:mum|mother|dad|father|parent)"),
    _p(_G.NO_ID, r"no id", r"id", r"ids", r"photo id", r"identification", r"passports?",
       r"driving licen[cs]e", r"birth certificate", r"proof of (?:id|identity)",
       r"identity documents?", r"(?:no|without|missing)(?: any)? (?:documents|documentation|paperwork)"),
    _p(_G.NO_PROOF_OF_ADDRESS, r"no proof of address", r"proof of address", r"no (?:fixed )?address",
       r"no (?:permanent|fixed|current|settled) (?:address|abode|home)", r"no fixed abode", r"nfa",
       r"without (?:an |a )?(?:address|home)", r"homeless\w*", r"rough sleep\w*",
       r"sleep(?:s|ing)? rough", r"sofa surf\w*", r"street homeless", r"lives? on the streets?",
       r"utility bills?", r"bank statements?", r"council tax bill", r"tenancy agreement",
       r"cant prove (?:their |his |her )?address", r"address (?:not|could not be) (?:proven|proved|verified)"),
    _p(_G.IMMIGRATION_STATUS, r"immigra\w*", r"asylum\w*", r"refugees?", r"visas?", r"no visa",
       r"leave to remain", r"right to (?:remain|reside|stay|live|work)", r"undocumented",
       r"illegal(?:ly)?", r"illegal immigrant", r"overstay\w*", r"home office", r"brp",
       r"biometric residence", r"settled status", r"pre settled", r"nationality", r"citizenship",
       r"not (?:a )?british", r"not a uk (?:citizen|national)", r"foreign(?:er|ers)?",
       r"migrants?", r"overseas visitors?", r"not (?:entitled|eligible) (?:to|for) (?:free )?nhs",
       r"nrpf", r"no recourse", r"deport\w*", r"trafficked"),
    _p(_G.RACE, r"race", r"racial", r"ethnic\w*", r"travell?ers?", r"gypsy", r"gypsies",
       r"roma", r"romany", r"irish traveller", r"skin colou?r", r"colou?r of (?:his|her|their) skin",
       r"black", r"asian", r"accent", r"(?:doesnt|does not|cant|cannot|didnt|no|dont|do not) "
       r"(?:speak|understand|read)(?: any| much)? english", r"no english", r"language barrier",
       r"needs? an interpreter", r"interpreter"),
    _p(_G.SOCIAL_CLASS, r"social class", r"(?:working|lower|upper|middle|under) class",
       r"benefits?", r"universal credit", r"jobseekers?", r"dole", r"unemployed", r"jobless",
       r"no job", r"low income", r"(?:is|are|s|hes|shes|too|very) poor",
       r"poor (?:family|background|area|people|person)", r"poverty", r"council (?:estate|house|flat)",
       r"sex work\w*", r"prostitut\w*", r"escort", r"cant afford", r"social housing",
       r"benefit claimant", r"on the social"),
    _p(_G.GENDER, r"gender", r"sex", rf"{_BECAUSE} (?:(?:she|he) {_IS}|shes|hes) (?:a )?(?:woman|man|girl|boy|female|male)",
       r"(?:female|male) (?:patient|applicant)s?", r"only (?:register|take|accept) (?:men|women)"),
    _p(_G.AGE, r"age", r"aged", r"ageing", r"too old", r"too young", r"elderly", r"old age",
       r"pensioners?", r"older (?:patient|person|people|applicant)", r"teenagers?",
       r"years old", r"retired"),
    _p(_G.RELIGION, r"religio\w*", r"belief", r"beliefs", r"faith", r"muslims?", r"islam\w*",
       r"christians?", r"catholics?", r"jewish", r"jews?", r"hindus?", r"sikhs?", r"buddhists?",
       r"atheists?", r"jehovah\w*", r"hijab", r"niqab", r"burq?kas?", r"burqas?", r"head ?scarf",
       r"turban", r"veil"),
    _p(_G.APPEARANCE, r"appearance", r"the way (?:he|she|they) (?:look|looks|looked|dress\w*)",
       r"dirty", r"scruffy", r"unkempt", r"dishevell?ed", r"untidy", r"unwashed",
       r"smell\w*", r"body odou?r", r"hygiene", r"tattoo\w*", r"piercings?", r"dressed",
       r"clothes", r"clothing", r"scars?", r"overweight", r"obese", r"fat"),
    _p(_G.DISABILITY, r"disab\w*", r"wheel ?chairs?", r"blind", r"deaf", r"partially sighted",
       r"learning difficult\w*", r"autis\w*", r"aspergers?", r"downs? syndrome", r"guide dog",
       r"assistance dog", r"mobility", r"cannot walk", r"cant walk", r"sign language", r"bsl",
       r"special needs", r"handicap\w*", r"impair\w*"),
    _p(_G.MEDICAL_CONDITION, r"medical\w*",
       r"(?:health|long term|chronic|mental health|skin|heart|lung|liver) (?:conditions?|problems?|issues?)",
       r"(?:his|her|their) condition", r"mental health", r"(?:poor|ill) health", r"illness\w*", r"ill",
       r"sick", r"diagnos\w*", r"complex (?:needs|case|patient)", r"too complex",
       r"high needs", r"(?:lots|a lot) of (?:care|appointments|medication)", r"expensive",
       r"costly", r"heavy user", r"frequent attender", r"drugs?", r"drug (?:use|user|users|misuse)",
       r"addict\w*", r"alcohol\w*", r"drinker", r"drinking", r"substance\w*", r"methadone",
       r"heroin", r"opiates?", r"opioids?", r"hiv", r"aids", r"hepatitis", r"hep c", r"tb",
       r"tuberculosis", r"cancer", r"diabet\w*", r"dementia", r"schizo\w*", r"psycho\w*",
       r"bipolar", r"depress\w*", r"mental\w*", r"chronic", r"terminal\w*", r"palliative",
       r"dialysis", r"medication", r"prescriptions?", r"controlled drugs?"),
)
"""Words and phrases that reveal a forbidden ground, checked over the normalised text."""

_REASON_ALIASES: dict[str, ForbiddenGround] = {
    "gender_identity": ForbiddenGround.GENDER_REASSIGNMENT,
    "marriage": ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP,
    "civil_partnership": ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP,
    "pregnancy": ForbiddenGround.PREGNANCY_OR_MATERNITY,
    "maternity": ForbiddenGround.PREGNANCY_OR_MATERNITY,
}


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("/", " ").split())


def _normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("he's" → "hes"), everything else non-alphanumeric a space."""
    lowered = re.sub(r"\bi['’`]d\b", "i would", text.lower())
    lowered = re.sub(r"['’`]", "", lowered)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


def ground_mentioned(text: str) -> ForbiddenGround | None:
    """The first forbidden ground ``text`` mentions, in plain or paraphrased wording."""
    normal = _normalise(text)
    if not normal:
        return None
    for pattern in _PATTERNS:
        if pattern.regex.search(normal):
            return pattern.ground
    return None


def forbidden_ground(text: str) -> ForbiddenGround | None:
    """The forbidden ground ``text`` names, if it names one (a ground's value or a phrase)."""
    key = _key(text)
    try:
        return ForbiddenGround(key)
    except ValueError:
        pass
    if key in _REASON_ALIASES:
        return _REASON_ALIASES[key]
    try:
        RefusalReason(key)
    except ValueError:
        return ground_mentioned(text)
    return None


def _refuse(field: str, text: str, ground: ForbiddenGround) -> InvalidInput:
    return InvalidInput(
        field, f"{text!r} mentions {ground.value.replace('_', ' ')}, which can never be a reason "
        f"to refuse registration: {FORBIDDEN_EXPLANATIONS[ground]}"
    )


def check_refusal_reason(reason: str, detail: str | None = None) -> RefusalReason:
    """Accept an offered reason; refuse forbidden grounds (in the reason or detail) with why.

    The free-text detail of every reason is checked, so "outside boundary: and she is
    pregnant" or "other: no passport" cannot slip through. A legacy reason is refused for new
    refusals, naming the reasons offered.
    """
    ground = forbidden_ground(reason or "")
    if ground is not None:
        raise InvalidInput(
            "reason", f"{reason!r} can never be a reason to refuse registration: "
            f"{FORBIDDEN_EXPLANATIONS[ground]}"
        )
    offered = ", ".join(r.value for r in OFFERED_REASONS)
    try:
        value = RefusalReason(_key(reason or ""))
    except ValueError:
        raise InvalidInput("reason", f"{reason!r} is not one of {offered}") from None
    if not value.offered:
        raise InvalidInput(
            "reason", f"{value.value!r} is no longer a reason a practice may give ({value.source}); "
            f"use one of {offered}"
        )
    cleaned = (detail or "").strip()
    if value is RefusalReason.OTHER_REASONABLE_GROUND and not cleaned:
        raise InvalidInput("detail", "say what the reasonable ground is")
    ground = ground_mentioned(cleaned)
    if ground is not None:
        raise _refuse("detail", cleaned, ground)
    return value


def written_reason_due(refused_on: dt.date, days: int = 14) -> dt.date:
    """The refused applicant must be told why in writing within ``days``."""
    return refused_on + dt.timedelta(days=days)
