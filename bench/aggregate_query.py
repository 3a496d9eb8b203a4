"""Regional-summary aggregation on PostgreSQL: fact rows against JSON, at 10^6 versions.

What a summary worker runs for one region × year (SPEC §4), on the tables of migration
0003, joined on "the newest approved version, report not withdrawn, sharing reaches the
audience, reporting state in the region":

* incidents and contributing states, migrants by sex/age, unaccompanied minors, deaths /
  missing / injured, smugglers arrested (``version_figures`` only);
* transport mode × conveyance mix (``version_figures``);
* top 10 migrant nationalities, routes with counts, modus operandi (``version_facts``);
* fee median and interquartile range per route and currency (``percentile_cont`` over
  ``version_figures.fee_amount`` grouped by the route facts).

The same figures are computed in the same run from a JSON alternative: one ``jsonb``
column holding each version's body (as ``report_versions.body`` would be if it were
jsonb), read with ``->>`` / ``#>>`` and ``jsonb_array_elements``, with an expression
index on the incident date, so that the ratio compares two honest designs. Both answers
are compared and "same" or "DIFFERENT" is printed per query.

Then the per-report write cost that submissions would pay: ``facts.figures_row`` and
``facts.fact_rows`` in Python, and the Core inserts of the figures and fact rows, each
report in its own transaction, interleaved with a baseline transaction that inserts only
the version row (what a submission writes today), on the loaded database.

Loading (not timed per query, printed as a whole): the schema is built by the Alembic
migrations; 10^6 versions (700,000 reports, 3 in 7 amended once) are generated in SQL
with ``generate_series`` from one seeded source table, so the figures, facts, reports and
JSON bodies describe the same synthetic reports. Rows go in in incident-date order, as
a proxy of arrival order (a heap is in insertion order; in random report-id order a
year's rows land on every page of the table, which made the facts queries about 1.7x
slower in a trial run, and the JSON ones likewise). Secondary indexes and constraints are
dropped during the load and re-created after it (foreign keys as NOT VALID: enforced on
every later insert, which the write-cost measurement needs, without re-checking 10^7 rows).

    python bench/aggregate_query.py [--versions 1000000] [--repeat 5] [--writes 1000]
                                    [--database-url URL] [--keep]

The database (default ``openvrs_bench_model``) is dropped and re-created, and dropped
again at the end unless ``--keep``. Figures are printed, nothing is asserted.
"""

# The SQL below is generated data and fixed statements: long lines read better than
# wrapped ones, and no value from outside (only the constants here) enters a statement.
# ruff: noqa: E501, S608

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from databases import check_database_url, drop_database, recreate_database

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/openvrs_bench_model"
REGION = "035"   # South-eastern Asia
YEAR = 2024
AUDIENCE = ("region", "all_members")  # what analysts of the region's members read
LOADED_TABLES = ("log_leaves", "reports", "report_versions", "report_events",
                 "version_figures", "version_facts")

# ---- synthetic source: one row per version, every value the other tables derive from ----

SOURCE_SQL = """
CREATE UNLOGGED TABLE bench_src AS
WITH members AS MATERIALIZED (SELECT array_agg(iso3 ORDER BY iso3) AS a, count(*)::int AS k
                 FROM member_states),
v AS (
  SELECT n, version, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
         random() AS r5, random() AS r6, random() AS r7, random() AS r8, random() AS r9,
         random() AS r10, random() AS r11, random() AS r12, random() AS r13
  FROM generate_series(1, :reports) AS n,
       LATERAL generate_series(1, CASE WHEN n % 7 < 3 THEN 2 ELSE 1 END) AS version
)
SELECT
  n, version,
  md5(n::text)::uuid::text AS report_id,
  mem.a[1 + (n::bigint * 7919) % mem.k] AS state,
  DATE '2015-01-01' + floor(r1 * 3955)::int AS d,
  (ARRAY['land_border','sea_border','airport','seaport','inland','at_sea'])[1 + floor(r2*6)::int] AS location_type,
  (ARRAY['departure','transit','entry','exit','within_country','at_sea'])[1 + floor(r3*6)::int] AS detection_stage,
  (ARRAY['police','immigration','border_guard','coast_guard','customs'])[1 + floor(r4*5)::int] AS detecting_agency,
  m.mode AS transport_mode,
  m.conveyance,
  o.a[1 + o.i1] AS o1,
  CASE WHEN r7 < 0.5 THEN o.a[1 + (o.i1 + 1 + floor(r12 * 11)::int) % 12] END AS o2,
  CASE WHEN r8 < 0.6 THEN (ARRAY['MYS','THA','IDN','IND','ARE','TUR'])[1 + floor(r9*6)::int] END AS t1,
  CASE WHEN r10 < 0.9 THEN (ARRAY['AUS','NZL','MYS','THA','GBR','DEU'])[1 + floor(r8*6)::int] END AS dest,
  3 + floor(r11 * 60)::int AS total,
  r12 AS split, r13 AS extra,
  (ARRAY['national','region','all_members'])[1 + floor(r9 * 3)::int] AS sharing
FROM v CROSS JOIN members mem,
     LATERAL (SELECT (ARRAY['land','sea','air','mixed'])[1 + floor(v.r5 * 4)::int] AS mode) mm,
     LATERAL (SELECT mm.mode,
                     CASE mm.mode WHEN 'land' THEN 'truck' WHEN 'sea' THEN 'fishing_vessel'
                                  WHEN 'air' THEN 'commercial_flight' ELSE 'van' END
                       AS conveyance) m,
     LATERAL (SELECT ARRAY['AFG','IRN','IRQ','LKA','MMR','BGD','PAK','VNM','CHN','NPL','SYR','SOM'] AS a,
                     floor(v.r6 * 12)::int % 12 AS i1) o
"""

# Derived per-version values, written once and read by the figures, facts and JSON loads.
DERIVED_SQL = """
CREATE UNLOGGED TABLE bench_rows AS
SELECT s.*,
  floor(total * 0.5)::int AS men, floor(total * 0.2)::int AS women,
  floor(total * 0.15)::int AS boys, floor(total * 0.1)::int AS girls,
  total - floor(total * 0.5)::int - floor(total * 0.2)::int - floor(total * 0.15)::int
        - floor(total * 0.1)::int AS unknown,
  floor((floor(total * 0.15) + floor(total * 0.1)) * split)::int AS minors,
  CASE WHEN o2 IS NULL THEN total ELSE ceil(total * 0.6)::int END AS c1,
  CASE WHEN o2 IS NULL THEN 0 ELSE total - ceil(total * 0.6)::int END AS c2,
  CASE WHEN extra < 0.75
       THEN round((500 + 6000 * split)::numeric, -2)::float8 END AS fee_amount,
  CASE WHEN extra < 0.75 THEN (ARRAY['USD','AUD','MYR'])[1 + floor(extra * 4)::int] END
       AS fee_currency,
  CASE WHEN transport_mode IN ('sea', 'mixed') AND split < 0.1 THEN 2 ELSE 0 END AS deaths,
  CASE WHEN split > 0.95 THEN 3 ELSE 0 END AS missing,
  floor(extra * 3)::int AS injured,
  CASE WHEN extra < 0.4 THEN (ARRAY['extortion','robbery','abandonment','fraud'])[1 + floor(split * 4)::int] END AS crime,
  CASE WHEN transport_mode IN ('sea', 'mixed') AND split < 0.1 THEN 'endangered_life_or_safety' END AS aggravating,
  1 + floor(split * 5)::int AS s_total,
  (ARRAY['organiser','transporter','guide','recruiter'])[1 + floor(extra * 4)::int] AS role1,
  CASE WHEN split < 0.5 THEN (ARRAY['transporter','guide','recruiter','organiser'])[1 + floor(extra * 4)::int] END AS role2,
  CASE WHEN transport_mode = 'air' THEN (ARRAY['passport','visa'])[1 + floor(split * 2)::int] END AS doc_type,
  (ARRAY['counterfeit','forged','impostor'])[1 + floor(extra * 3)::int] AS fraud_type,
  (ARRAY['MYS','SGP','JPN','KOR'])[1 + floor(split * 4)::int] AS issuer,
  (ARRAY['concealment_in_vehicle','maritime_transfer','fraudulent_documents','online_recruitment'])[1 + floor(split * 4)::int] AS mo1,
  CASE WHEN extra > 0.6 THEN 'corruption_of_officials' END AS mo2,
  CASE WHEN transport_mode = 'air' THEN 'document_fraud' END AS rc
FROM bench_src s
"""

FIGURES_SQL = """
INSERT INTO version_figures
SELECT report_id, version, state, sharing, d, 'day', extract(year FROM d)::int,
       extract(quarter FROM d)::int, extract(month FROM d)::int, state, location_type,
       detection_stage, detecting_agency, transport_mode, conveyance, dest,
       total, men, women, boys, girls, unknown, minors, deaths, missing, injured,
       s_total, floor(s_total * split)::int, s_total, 0, 0, fee_amount, fee_currency,
       'yes', split < 0.5, floor(s_total * split)::int, 0, extra < 0.2, NULL
FROM bench_rows ORDER BY d, report_id, version
"""

FACTS_SQL = """
INSERT INTO version_facts (report_id, version, dimension, code, count)
SELECT report_id, version, dimension, code, count FROM (
  SELECT d, report_id, version, 'origin' AS dimension, o1 AS code, 1 AS count FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'origin', o2, 1 FROM bench_rows WHERE o2 IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'transit', t1, 1 FROM bench_rows WHERE t1 IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'destination', dest, 1 FROM bench_rows WHERE dest IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'route', o1 || '>' || coalesce(dest, '?'), 1 FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'route', o2 || '>' || coalesce(dest, '?'), 1 FROM bench_rows WHERE o2 IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'migrant_nationality', o1, c1 FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'migrant_nationality', o2, c2 FROM bench_rows WHERE o2 IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'crime', crime, 1 FROM bench_rows WHERE crime IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'aggravating', aggravating, 1 FROM bench_rows WHERE aggravating IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'smuggler_role', role1, s_total FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'smuggler_role', role2, 1 FROM bench_rows WHERE role2 IS NOT NULL AND role2 <> role1
  UNION ALL SELECT d, report_id, version, 'smuggler_nationality', state, s_total FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'document', doc_type || '/' || fraud_type, 2 FROM bench_rows WHERE doc_type IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'document_issuer', issuer, 2 FROM bench_rows WHERE doc_type IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'modus_operandi', mo1, 1 FROM bench_rows
  UNION ALL SELECT d, report_id, version, 'modus_operandi', mo2, 1 FROM bench_rows WHERE mo2 IS NOT NULL
  UNION ALL SELECT d, report_id, version, 'related_conduct', rc, 1 FROM bench_rows WHERE rc IS NOT NULL
) f ORDER BY d, report_id, version
"""

# The same content as a body (SPEC §2 shape, with a narrative like real ones).
JSON_SQL = """
CREATE TABLE bench_json_versions (
  report_id varchar(36) NOT NULL, version integer NOT NULL, body jsonb NOT NULL,
  PRIMARY KEY (report_id, version));
INSERT INTO bench_json_versions
SELECT report_id, version, jsonb_build_object(
  'incident', jsonb_build_object('date', d::text, 'date_precision', 'day', 'country', state,
      'admin_area', 'Synthetic district', 'location_type', location_type,
      'detection_stage', detection_stage, 'detecting_agency', detecting_agency,
      'transport_mode', transport_mode, 'conveyance', conveyance),
  'route', jsonb_build_object(
      'origin_countries', CASE WHEN o2 IS NULL THEN jsonb_build_array(o1) ELSE jsonb_build_array(o1, o2) END,
      'transit_countries', CASE WHEN t1 IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(t1) END,
      'intended_destination', dest),
  'smuggled_migrants', jsonb_build_object('total', total, 'men', men, 'women', women,
      'boys', boys, 'girls', girls, 'sex_age_unknown', unknown, 'unaccompanied_minors', minors,
      'nationalities', CASE WHEN o2 IS NULL
          THEN jsonb_build_array(jsonb_build_object('country', o1, 'count', c1))
          ELSE jsonb_build_array(jsonb_build_object('country', o1, 'count', c1),
                                 jsonb_build_object('country', o2, 'count', c2)) END)
      || CASE WHEN fee_amount IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('fee_per_person',
             jsonb_build_object('amount', fee_amount, 'currency', fee_currency)) END,
  'harm', jsonb_build_object('deaths', deaths, 'missing', missing, 'injured', injured,
      'crimes_against_migrants', CASE WHEN crime IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(crime) END,
      'aggravating_circumstances', CASE WHEN aggravating IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(aggravating) END),
  'smugglers', jsonb_build_object('total', s_total, 'arrested', floor(s_total * split)::int,
      'men', s_total, 'women', 0, 'sex_unknown', 0,
      'nationalities', jsonb_build_array(jsonb_build_object('country', state, 'count', s_total)),
      'roles', CASE WHEN role2 IS NULL OR role2 = role1
          THEN jsonb_build_array(jsonb_build_object('role', role1, 'count', s_total))
          ELSE jsonb_build_array(jsonb_build_object('role', role1, 'count', s_total),
                                 jsonb_build_object('role', role2, 'count', 1)) END),
  'documents', CASE WHEN doc_type IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
      'document_type', doc_type, 'fraud_type', fraud_type, 'issuing_country', issuer, 'count', 2)) END,
  'modus_operandi', CASE WHEN mo2 IS NULL THEN jsonb_build_array(mo1) ELSE jsonb_build_array(mo1, mo2) END,
  'related_conduct', CASE WHEN rc IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(rc) END,
  'financial_benefit_established', 'yes',
  'criminal_justice', jsonb_build_object('investigation_opened', split < 0.5,
      'persons_prosecuted', floor(s_total * split)::int, 'persons_convicted', 0,
      'financial_investigation', extra < 0.2),
  'narrative', 'Group detected near a synthetic place by the border police, and migrants '
               'stated that they paid an organiser before departure and travelled at night.',
  'sharing', sharing)
FROM bench_rows ORDER BY d, report_id, version;
CREATE INDEX ix_bench_json_incident_date ON bench_json_versions ((body #>> '{incident,date}'));
"""

# Reports: 75 % approved (newest version), 10 % an amendment awaiting review (approved
# version 1 still counts), 5 % returned, 10 % withdrawn after approval (must not count).
REPORTS_SQL = """
INSERT INTO reports (id, state_iso3, current_version, status, sharing, created_at, updated_at,
                     incident_date, incident_country, transport_mode, origin_countries,
                     intended_destination, approved_version)
SELECT report_id, state, version,
       CASE WHEN k < 75 THEN 'approved' WHEN k < 85 THEN 'submitted'
            WHEN k < 90 THEN 'returned' ELSE 'withdrawn' END,
       sharing, now(), now(), d, state, transport_mode,
       ',' || o1 || coalesce(',' || o2, '') || ',', dest,
       CASE WHEN k < 75 OR k >= 90 THEN version
            WHEN k < 85 AND version = 2 THEN 1 END
FROM (SELECT DISTINCT ON (report_id) report_id, state, version, sharing, d, transport_mode,
             o1, o2, dest, n % 100 AS k
      FROM bench_rows ORDER BY report_id, version DESC) newest
ORDER BY d
"""

LOG_AND_VERSIONS_SQL = """
INSERT INTO log_leaves (index, entry, leaf_hash, created_at)
SELECT row_number() OVER (ORDER BY report_id, version) - 1, '\\x00'::bytea,
       decode(md5(report_id || version), 'hex') || decode(md5(report_id), 'hex'), now()
FROM bench_rows;
INSERT INTO report_versions (report_id, version, body, content_sha256, received_at,
                             submitted_by, log_index, status)
SELECT report_id, version, '{}', md5(report_id) || md5(report_id), now(), 'bench',
       row_number() OVER (ORDER BY report_id, version) - 1,
       CASE WHEN version = 2 AND n % 100 BETWEEN 75 AND 84 THEN 'submitted'
            WHEN n % 100 BETWEEN 85 AND 89 THEN 'returned' ELSE 'approved' END
FROM bench_rows ORDER BY d, report_id, version
"""


# ---- the queries -------------------------------------------------------------------------

COUNTED = f"""
  FROM reports r
  JOIN version_figures f ON f.report_id = r.id AND f.version = r.approved_version
  WHERE r.status <> 'withdrawn' AND r.sharing IN {AUDIENCE!r}
    AND f.state_iso3 IN (SELECT country_iso3 FROM region_memberships
                         WHERE region_code = :region)
    AND f.incident_year = :year
"""

COUNTED_JSON = f"""
  FROM reports r
  JOIN bench_json_versions j ON j.report_id = r.id AND j.version = r.approved_version
  WHERE r.status <> 'withdrawn' AND r.sharing IN {AUDIENCE!r}
    AND r.state_iso3 IN (SELECT country_iso3 FROM region_memberships
                         WHERE region_code = :region)
    AND j.body #>> '{{incident,date}}' >= :year_start
    AND j.body #>> '{{incident,date}}' < :year_end
"""


COUNTED_KEYS = "SELECT f.report_id, f.version " + COUNTED
COUNTED_FEES = ("SELECT f.report_id, f.version, f.fee_amount, f.fee_currency " + COUNTED
                + " AND f.fee_amount IS NOT NULL")


def _json_with(elements: str) -> str:
    """COUNTED_JSON with a set-returning function over each body in its FROM list."""
    return COUNTED_JSON.replace("WHERE", f", {elements} WHERE", 1)


JSON_NATIONALITIES = _json_with(
    "jsonb_array_elements(j.body #> '{smuggled_migrants,nationalities}') n")
JSON_ORIGINS = _json_with("jsonb_array_elements_text(j.body #> '{route,origin_countries}') o")
JSON_MODUS = _json_with("jsonb_array_elements_text(j.body -> 'modus_operandi') m")


def _fact_join(dimension: str) -> str:
    return (f"JOIN version_facts x ON x.report_id = f.report_id AND x.version = f.version "
            f"AND x.dimension = '{dimension}'")


QUERIES: dict[str, tuple[str, str]] = {
    "incidents, migrants by sex/age, harm": (
        f"""SELECT count(*), count(DISTINCT f.state_iso3), sum(f.migrants_total),
                   sum(f.migrants_men), sum(f.migrants_women), sum(f.migrants_boys),
                   sum(f.migrants_girls), sum(f.migrants_sex_age_unknown),
                   sum(f.unaccompanied_minors), sum(f.deaths), sum(f.missing),
                   sum(f.injured), sum(f.smugglers_arrested) {COUNTED}""",
        f"""SELECT count(*), count(DISTINCT r.state_iso3),
                   sum((j.body #>> '{{smuggled_migrants,total}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,men}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,women}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,boys}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,girls}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,sex_age_unknown}}')::int),
                   sum((j.body #>> '{{smuggled_migrants,unaccompanied_minors}}')::int),
                   sum((j.body #>> '{{harm,deaths}}')::int),
                   sum((j.body #>> '{{harm,missing}}')::int),
                   sum((j.body #>> '{{harm,injured}}')::int),
                   sum((j.body #>> '{{smugglers,arrested}}')::int) {COUNTED_JSON}"""),
    "transport mode x conveyance": (
        f"""SELECT f.transport_mode, f.conveyance, count(*) {COUNTED}
            GROUP BY 1, 2 ORDER BY 1, 2""",
        f"""SELECT j.body #>> '{{incident,transport_mode}}', j.body #>> '{{incident,conveyance}}',
                   count(*) {COUNTED_JSON} GROUP BY 1, 2 ORDER BY 1, 2"""),
    "top 10 nationalities": (
        f"""SELECT x.code, sum(x.count) FROM ({COUNTED_KEYS}) f
            {_fact_join("migrant_nationality")} GROUP BY x.code ORDER BY 2 DESC, 1 LIMIT 10""",
        f"""SELECT n ->> 'country', sum((n ->> 'count')::int) {JSON_NATIONALITIES} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"""),
    "routes with counts": (
        f"""SELECT x.code, sum(x.count) FROM ({COUNTED_KEYS}) f
            {_fact_join("route")} GROUP BY x.code ORDER BY 2 DESC, 1""",
        f"""SELECT o || '>' || coalesce(j.body #>> '{{route,intended_destination}}', '?'),
                   count(*) {JSON_ORIGINS} GROUP BY 1 ORDER BY 2 DESC, 1"""),
    "fee median and IQR per route, currency": (
        f"""SELECT x.code, f.fee_currency, count(*),
                   percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY f.fee_amount)
            FROM ({COUNTED_FEES}) f
            {_fact_join("route")} GROUP BY 1, 2 ORDER BY 1, 2""",
        f"""SELECT o || '>' || coalesce(j.body #>> '{{route,intended_destination}}', '?'),
                   j.body #>> '{{smuggled_migrants,fee_per_person,currency}}', count(*),
                   percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY
                       (j.body #>> '{{smuggled_migrants,fee_per_person,amount}}')::float8)
            {JSON_ORIGINS}
              AND j.body #> '{{smuggled_migrants,fee_per_person}}' IS NOT NULL
            GROUP BY 1, 2 ORDER BY 1, 2"""),
    "modus operandi": (
        f"""SELECT x.code, sum(x.count) FROM ({COUNTED_KEYS}) f
            {_fact_join("modus_operandi")} GROUP BY x.code ORDER BY 2 DESC, 1""",
        f"""SELECT m, count(*) {JSON_MODUS} GROUP BY 1 ORDER BY 2 DESC, 1"""),
}


# ---- running -----------------------------------------------------------------------------

def _timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"  {label:<52} {time.perf_counter() - start:7.1f} s", flush=True)
    return result


def _saved_constraints(conn: Any) -> tuple[list[str], list[str]]:
    """(drop, create) statements for the loaded tables' secondary indexes and constraints."""
    from sqlalchemy import text

    drops, creates = [], []
    tables = ", ".join(f"'{t}'" for t in LOADED_TABLES)
    # Foreign keys first (they depend on the unique indexes), then primary/unique keys.
    for kind in ("f", "p", "u"):
        for table, name, definition in conn.execute(text(f"""
                SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                FROM pg_constraint WHERE contype = '{kind}'
                  AND conrelid::regclass::text IN ({tables})""")):  # noqa: S608 - fixed
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            creates.insert(0, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                           + (" NOT VALID" if kind == "f" else ""))
    for name, definition in conn.execute(text(f"""
            SELECT indexname, indexdef FROM pg_indexes
            WHERE tablename IN ({tables}) AND indexname NOT IN (
                SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))""")):  # noqa: S608
        drops.append(f'DROP INDEX "{name}"')
        creates.insert(0, definition)
    return drops, creates


def load(engine: Any, versions: int, *, json: bool = True) -> None:
    from sqlalchemy import text

    reports = round(versions * 7 / 10)  # 3 in 7 reports have two versions
    print(f"loading {versions:,} versions ({reports:,} reports):", flush=True)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))
        conn.execute(text("SELECT setseed(0.2026)"))
        drops, creates = _saved_constraints(conn)
        for statement in drops:
            conn.execute(text(statement))
        _timed("source rows (generate_series)",
               lambda: conn.execute(text(SOURCE_SQL), {"reports": reports}))
        _timed("derived values", lambda: conn.execute(text(DERIVED_SQL)))
        _timed("log_leaves + report_versions",
               lambda: [conn.execute(text(s)) for s in LOG_AND_VERSIONS_SQL.split(";\n")])
        _timed("reports (with approved_version)", lambda: conn.execute(text(REPORTS_SQL)))
        _timed("version_figures", lambda: conn.execute(text(FIGURES_SQL)))
        _timed("version_facts", lambda: conn.execute(text(FACTS_SQL)))
        _timed("indexes and constraints back",
               lambda: [conn.execute(text(s)) for s in creates])
        if json:
            _timed("JSON alternative (jsonb bodies + date index)",
                   lambda: [conn.execute(text(s)) for s in JSON_SQL.split(";\n") if s.strip()])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        _timed("VACUUM ANALYZE", lambda: [
            conn.execute(text(f"VACUUM ANALYZE {t}"))
            for t in (*LOADED_TABLES, *(["bench_json_versions"] if json else []))])
        sizes = conn.execute(text("""
            SELECT relname, n_live_tup, pg_total_relation_size(relid)
            FROM pg_stat_user_tables WHERE relname IN
              ('version_figures', 'version_facts', 'bench_json_versions', 'reports')
            ORDER BY relname""")).all()
        conn.execute(text("DROP TABLE bench_rows, bench_src"))
    for name, rows, size in sizes:
        print(f"  {name:<22} {rows:>12,} rows {size / 2**20:9.0f} MiB")


def _rounded(rows: list[Any]) -> list[tuple]:
    def value(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, 6)
        if isinstance(v, list):
            return [value(x) for x in v]
        return int(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, bool) \
            and float(v).is_integer() else v
    return [tuple(value(v) for v in row) for row in rows]


def time_queries(engine: Any, repeat: int) -> dict[str, dict[str, float]]:
    from sqlalchemy import text

    params = {"region": REGION, "year": YEAR, "year_start": f"{YEAR}-01-01",
              "year_end": f"{YEAR + 1}-01-01"}
    figures: dict[str, dict[str, float]] = {}
    print(f"\nregion {REGION} x {YEAR}, audience {AUDIENCE}; median of {repeat} runs "
          "after one warm-up (ms):")
    print(f"  {'query':<42} {'facts':>9} {'json':>9} {'json/facts':>10}  answers  rows")
    with engine.connect() as conn:
        counted = conn.execute(text(f"SELECT count(*) {COUNTED}"), params).scalar()
        for name, (facts_sql, json_sql) in QUERIES.items():
            results, times = {}, {}
            for kind, sql in (("facts", facts_sql), ("json", json_sql)):
                results[kind] = _rounded(conn.execute(text(sql), params).all())
                runs = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    conn.execute(text(sql), params).all()
                    runs.append((time.perf_counter() - start) * 1000)
                times[kind] = statistics.median(runs)
            same = "same" if results["facts"] == results["json"] else "DIFFERENT"
            print(f"  {name:<42} {times['facts']:9.1f} {times['json']:9.1f} "
                  f"{times['json'] / times['facts']:10.1f}  {same:<8} {len(results['facts'])}",
                  flush=True)
            figures[name] = times
        total_f = sum(t["facts"] for t in figures.values())
        total_j = sum(t["json"] for t in figures.values())
        print(f"  {'all six':<42} {total_f:9.1f} {total_j:9.1f} {total_j / total_f:10.1f}")
        print(f"  ({counted:,} counted versions in the cell)")
    return figures


def time_writes(engine: Any, count: int) -> None:
    """Per-report cost of writing figures + facts, against writing the version row only."""
    from sqlalchemy import insert, text

    from reporting.demo.synthetic import synthetic_reports
    from reporting.ledger.canonical import canonical_bytes
    from reporting.reports.facts import fact_rows, figures_row
    from reporting.reports.models import ReportVersion, VersionFact, VersionFigures
    from reporting.reports.schemas import REPORT_SCHEMA, normalise

    bodies = [json.loads(canonical_bytes(normalise(REPORT_SCHEMA.load(body))))
              for _, body in synthetic_reports(count * 2, seed=7)]
    states = [state for state, _ in synthetic_reports(count * 2, seed=7)]
    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in bodies]
    with engine.begin() as conn:
        start_index = conn.execute(text("SELECT max(index) + 1 FROM log_leaves")).scalar()
        conn.execute(text(
            "INSERT INTO reports (id, state_iso3, current_version, status, sharing, "
            "created_at, updated_at, incident_date, incident_country, transport_mode, "
            "origin_countries) VALUES (:id, :state, 1, 'submitted', 'region', now(), now(), "
            "DATE '2024-01-01', :state, 'sea', ',AFG,')"),
            [{"id": i, "state": s} for i, s in zip(ids, states, strict=True)])
        conn.execute(text("INSERT INTO log_leaves (index, entry, leaf_hash, created_at) "
                          "VALUES (:i, '\\x00'::bytea, decode(md5(CAST(:i AS text)), 'hex'), now())"),
                     [{"i": start_index + k} for k in range(len(ids))])

    def version_row(k: int) -> dict[str, Any]:
        text_body = json.dumps(bodies[k])
        return {"report_id": ids[k], "version": 1, "body": text_body,
                "content_sha256": "0" * 64, "received_at": now, "submitted_by": "bench",
                "log_index": start_index + k, "status": "submitted"}

    start = time.perf_counter()
    extracted = [(figures_row(ids[k], 1, states[k], bodies[k]["sharing"], bodies[k]),
                  fact_rows(ids[k], 1, bodies[k])) for k in range(len(ids))]
    extract_us = (time.perf_counter() - start) / len(ids) * 1e6
    fact_count = sum(len(facts) for _, facts in extracted)

    baseline_s = with_facts_s = 0.0
    for k in range(len(ids)):
        row = version_row(k)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(ReportVersion), [row])
            if k % 2:  # odd reports also write their figures and facts
                figures, facts = extracted[k]
                conn.execute(insert(VersionFigures), [figures])
                conn.execute(insert(VersionFact), facts)
        elapsed = time.perf_counter() - started
        if k % 2:
            with_facts_s += elapsed
        else:
            baseline_s += elapsed
    half = len(ids) // 2
    odd_facts = sum(len(extracted[k][1]) for k in range(1, len(ids), 2))
    base_ms, full_ms = baseline_s / half * 1000, with_facts_s / half * 1000
    print(f"\nwrite cost on the loaded database, {half:,} reports each, one transaction "
          "per report, interleaved:")
    print(f"  extraction in Python (figures_row + fact_rows) {extract_us:8.0f} us/report "
          f"({fact_count / len(ids):.1f} fact rows/report)")
    print(f"  version row only (today's version insert)     {base_ms:8.2f} ms/report")
    rows_per_report = 1 + odd_facts / half  # the figures row and the fact rows
    extra_ms = full_ms - base_ms
    print(f"  version row + figures + facts                 {full_ms:8.2f} ms/report "
          f"(+{extra_ms:.2f} ms for {rows_per_report:.1f} rows: "
          f"{rows_per_report / extra_ms * 1000:,.0f} rows/s marginal)")


def _upgrade(url: str) -> None:
    """Build the schema with the Alembic migrations, as ``vrs init`` does.

    Called through Alembic directly rather than the app's helper module, which is being
    renamed on main (reporting.schema -> reporting.migration).
    """
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def prepare(url: str) -> None:
    """Schema by the migrations, reference data, and the member states the load uses."""
    from sqlalchemy import text

    from reporting.db import Database
    from reporting.directory.service import add_member_states, load_reference_data

    _upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_reference_data(session)
        members = list(session.scalars(text(
            "SELECT country_iso3 FROM region_memberships WHERE region_code IN "
            "('bali-process', '035') UNION SELECT unnest(ARRAY['GBR','DEU','FRA','ITA',"
            "'NLD','SWE','CAN','USA'])")))
        add_member_states(session, members, "region")
    database.dispose()
    print(f"{len(members)} member states (Bali Process, South-eastern Asia and 8 others)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writes", type=int, default=1000,
                        help="reports per arm of the write-cost measurement")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)

    url = check_database_url(args.database_url)
    from reporting.db import make_engine

    began = time.perf_counter()
    recreate_database(url)
    try:
        prepare(url)
        engine = make_engine(url)
        try:
            _timed("load, total", lambda: load(engine, args.versions))
            time_queries(engine, args.repeat)
            time_writes(engine, args.writes)
        finally:
            engine.dispose()
    finally:
        if not args.keep:
            drop_database(url)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
