"""ORM models for the tables of a Meltano 4.4.1 system database (revision c0efb3c314eb)."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base for all system database tables."""


class Run(Base):
    """One pipeline run (or state edit) for a state ID; 4.4.1 calls the ID `job_name`."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_name: Mapped[str | None] = mapped_column(String)
    # VARCHAR(7) as 4.4.1 declares it on SQLite (which ignores lengths); PostgreSQL enforces
    # lengths, and STATE_EDIT has 10 characters.
    state: Mapped[str | None] = mapped_column(String(7).with_variant(String(10), "postgresql"))
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    payload: Mapped[str | None] = mapped_column(String)
    payload_flags: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # CHAR(32) hex; native on PostgreSQL
    trigger: Mapped[str | None] = mapped_column(String)
    last_heartbeat_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # Ours, not 4.4.1's (migrations/extensions/): the run's summary as JSON text.
    summary: Mapped[str | None] = mapped_column(Text)


class PluginSetting(Base):
    """A setting value stored in the system database (value is a Python pickle, as in 4.4.1)."""

    __tablename__ = "plugin_settings"

    label: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    namespace: Mapped[str | None] = mapped_column(String(255), primary_key=True)
    value: Mapped[bytes | None] = mapped_column(LargeBinary)
    enabled: Mapped[bool | None] = mapped_column(Boolean)


class StateRecord(Base):
    """The stored completed and partial Singer state of one state ID."""

    __tablename__ = "state"

    state_id: Mapped[str] = mapped_column(String(900), primary_key=True, unique=True)
    partial_state: Mapped[str | None] = mapped_column(String)
    completed_state: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
