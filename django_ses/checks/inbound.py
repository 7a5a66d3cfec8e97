"""System checks for the inbound side."""

from __future__ import annotations
