"""initial schema: directory, accounts, reports

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:12:02.288595
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import reporting.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('countries',
    sa.Column('iso3', sa.String(length=3), nullable=False),
    sa.Column('iso2', sa.String(length=2), nullable=False),
    sa.Column('m49', sa.String(length=3), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('iso3', name=op.f('pk_countries')),
    sa.UniqueConstraint('iso2', name=op.f('uq_countries_iso2'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('member_states',
    sa.Column('iso3', sa.String(length=3), nullable=False),
    sa.Column('default_sharing', sa.String(length=16), nullable=False),
    sa.Column('joined_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['iso3'], ['countries.iso3'], name=op.f('fk_member_states_iso3_countries')),
    sa.PrimaryKeyConstraint('iso3', name=op.f('pk_member_states'))
    )
    op.create_table('region_memberships',
    sa.Column('region_code', sa.String(length=64), nullable=False),
    sa.Column('country_iso3', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['country_iso3'], ['countries.iso3'], name=op.f('fk_region_memberships_country_iso3_countries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_region_memberships_region_code_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region_code', 'country_iso3', name=op.f('pk_region_memberships'))
    )
    with op.batch_alter_table('region_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_memberships_country_iso3'), ['country_iso3'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('state_iso3', sa.String(length=3), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'], name=op.f('fk_idempotency_keys_state_iso3_member_states')),
    sa.PrimaryKeyConstraint('state_iso3', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('reports',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('state_iso3', sa.String(length=3), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sharing', sa.String(length=16), nullable=False),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('incident_country', sa.String(length=3), nullable=False),
    sa.Column('transport_mode', sa.String(length=8), nullable=False),
    sa.Column('origin_countries', sa.String(length=40), nullable=False),
    sa.Column('intended_destination', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'], name=op.f('fk_reports_state_iso3_member_states')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_reports')),
    sa.UniqueConstraint('id', name=op.f('uq_reports_id'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_incident_date', ['incident_date'], unique=False)
        batch_op.create_index('ix_reports_sharing_seq', ['sharing', 'seq'], unique=False)
        batch_op.create_index('ix_reports_state_seq', ['state_iso3', 'seq'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('state_iso3', sa.String(length=3), nullable=True),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'], name=op.f('fk_users_state_iso3_member_states')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_state_iso3'), ['state_iso3'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state_iso3', sa.String(length=3), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', reporting.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['state_iso3'], ['member_states.iso3'], name=op.f('fk_api_tokens_state_iso3_member_states')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_state_iso3'), ['state_iso3'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('report_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('status_after', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_token_id', sa.String(length=36), nullable=False),
    sa.Column('at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_events_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_events'))
    )
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_events_report_id'), ['report_id'], unique=False)

    op.create_table('report_versions',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', reporting.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_versions_report_id_reports'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('report_id', 'version', name=op.f('pk_report_versions'))
    )


def downgrade() -> None:
    op.drop_table('report_versions')
    with op.batch_alter_table('report_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_events_report_id'))

    op.drop_table('report_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_tokens_state_iso3'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_state_iso3'))

    op.drop_table('users')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_state_seq')
        batch_op.drop_index('ix_reports_sharing_seq')
        batch_op.drop_index('ix_reports_incident_date')

    op.drop_table('reports')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('region_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_memberships_country_iso3'))

    op.drop_table('region_memberships')
    op.drop_table('member_states')
    op.drop_table('regions')
    op.drop_table('countries')
