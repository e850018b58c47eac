"""RQ worker classes: no database connection crosses a fork (CKAN's broken-connection bugs)."""

import os

from rq import SimpleWorker, Worker

from core.extensions import db


class _FontPreloaded:
    """Registers the letter font before the work loop (before any fork): parsing it costs
    110-290 ms, far more than drawing a letter, so never inside a job."""

    def work(self, *args, **kwargs):
        from core.letters import letter_font

        letter_font()
        return super().work(*args, **kwargs)


class ErpWorker(_FontPreloaded, Worker):
    """Forking worker: disposes the engine's pool before each fork, so the work horse opens
    its own connections and never shares a socket with the parent."""

    def execute_job(self, job, queue):
        db.engine.dispose()
        return super().execute_job(job, queue)


class ErpSimpleWorker(_FontPreloaded, SimpleWorker):
    """Non-forking worker (~3× the throughput of a forking one here): for short jobs such as
    letters. The job runner removes the session after each job."""

    def execute_job(self, job, queue):
        os.environ["RQ_WORKER_ID"] = self.name
        return super().execute_job(job, queue)
