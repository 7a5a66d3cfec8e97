"""System checks for the webhook side."""

from __future__ import annotations
