"""Which function runs a job: ``@task("name")`` registers a handler, ``periodic(...)`` a schedule."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session


@dataclass
class JobContext:
    session: Session
    job_id: int
    shop_id: int | None
    attempt: int


Handler = Callable[[JobContext, dict[str, Any]], None]


@dataclass(frozen=True)
class Task:
    name: str
    handler: Handler
    max_attempts: int | None = None


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every: timedelta
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Registry:
    tasks: dict[str, Task] = field(default_factory=dict)
    periodic: dict[str, Periodic] = field(default_factory=dict)

    def task(self, name: str, *, max_attempts: int | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.tasks[name] = Task(name, handler, max_attempts)
            return handler

        return register

    def every(self, name: str, every: timedelta, task: str | None = None,
              payload: dict[str, Any] | None = None) -> None:
        self.periodic[name] = Periodic(name, task or name, every, payload or {})


default_registry = Registry()
task = default_registry.task


def periodic(name: str, *, every: timedelta, task: str | None = None, payload: dict[str, Any] | None = None) -> None:
    """Run ``task`` (default: the task of the same name) every ``every``, once per slot across
    all workers."""
    default_registry.every(name, every, task, payload)


def load_task_modules() -> None:
    """Import ``lojal.<domain>.tasks`` for every domain that has one, so their handlers register."""
    import lojal

    for module in pkgutil.iter_modules(lojal.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"lojal.{module.name}.tasks")
            except ModuleNotFoundError as error:
                if error.name != f"lojal.{module.name}.tasks":
                    raise
