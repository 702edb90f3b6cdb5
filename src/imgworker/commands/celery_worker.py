"""``imgworker celery-worker``: a Celery worker for ``imgworker batch --broker``.

    imgworker celery-worker [--broker redis://HOST:6379/0] [-c N] [-n NAME] [-l LEVEL]
                            [--max-tasks-per-child N]

Runs ``celery -A imgworker.batch.tasks worker -P prefork -c N -Q <IMGWORKER_QUEUE>
--without-gossip --without-mingle --without-heartbeat`` in this process, with the workload's
settings (late acknowledgement, re-queue on a lost worker, prefetch 1, time limits, visibility
timeout: see :mod:`imgworker.batch.tasks`). Start one per machine (``-c`` = its cores), all against
the same Redis; ``--broker`` (or ``IMGWORKER_BROKER_URL``) names it. Each pool process starts one
embedded renderer unless ``IMGIX_DOMAIN`` points at a running one.
"""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "celery-worker",
        help="run a Celery worker for `imgworker batch --broker`",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--broker", metavar="URL", help="Redis URL (default IMGWORKER_BROKER_URL or redis://127.0.0.1:6379/0)"
    )
    p.add_argument("-c", "--concurrency", type=int, default=os.cpu_count() or 1, help="pool processes (default: cores)")
    p.add_argument("-n", "--hostname", default="imgworker@%h", help="worker node name (default imgworker@%%h)")
    p.add_argument("-l", "--loglevel", default="warning", help="celery log level (default warning)")
    p.add_argument("--max-tasks-per-child", type=int, default=0, help="recycle a process after N jobs")
    p.set_defaults(func=main)


def argv(args: argparse.Namespace, queue: str, max_tasks_per_child: int) -> list[str]:
    """The ``celery worker`` arguments this command runs with."""
    return [
        "worker",
        "-P",
        "prefork",
        "-c",
        str(args.concurrency),
        "-n",
        args.hostname,
        "-l",
        args.loglevel,
        "-Q",
        queue,
        "--max-tasks-per-child",
        str(max_tasks_per_child),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def main(args: argparse.Namespace) -> int:
    from imgworker.batch import tasks
    from imgworker.batch.config import BatchConfig

    config = BatchConfig.from_env()
    if args.broker:
        config = config.with_broker(args.broker)  # forked pool processes inherit the app's settings
    app = tasks.configure(tasks.app, config)
    app.worker_main(argv(args, config.queue, args.max_tasks_per_child or config.max_tasks_per_child))
    return 0
