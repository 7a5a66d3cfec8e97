"""System checks for the sending side."""

from __future__ import annotations
