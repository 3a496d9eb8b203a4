"""summary model: version review status, approved version, figures and facts, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:40:00.000000

Keeps every report, version and receipt. Backfills:

* ``report_versions.status``: a report's current version takes the report's status unless
  the report is withdrawn (withdrawal is of the report, not a review of the version: then
  ``submitted``); older versions ``submitted``.
* ``reports.approved_version``: ``current_version`` where the report is approved.
* ``version_figures`` and ``version_facts`` for every approved version (the versions a
  summary can count), from its canonical body. They are written when a version is
  approved, not when it is submitted: most versions never count, and writing a dozen
  rows with every submission made submissions 10 % slower (bench/README.md).

The extraction below is a frozen copy of ``reporting.reports.facts`` as of this revision,
not an import: a migration must produce the same rows whenever it runs, while the app's
extraction may change later (a new dimension comes with its own migration and backfill).
``tests/test_summary_migration.py`` checks the two agree on the bodies of this revision.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BACKFILL_PAGE = 1000


def upgrade() -> None:
    # String server default (not an expression), so SQLite adds it in place.
    op.add_column('report_versions', sa.Column('status', sa.String(length=16),
                                               server_default='submitted', nullable=False))
    op.add_column('reports', sa.Column('approved_version', sa.Integer(), nullable=True))

    op.create_table('version_figures',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state_iso3', sa.String(length=3), nullable=False),
    sa.Column('sharing', sa.String(length=16), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('date_precision', sa.String(length=8), nullable=False),
    sa.Column('incident_year', sa.Integer(), nullable=False),
    sa.Column('incident_quarter', sa.Integer(), nullable=False),
    sa.Column('incident_month', sa.Integer(), nullable=True),
    sa.Column('incident_country', sa.String(length=3), nullable=False),
    sa.Column('location_type', sa.String(length=16), nullable=False),
    sa.Column('detection_stage', sa.String(length=16), nullable=False),
    sa.Column('detecting_agency', sa.String(length=16), nullable=False),
    sa.Column('transport_mode', sa.String(length=8), nullable=False),
    sa.Column('conveyance', sa.String(length=24), nullable=False),
    sa.Column('intended_destination', sa.String(length=3), nullable=True),
    sa.Column('migrants_total', sa.Integer(), nullable=False),
    sa.Column('migrants_men', sa.Integer(), nullable=False),
    sa.Column('migrants_women', sa.Integer(), nullable=False),
    sa.Column('migrants_boys', sa.Integer(), nullable=False),
    sa.Column('migrants_girls', sa.Integer(), nullable=False),
    sa.Column('migrants_sex_age_unknown', sa.Integer(), nullable=False),
    sa.Column('unaccompanied_minors', sa.Integer(), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('injured', sa.Integer(), nullable=False),
    sa.Column('smugglers_total', sa.Integer(), nullable=False),
    sa.Column('smugglers_arrested', sa.Integer(), nullable=False),
    sa.Column('smugglers_men', sa.Integer(), nullable=False),
    sa.Column('smugglers_women', sa.Integer(), nullable=False),
    sa.Column('smugglers_sex_unknown', sa.Integer(), nullable=False),
    sa.Column('fee_amount', sa.Double(), nullable=True),
    sa.Column('fee_currency', sa.String(length=3), nullable=True),
    sa.Column('financial_benefit_established', sa.String(length=8), nullable=False),
    sa.Column('investigation_opened', sa.Boolean(), nullable=False),
    sa.Column('persons_prosecuted', sa.Integer(), nullable=False),
    sa.Column('persons_convicted', sa.Integer(), nullable=False),
    sa.Column('financial_investigation', sa.Boolean(), nullable=False),
    sa.Column('assets_frozen_usd', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['report_id', 'version'], ['report_versions.report_id', 'report_versions.version'], name=op.f('fk_version_figures_report_id_report_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'version', name=op.f('pk_version_figures'))
    )
    op.create_index('ix_version_figures_period', 'version_figures',
                    ['incident_year', 'incident_month'], unique=False)
    op.create_index('ix_version_figures_state_period', 'version_figures',
                    ['state_iso3', 'incident_year'], unique=False)

    op.create_table('version_facts',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=24), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id', 'version'], ['report_versions.report_id', 'report_versions.version'], name=op.f('fk_version_facts_report_id_report_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'version', 'dimension', 'code', name=op.f('pk_version_facts'))
    )
    op.create_index('ix_version_facts_dimension_code', 'version_facts', ['dimension', 'code'],
                    unique=False)

    op.create_table('outbox',
    sa.Column('id', SequenceId, autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_undispatched', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('dispatched_at IS NULL'),
                    sqlite_where=sa.text('dispatched_at IS NULL'))

    _backfill_statuses()
    _backfill_figures_and_facts()


def downgrade() -> None:
    op.drop_index('ix_outbox_undispatched', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_version_facts_dimension_code', table_name='version_facts')
    op.drop_table('version_facts')
    op.drop_index('ix_version_figures_state_period', table_name='version_figures')
    op.drop_index('ix_version_figures_period', table_name='version_figures')
    op.drop_table('version_figures')
    # Plain ALTER TABLE … DROP COLUMN, also on SQLite (3.35+), not batch mode: a batch
    # rebuild drops and re-creates `reports`, which report_versions and report_events
    # refer to, and with foreign keys on SQLite refuses to drop a referenced table.
    op.drop_column('reports', 'approved_version')
    op.drop_column('report_versions', 'status')


# ---- backfill -----------------------------------------------------------------------------

def _backfill_statuses() -> None:
    # Approval and return do not exist before this revision, but a database may have been
    # written by a later build and downgraded; the rule holds either way.
    op.execute("""
        UPDATE report_versions SET status = (
            SELECT reports.status FROM reports WHERE reports.id = report_versions.report_id)
        WHERE EXISTS (
            SELECT 1 FROM reports
            WHERE reports.id = report_versions.report_id
              AND reports.current_version = report_versions.version
              AND reports.status IN ('approved', 'returned'))
    """)
    op.execute("UPDATE reports SET approved_version = current_version "
               "WHERE status = 'approved'")


def _backfill_figures_and_facts() -> None:
    connection = op.get_bind()
    versions = sa.table('report_versions', sa.column('report_id'), sa.column('version'),
                        sa.column('body'), sa.column('status'))
    reports = sa.table('reports', sa.column('id'), sa.column('state_iso3'),
                       sa.column('sharing'))
    # Typed where the driver needs help: sqlite3's own date adapter is deprecated.
    types = {'incident_date': sa.Date(), 'investigation_opened': sa.Boolean(),
             'financial_investigation': sa.Boolean()}
    figures = sa.table('version_figures',
                       *(sa.column(name, types.get(name)) for name in _FIGURE_COLUMNS))
    facts = sa.table('version_facts', sa.column('report_id'), sa.column('version'),
                     sa.column('dimension'), sa.column('code'), sa.column('count'))
    page = (sa.select(versions.c.report_id, versions.c.version, versions.c.body,
                      reports.c.state_iso3, reports.c.sharing)
            .join(reports, reports.c.id == versions.c.report_id)
            .where(versions.c.status == 'approved')
            .order_by(versions.c.report_id, versions.c.version)
            .limit(BACKFILL_PAGE))
    after: tuple[str, int] | None = None
    while True:
        query = page if after is None else page.where(
            sa.or_(versions.c.report_id > after[0],
                   sa.and_(versions.c.report_id == after[0], versions.c.version > after[1])))
        rows = connection.execute(query).all()
        if not rows:
            return
        figure_rows, fact_rows = [], []
        for report_id, number, text, state, sharing in rows:
            body = json.loads(text)
            figure_rows.append(_figures_row(report_id, number, state,
                                            body.get('sharing', sharing), body))
            fact_rows.extend(_fact_rows(report_id, number, body))
        connection.execute(figures.insert(), figure_rows)
        if fact_rows:
            connection.execute(facts.insert(), fact_rows)
        after = (rows[-1][0], rows[-1][1])


# ---- frozen copy of reporting.reports.facts at revision 0003 ------------------------------

_FIGURE_COLUMNS = (
    'report_id', 'version', 'state_iso3', 'sharing', 'incident_date', 'date_precision',
    'incident_year', 'incident_quarter', 'incident_month', 'incident_country',
    'location_type', 'detection_stage', 'detecting_agency', 'transport_mode', 'conveyance',
    'intended_destination', 'migrants_total', 'migrants_men', 'migrants_women',
    'migrants_boys', 'migrants_girls', 'migrants_sex_age_unknown', 'unaccompanied_minors',
    'deaths', 'missing', 'injured', 'smugglers_total', 'smugglers_arrested', 'smugglers_men',
    'smugglers_women', 'smugglers_sex_unknown', 'fee_amount', 'fee_currency',
    'financial_benefit_established', 'investigation_opened', 'persons_prosecuted',
    'persons_convicted', 'financial_investigation', 'assets_frozen_usd')


def _figures_row(report_id: str, version: int, state_iso3: str, sharing: str,
                 body: dict[str, Any]) -> dict[str, Any]:
    incident, route = body['incident'], body['route']
    migrants, harm = body['smuggled_migrants'], body['harm']
    smugglers, justice = body['smugglers'], body['criminal_justice']
    when = date.fromisoformat(incident['date'])
    precision = incident.get('date_precision', 'day')
    fee = migrants.get('fee_per_person')
    assets = justice.get('assets_frozen_usd')
    return {
        'report_id': report_id, 'version': version, 'state_iso3': state_iso3,
        'sharing': sharing, 'incident_date': when, 'date_precision': precision,
        'incident_year': when.year, 'incident_quarter': (when.month - 1) // 3 + 1,
        'incident_month': None if precision == 'quarter' else when.month,
        'incident_country': incident['country'], 'location_type': incident['location_type'],
        'detection_stage': incident['detection_stage'],
        'detecting_agency': incident['detecting_agency'],
        'transport_mode': incident['transport_mode'], 'conveyance': incident['conveyance'],
        'intended_destination': route.get('intended_destination'),
        'migrants_total': migrants['total'], 'migrants_men': migrants['men'],
        'migrants_women': migrants['women'], 'migrants_boys': migrants['boys'],
        'migrants_girls': migrants['girls'],
        'migrants_sex_age_unknown': migrants['sex_age_unknown'],
        'unaccompanied_minors': migrants['unaccompanied_minors'],
        'deaths': harm['deaths'], 'missing': harm['missing'], 'injured': harm['injured'],
        'smugglers_total': smugglers['total'], 'smugglers_arrested': smugglers['arrested'],
        'smugglers_men': smugglers['men'], 'smugglers_women': smugglers['women'],
        'smugglers_sex_unknown': smugglers['sex_unknown'],
        'fee_amount': float(fee['amount']) if fee else None,
        'fee_currency': fee['currency'] if fee else None,
        'financial_benefit_established': body['financial_benefit_established'],
        'investigation_opened': justice['investigation_opened'],
        'persons_prosecuted': justice['persons_prosecuted'],
        'persons_convicted': justice['persons_convicted'],
        'financial_investigation': justice['financial_investigation'],
        'assets_frozen_usd': float(assets) if assets is not None else None,
    }


def _fact_rows(report_id: str, version: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    route = body['route']
    destination = route.get('intended_destination')
    migrants, smugglers = body['smuggled_migrants'], body['smugglers']
    documents = body.get('documents', [])

    def once(codes: list[str]) -> Counter[str]:
        return Counter(dict.fromkeys(codes, 1))

    def summed(pairs: list[tuple[str, int]]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for code, count in pairs:
            counts[code] += count
        return counts

    dimensions = (
        ('origin', once(route['origin_countries'])),
        ('transit', once(route.get('transit_countries', []))),
        ('destination', once([destination] if destination else [])),
        ('route', once([f"{o}>{destination or '?'}" for o in route['origin_countries']])),
        ('migrant_nationality', summed([(n['country'], n['count'])
                                        for n in migrants.get('nationalities', [])])),
        ('crime', once(body['harm'].get('crimes_against_migrants', []))),
        ('aggravating', once(body['harm'].get('aggravating_circumstances', []))),
        ('smuggler_role', summed([(r['role'], r['count']) for r in smugglers.get('roles', [])])),
        ('smuggler_nationality', summed([(n['country'], n['count'])
                                         for n in smugglers.get('nationalities', [])])),
        ('document', summed([(f"{d['document_type']}/{d['fraud_type']}", d['count'])
                             for d in documents])),
        ('document_issuer', summed([(d['issuing_country'], d['count']) for d in documents])),
        ('modus_operandi', once(body.get('modus_operandi', []))),
        ('related_conduct', once(body.get('related_conduct', []))),
    )
    return [{'report_id': report_id, 'version': version, 'dimension': dimension,
             'code': code, 'count': count}
            for dimension, counts in dimensions for code, count in sorted(counts.items())]
