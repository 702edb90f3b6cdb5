"""Batch renditions: one manifest of sources x rendition profiles, run on a local process pool or on
Celery workers behind one Redis.

Modules (data flows top to bottom)::

    profiles.py  named sets of renditions (imgix params, fmt, target template) from JSON/TOML
    manifest.py  CSV / JSON-lines rows -> validated :class:`~imgworker.batch.jobs.Job` objects
    jobs.py      Job / RenditionJob, deterministic job and rendition ids, JSON payloads
    config.py    BatchConfig: the only code of this package that reads the environment
    runner.py    the local process pool, and the Collector (results, events, progress, summary)
    interrupts.py  SIGINT/SIGTERM: a clean stop of the submitter and the pool, whole jobs in the results
    submit.py    the Celery submitter (bounded in flight, result polling, lost-job re-send)
    tasks.py     the Celery app and its one task, ``imgworker.batch.render_job``
    context.py   per-process HTTP client and embedded renderer
    work.py      process_job(): download, stage, render, deliver, record: shared by both runners
    transfer.py  source download and target delivery, every failure classified transient or not
    outcome.py   records, events, Attempt, JobOutcome
    ledger.py    done / failed markers and the event journal (Redis, or in memory for the pool)
    results.py   the results file (JSON lines, one record per rendition) and ``--resume``
    progress.py  the rich progress bar and the summary table

The guarantee (``docs/batch.md``): at-least-once execution, exactly-once effect. A rendition is
identified by ``sha256(source sha256, profile, rendition, target)``; its target is written whole
(temp + rename, or one PUT) *before* a Redis ``SET NX`` marks it done, and the
``rendition_created`` event is pushed by the same atomic script that sets the marker, so a
re-delivered or re-submitted job re-writes at most identical bytes and never emits a second event.
"""
