"""Engine and session factory, declarative Base, portable column types, id allocation."""

from lojal.db.base import Base
from lojal.db.engine import create_db_engine, make_session_factory

__all__ = ["Base", "create_db_engine", "make_session_factory"]
