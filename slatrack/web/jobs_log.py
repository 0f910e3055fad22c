"""The job log for administrators: each run of a scheduled job, its outcome, summary and error."""

from __future__ import annotations

from math import ceil

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from slatrack.jobs.catalog import load_all
from slatrack.operations.accounts import admin as ops
from slatrack.policy import allow

bp = Blueprint("jobs_log", __name__, url_prefix="/admin/jobs")


@bp.route("")
@allow("admin")
def index() -> ResponseReturnValue:
    job_id = request.args.get("job", "").strip()
    outcome = request.args.get("outcome", "").strip()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total, runs = ops.job_runs(job_id, outcome, page)
    specs = {spec.id: spec for spec in load_all()}
    known = sorted(set(specs) | set(ops.job_ids()))
    args = {k: v for k, v in (("job", job_id), ("outcome", outcome)) if v}
    return render_template(
        "jobs/index.html",
        runs=runs,
        total=total,
        page=page,
        pages=max(ceil(total / ops.JOBS_PER_PAGE), 1),
        args=args,
        job_id=job_id,
        outcome=outcome,
        jobs=[(key, specs[key].description if key in specs else key) for key in known],
        descriptions={key: spec.description for key, spec in specs.items()},
        outcomes=ops.JOB_OUTCOMES,
    )
