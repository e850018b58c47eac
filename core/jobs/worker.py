"""RQ worker classes: no database connection crosses a fork (CKAN's broken-connection bugs)."""

import os

from rq import SimpleWorker, Worker

from core.extensions import db


class ErpWorker(Worker):
    """Forking worker: disposes the engine's pool before each fork, so the work horse opens
    its own connections and never shares a socket with the parent."""

    def execute_job(self, job, queue):
        db.engine.dispose()
        return super().execute_job(job, queue)


class ErpSimpleWorker(SimpleWorker):
    """Non-forking worker (~3× the throughput of a forking one here): for short jobs such as
    letters. The job runner removes the session after each job."""

    def execute_job(self, job, queue):
        os.environ["RQ_WORKER_ID"] = self.name
        return super().execute_job(job, queue)
