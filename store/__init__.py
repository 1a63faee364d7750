"""Shared state behind one narrow interface, with an embedded and a Redis implementation."""

from store.base import Store
from store.factory import open_store

__all__ = ["Store", "open_store"]
