"""Background work of the recurring-incident finder. Tasks take ids."""

from django_tasks import task


@task()
def compute_groups(run_id: int) -> None:
    """Group the incidents of a requested window with the clustering engine (scikit-learn,
    loaded in the worker only) and keep the result on the run (idempotent: a finished run is
    left)."""
    from incidesk.recurring.runs import run

    run(run_id)
