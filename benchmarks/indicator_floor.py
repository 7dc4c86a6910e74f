"""The floor for the indicator benchmark: the default set as ONE hand-written query per engine.

Not the compiler's plan written out again (temporary tables, one row per indicator per patient,
two GROUP BYs): a single statement that reads each table once, builds one wide row per patient
(every feature the set needs as a column), and aggregates every indicator's A, B, C and events
as columns of the same GROUP BY — once by (sex, age band), once by category. The same text runs
on SQLite, PostgreSQL and DuckDB (over the attached database, not a copy), with the day
arithmetic and date literals of each. Its answers are unpivoted into the engines' tallies so
the benchmark can assert that every contestant agrees on every total and stratum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from dateutil.relativedelta import relativedelta

from inclusion_practice.domain.periods import Period
from inclusion_practice.domain.qof import AGE_BANDS, Counts, birthday_cutoff
from inclusion_practice.indicators.results import IndicatorTally


def one_pass_sql(dialect: str, codes: dict[str, list[str]], period: Period, table: Callable[[str], str]) -> tuple[str, list[str]]:
    """The statement, and the indicator ids in the order of its column groups.

    ``dialect``: sqlite, postgresql or duckdb. ``table(name)``: how to name a table.
    """
    sqlite = dialect == "sqlite"

    def d(day: dt.date | str) -> str:
        return f"'{day}'" if sqlite else f"DATE '{day}'"

    def days(x: str) -> str:
        return f"CAST(julianday({x}) AS INTEGER)" if sqlite else f"({x} - DATE '2000-01-01')"

    def dday(x: str) -> str:  # the day number of a timestamp's date
        return f"CAST(julianday(date({x})) AS INTEGER)" if sqlite else f"(CAST({x} AS DATE) - DATE '2000-01-01')"

    def q(name: str) -> str:
        return ", ".join(f"'{c}'" for c in codes[name])

    def active(alias: str, *, planned: bool = False) -> str:
        cond = f"{alias}.start_date <= {d(pend)} AND ({alias}.end_date IS NULL OR {alias}.end_date >= {d(pend)})"
        if planned:
            cond += f" AND ({alias}.planned_end IS NULL OR {alias}.planned_end >= {d(pend)})"
        return cond

    pend = period.end
    day = dt.timedelta(days=1)
    y0 = d(pend - relativedelta(months=12) + day)  # 12 months to the PPED

    def in_year(col: str, name: str) -> str:
        return f"SUM(CASE WHEN {col}.code IN ({q(name)}) AND {col}.event_date >= {y0} THEN 1 ELSE 0 END)"

    def gap(topic: str, since: str | None = None) -> str:
        cond = f"topic = '{topic}'" + (f" AND sent_on >= {since}" if since else "")
        return f"MAX(CASE WHEN {cond} THEN {days('sent_on')} END) - MIN(CASE WHEN {cond} THEN {days('sent_on')} END)"

    flu_from = d(pend - relativedelta(months=7) + day)
    bands = " ".join(
        f"WHEN p.date_of_birth <= {d(birthday_cutoff(pend, lo))} THEN '{label}'" for label, lo, _ in reversed(AGE_BANDS[1:])
    )
    followups = "'contact_via_keyworker','offer_drop_in','sms_reminder','letter','gentle_letter','clinician_review','safeguarding_check'"
    wide = f"""
WITH reg AS (
  SELECT r.patient_id, MAX(r.start_date) AS reg_start FROM {table('registration')} r
  WHERE {active('r', planned=True)} GROUP BY r.patient_id
), flags AS (
  SELECT DISTINCT f.patient_id, f.category FROM {table('flag')} f
  WHERE {active('f')} AND f.patient_id IN (SELECT patient_id FROM reg)
), cat AS (
  SELECT patient_id,
    MAX(CASE WHEN category IN ('homelessness','substance_use') THEN 1 ELSE 0 END) AS c_bbv,
    MAX(CASE WHEN category IN ('homelessness','substance_use','sex_work') THEN 1 ELSE 0 END) AS c_hepb,
    MAX(CASE WHEN category IN ('homelessness','vulnerable_migrant','prison_leaver') THEN 1 ELSE 0 END) AS c_tb,
    MAX(CASE WHEN category = 'substance_use' THEN 1 ELSE 0 END) AS c_drug,
    MAX(CASE WHEN category IN ('homelessness','vulnerable_migrant','prison_leaver','modern_slavery','domestic_abuse_refuge') THEN 1 ELSE 0 END) AS c_key
  FROM flags GROUP BY patient_id
), ev AS (
  SELECT e.patient_id,
    SUM(CASE WHEN e.code IN ({q('new_patient_check')}) AND {days('e.event_date')} - {days('r.reg_start')} BETWEEN 0 AND 28 THEN 1 ELSE 0 END) AS nphc,
    {in_year('e', 'health_review')} AS hr,
    {in_year('e', 'hepb_test')} AS hepb,
    {in_year('e', 'hepc_test')} AS hepc,
    {in_year('e', 'hiv_test')} AS hiv,
    SUM(CASE WHEN e.code IN ({q('hepb_vaccination')}) AND e.event_date >= {d(pend - relativedelta(years=5))} THEN 1 ELSE 0 END) AS hepbvac,
    SUM(CASE WHEN e.code IN ({q('flu_vaccination')}) AND e.event_date >= {flu_from} THEN 1 ELSE 0 END) AS flu,
    SUM(CASE WHEN e.code IN ({q('flu_contraindicated')}) AND e.event_date >= {d(pend - relativedelta(years=100))} THEN 1 ELSE 0 END) AS fluci,
    {in_year('e', 'tb_screen')} AS tb,
    {in_year('e', 'smoking_status')} AS smok,
    MAX(CASE WHEN e.code IN ({q('smoking_status')}) AND e.event_date >= {d(pend - relativedelta(months=24) + day)}
        THEN {days('e.event_date')} * 2 + CASE WHEN e.code IN ({q('smoking_current')}) THEN 1 ELSE 0 END END) AS smok_latest,
    {in_year('e', 'smoking_support')} AS support,
    SUM(CASE WHEN e.code IN ({q('audit_c')}) AND e.event_date >= {y0} AND e.value IS NOT NULL AND e.value >= 0 THEN 1 ELSE 0 END) AS auditc,
    {in_year('e', 'alcohol_declined')} AS alcdec,
    {in_year('e', 'mental_health_review')} AS mh,
    {in_year('e', 'mh_declined')} AS mhdec,
    {in_year('e', 'mh_unsuitable')} AS mhuns,
    {in_year('e', 'drug_review')} AS drug
  FROM {table('clinical_event')} e JOIN reg r ON r.patient_id = e.patient_id
  WHERE e.event_date <= {d(pend)}
  GROUP BY e.patient_id
), inv AS (
  SELECT patient_id, {gap('health_review')} AS i_hr, {gap('bbv')} AS i_bbv, {gap('flu', flu_from)} AS i_flu,
    {gap('tb')} AS i_tb, {gap('smoking')} AS i_smok, {gap('mental_health')} AS i_mh
  FROM {table('invitation')} WHERE sent_on >= {y0} AND sent_on <= {d(pend)}
  GROUP BY patient_id
), fu AS (
  SELECT DISTINCT a.dna_event_id FROM {table('dna_action')} a JOIN {table('dna_event')} d2 ON d2.id = a.dna_event_id
  WHERE a.status = 'done' AND a.action IN ({followups}) AND a.done_at IS NOT NULL
    AND {dday('a.done_at')} - {dday('d2.occurred_at')} BETWEEN 0 AND 14 AND {dday('a.done_at')} <= {days(d(pend))}
), dna AS (
  SELECT dn.patient_id, COUNT(*) AS n, SUM(CASE WHEN fu.dna_event_id IS NULL THEN 1 ELSE 0 END) AS missed
  FROM {table('dna_event')} dn LEFT JOIN fu ON fu.dna_event_id = dn.id
  WHERE dn.voided_at IS NULL
    AND {dday('dn.occurred_at')} BETWEEN {days(y0)} AND {days(d(pend - dt.timedelta(days=14)))}
  GROUP BY dn.patient_id
), w AS (
  SELECT p.id AS patient_id, p.sex, CASE {bands} ELSE '{AGE_BANDS[0][0]}' END AS age_band,
    p.date_of_birth AS dob, r.reg_start, p.main_language, p.interpreter_mode, p.keyworker_name,
    c.c_bbv, c.c_hepb, c.c_tb, c.c_drug, c.c_key,
    COALESCE(ev.nphc,0) AS nphc, COALESCE(ev.hr,0) AS hr, COALESCE(ev.hepb,0) AS hepb, COALESCE(ev.hepc,0) AS hepc,
    COALESCE(ev.hiv,0) AS hiv, COALESCE(ev.hepbvac,0) AS hepbvac, COALESCE(ev.flu,0) AS flu, COALESCE(ev.fluci,0) AS fluci,
    COALESCE(ev.tb,0) AS tb, COALESCE(ev.smok,0) AS smok, ev.smok_latest, COALESCE(ev.support,0) AS support,
    COALESCE(ev.auditc,0) AS auditc, COALESCE(ev.alcdec,0) AS alcdec, COALESCE(ev.mh,0) AS mh,
    COALESCE(ev.mhdec,0) AS mhdec, COALESCE(ev.mhuns,0) AS mhuns, COALESCE(ev.drug,0) AS drug,
    inv.i_hr, inv.i_bbv, inv.i_flu, inv.i_tb, inv.i_smok, inv.i_mh,
    COALESCE(dna.n,0) AS dna_n, COALESCE(dna.missed,0) AS dna_missed
  FROM {table('patient')} p JOIN reg r ON r.patient_id = p.id JOIN cat c ON c.patient_id = p.id
  LEFT JOIN ev ON ev.patient_id = p.id LEFT JOIN inv ON inv.patient_id = p.id LEFT JOIN dna ON dna.patient_id = p.id
)"""
    a16, a15 = f"w.dob <= {d(birthday_cutoff(pend, 16))}", f"w.dob <= {d(birthday_cutoff(pend, 15))}"
    r91 = f"w.reg_start <= {d(pend - dt.timedelta(days=91))}"
    lang = "w.main_language IS NOT NULL AND w.main_language <> '' AND w.main_language NOT IN ('en','en-GB')"
    new_from, new_to = period.start, pend - dt.timedelta(days=28)
    # (id, denominator, numerator, exception (counted outside the numerator only), events)
    inds = [
        ("IH001", "1=1", "1=1", "1=0", "0"),
        ("IH002", f"w.reg_start BETWEEN {d(new_from)} AND {d(new_to)}", "w.nphc >= 1", "1=0", "w.nphc"),
        ("IH003", r91, "w.hr >= 1", "w.i_hr >= 7", "w.hr"),
        ("IH004", f"w.c_bbv = 1 AND {a16}", "w.hepb >= 1 AND w.hepc >= 1 AND w.hiv >= 1", "w.i_bbv >= 7",
         "w.hepb + w.hepc + w.hiv"),
        ("IH005", f"w.c_hepb = 1 AND {a16}", "w.hepbvac >= 3", "1=0", "w.hepbvac"),
        ("IH006", "1=1", "w.flu >= 1", "w.fluci >= 1 OR w.i_flu >= 7", "w.flu"),
        ("IH007", "w.c_tb = 1", "w.tb >= 1", "w.i_tb >= 7", "w.tb"),
        ("IH008", a15, "w.smok >= 1", "1=0", "w.smok"),
        ("IH009", f"{a15} AND w.smok_latest IS NOT NULL AND w.smok_latest % 2 = 1", "w.support >= 1", "w.i_smok >= 7",
         "w.support"),
        ("IH010", a16, "w.auditc >= 1", "w.alcdec >= 1", "w.auditc"),
        ("IH011", r91, "w.mh >= 1", "w.mhuns >= 1 OR w.mhdec >= 1 OR w.i_mh >= 7", "w.mh"),
        ("IH012", "w.c_drug = 1", "w.drug >= 1", "1=0", "w.drug"),
        ("IH013", lang, "w.interpreter_mode IS NOT NULL AND w.interpreter_mode <> ''", "1=0", "0"),
        ("IH014", "w.dna_n > 0", "w.dna_missed = 0", "1=0", "0"),
        ("IH015", "w.c_key = 1", "w.keyworker_name IS NOT NULL AND w.keyworker_name <> ''", "1=0", "0"),
    ]
    aggs = ",\n  ".join(
        f"SUM(CASE WHEN {den} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN ({den}) AND ({num}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN ({den}) AND NOT ({num}) AND ({exc}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN ({den}) AND ({num}) THEN {events} ELSE 0 END)"
        for _iid, den, num, exc, events in inds
    )
    sql = f"""{wide}
SELECT 0 AS g, w.sex AS k1, w.age_band AS k2,
  {aggs}
FROM w GROUP BY w.sex, w.age_band
UNION ALL
SELECT 1 AS g, f.category AS k1, NULL AS k2,
  {aggs}
FROM w JOIN flags f ON f.patient_id = w.patient_id GROUP BY f.category
"""
    return sql, [i[0] for i in inds]


def tallies_from_rows(ids: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, IndicatorTally]:
    """The wide rows (group, key, key, then B, A, C, events per indicator) as per-indicator tallies.

    A stratum appears only where the indicator has a denominator, as in the engines.
    """
    total = {i: Counts() for i in ids}
    by_sex: dict[str, dict[str, Counts]] = {i: {} for i in ids}
    by_age: dict[str, dict[str, Counts]] = {i: {} for i in ids}
    by_cat: dict[str, dict[str, Counts]] = {i: {} for i in ids}
    for row in rows:
        group, k1, k2 = row[0], row[1], row[2]
        for n, iid in enumerate(ids):
            b, a, c, e = (int(v or 0) for v in row[3 + 4 * n : 7 + 4 * n])
            if b == 0:
                continue
            cnt = Counts(a, b, c, e)
            if group == 0:
                total[iid] = total[iid] + cnt
                by_sex[iid][k1] = by_sex[iid].get(k1, Counts()) + cnt
                by_age[iid][k2] = by_age[iid].get(k2, Counts()) + cnt
            else:
                by_cat[iid][k1] = cnt
    return {i: IndicatorTally(i, total[i], by_sex[i], by_age[i], by_cat[i]) for i in ids}
