"""Background work: a durable job table in the same database (see queue.py), tasks registered
with ``@task``, periodic schedules, and the worker loop."""

from lojal.worker.queue import counts_by_status, enqueue, enqueue_many, purge_done, retry_dead
from lojal.worker.registry import JobContext, default_registry, load_task_modules, periodic, task
from lojal.worker.runner import Worker, run_worker, start_in_process_worker

__all__ = ["JobContext", "Worker", "counts_by_status", "default_registry", "enqueue", "enqueue_many",
           "load_task_modules", "periodic", "purge_done", "retry_dead", "run_worker", "start_in_process_worker",
           "task"]
