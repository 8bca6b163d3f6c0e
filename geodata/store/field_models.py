"""Field-work records (geodata.fieldwork): events, patrols, screening rounds, gate entries, passes, care, supplies,
places. One module so the store stays small; each workflow keeps to its own section below."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from geodata.base.types import GeometryType
from geodata.store.models import Base, Versioned, utcnow

# --- events and requests (事件上报 → 流转 → 办结), patrols and patrol teams -----------------------------------

# --- door-to-door screening rounds and returnee lists ----------------------------------------------------------

# --- checkpoint entry registration and household passes --------------------------------------------------------

# --- care of the vulnerable, deliveries, supplies, places and organisations ------------------------------------
