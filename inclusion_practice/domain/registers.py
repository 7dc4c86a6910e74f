"""Which registers (learning disability, severe mental illness) a patient is on, from dated codes.

The registers give a patient the flexible DNA policy, so they follow the QOF register rules
rather than one code each:

- **Learning disability** (QOF LD register): any code from the LD cluster ``LD_COD`` (the
  register code "On learning disability register" and the diagnosis codes) on or before the
  day. There is no resolving cluster for LD.
- **Severe mental illness** (QOF MH register): a code from ``MH_COD`` (psychosis,
  schizophrenia, bipolar affective disorder; plus the "On severe mental illness register"
  finding) on or before the day, unless a later "in remission" code (``MHREM_COD``) resolves
  it: the patient is on the register when the latest diagnosis is on or after the latest
  remission code. A new diagnosis after a remission puts the patient back on. (QOF also puts
  patients on lithium in the last 6 months on the MH register; lithium is a dm+d drug refset
  this product does not hold, so lithium-only patients are not found: stated in the docs.)

The code lists are subsets of the published clusters, cited below; codes in both MH_COD and the
remission list are kept as diagnosis codes only (QOF counts them as MH_COD members), so the two
lists are disjoint. Pure: codes and dates in, register names out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

LEARNING_DISABILITY = "learning_disability"
MENTAL_HEALTH = "mental_health"


@dataclass(frozen=True)
class RegisterCodeList:
    """A cluster-shaped code list with the published source it is a subset of."""

    name: str
    source: str
    url: str
    codes: dict[str, str]
    """SNOMED CT concept id → term."""

    @property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)


LD_CODES = RegisterCodeList(
    name="LD_COD",
    source=(
        "NHS Digital Primary Care Domain refset LD_COD 'Learning disability (LD) codes', "
        "OpenCodelists version 20210127 (subset: the register code, the intellectual disability "
        "severity codes and the commonest named syndromes)"
    ),
    url="https://www.opencodelists.org/codelist/nhsd-primary-care-domain-refsets/ld_cod/20210127",
    codes={
        "416075005": "On learning disability register",
        "110359009": "Intellectual disability",
        "1239331000000100": "Significant intellectual disability",
        "508171000000105": "Severe learning disability",
        "86765009": "Mild intellectual disability",
        "61152003": "Moderate intellectual disability",
        "40700009": "Severe intellectual disability",
        "31216003": "Profound intellectual disability",
        "931001000000105": "Significant learning disability",
        "984661000000105": "Mild learning disability",
        "984671000000103": "Moderate learning disability",
        "984681000000101": "Profound learning disability",
        "1094001000000106": (
            "Intellectual development disorder without significant impairment of behaviour"
        ),
        "1094011000000108": (
            "Intellectual development disorder with significant impairment of behaviour"
        ),
        "1089831000000105": (
            "Mild intellectual development disorder without significant impairment of behaviour"
        ),
        "1089781000000100": (
            "Moderate intellectual development disorder without significant impairment of "
            "behaviour"
        ),
        "1089741000000108": (
            "Severe intellectual development disorder without significant impairment of behaviour"
        ),
        "1089701000000105": (
            "Profound intellectual development disorder without impairment of behaviour"
        ),
        "41040004": "Complete trisomy 21 syndrome",
        "205615000": "Trisomy 21- meiotic nondisjunction",
        "205616004": "Trisomy 21- mitotic nondisjunction mosaicism",
        "254264002": "Partial trisomy 21 in Down's syndrome",
        "68618008": "Rett's disorder",
        "21111006": "Complete trisomy 13 syndrome",
        "51500006": "Complete trisomy 18 syndrome",
        "40354009": "De Lange syndrome",
        "718226002": "Wolf Hirschhorn syndrome",
        "401315004": "Smith-Magenis syndrome",
        "724207001": "Kleefstra syndrome",
        "15182000": "Coffin-Lowry syndrome",
        "76880004": "Angelman syndrome",
        "89392001": "Prader-Willi syndrome",
    },
)

MH_CODES = RegisterCodeList(
    name="MH_COD",
    source=(
        "NHS Digital Primary Care Domain refset MH_COD 'Psychosis and schizophrenia and bipolar "
        "affective disease codes' (refset 999001091000230104), OpenCodelists version 20210127 "
        "(subset), plus 391193001 'On severe mental illness register' (SNOMED CT; not an MH_COD "
        "member, kept as a register code)"
    ),
    url="https://www.opencodelists.org/codelist/nhsd-primary-care-domain-refsets/mh_cod/20210127",
    codes={
        "391193001": "On severe mental illness register",
        "58214004": "Schizophrenia",
        "64905009": "Paranoid schizophrenia",
        "83746006": "Chronic schizophrenia",
        "26025008": "Residual schizophrenia",
        "191526005": "Schizophrenic disorders",
        "268617001": "Acute schizophrenic episode",
        "68890003": "Schizoaffective disorder",
        "38368003": "Schizoaffective disorder, bipolar type",
        "88975006": "Schizophreniform disorder",
        "31027006": "Schizotypal personality disorder",
        "13746004": "Bipolar disorder",
        "371596008": "Bipolar I disorder",
        "83225003": "Bipolar II disorder",
        "191618007": "Bipolar affective disorder, current episode manic",
        "191627008": "Bipolar affective disorder, current episode depression",
        "191636007": "Mixed bipolar affective disorder",
        "231494001": "Mania",
        "231496004": "Hypomania",
        "69322001": "Psychotic disorder",
        "191525009": "Non-organic psychosis",
        "1127191000000108": "First episode psychosis",
        "441704009": "Affective psychosis",
        "48500005": "Delusional disorder",
        "231487004": "Persistent delusional disorder",
        "231489001": "Acute transient psychotic disorder",
        "73867007": "Severe major depression with psychotic features",
        "417601000000102": "[X]Schizophrenia, schizotypal and delusional disorders",
        "4926007": "Schizophrenia in remission",
        "63181006": "Paranoid schizophrenia in remission",
        "85248005": "Bipolar disorder in remission",
        "41836007": "Bipolar disorder in full remission",
        "755311000000100": "Non-organic psychosis in remission",
    },
)

MH_REMISSION_CODES = RegisterCodeList(
    name="MHREM_COD (stand-in)",
    source=(
        "PRIMIS SMHRES_COD 'severe mental illness resolved' (OpenCodelists "
        "primis-covid19-vacc-uptake/smhres), the codes that are not MH_COD members, as a "
        "stand-in for the QOF MHREM_COD cluster (refset 999006091000230105) whose content "
        "could not be read: load MHREM_COD from the Primary Care Domain refset portal before a "
        "QOF claim"
    ),
    url="https://www.opencodelists.org/codelist/primis-covid19-vacc-uptake/smhres/",
    codes={
        "51133006": "Residual schizophrenia in remission",
        "191574005": "Schizoaffective schizophrenia in remission",
        "723903001": "Bipolar type I disorder currently in full remission",
        "723905008": "Bipolar type II disorder currently in full remission",
        "191625000": "Bipolar affective disorder, currently manic, in full remission",
        "191634005": "Bipolar affective disorder, currently depressed, in full remission",
        "191643001": "Mixed bipolar affective disorder, in full remission",
        "755301000000102": "Paranoid state in remission",
        "698951002": "Delusional disorder in remission",
        "723901004": "Delusional disorder currently in full remission",
        "60401000119104": "Postpartum psychosis in remission",
    },
)

REGISTER_CODE_LISTS: tuple[RegisterCodeList, ...] = (LD_CODES, MH_CODES, MH_REMISSION_CODES)

ALL_REGISTER_CODES: frozenset[str] = (
    LD_CODES.code_set | MH_CODES.code_set | MH_REMISSION_CODES.code_set
)
"""Every code the register rule reads (what storage selects)."""


def registers_on(events: Iterable[tuple[str, dt.date]], on: dt.date) -> frozenset[str]:
    """The registers a patient is on, on ``on``, from their dated codes.

    Codes dated after ``on`` and codes on no list are ignored.
    """
    ld = False
    last_mh: dt.date | None = None
    last_remission: dt.date | None = None
    for code, day in events:
        if day > on:
            continue
        if code in LD_CODES.codes:
            ld = True
        elif code in MH_CODES.codes:
            last_mh = day if last_mh is None or day > last_mh else last_mh
        elif code in MH_REMISSION_CODES.codes:
            last_remission = day if last_remission is None or day > last_remission else last_remission
    out: set[str] = set()
    if ld:
        out.add(LEARNING_DISABILITY)
    if last_mh is not None and (last_remission is None or last_mh >= last_remission):
        out.add(MENTAL_HEALTH)
    return frozenset(out)
