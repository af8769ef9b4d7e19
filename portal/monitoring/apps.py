from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "portal.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring and alerts"

    def ready(self) -> None:
        # Registers the tasks in every process (web, worker, beat, commands): the outbox queues deliveries by
        # the task's name, since the tasks module imports the outbox.
        from portal.monitoring import tasks  # noqa: F401
        from portal.runs import run_finished

        run_finished.connect(_evaluate, dispatch_uid="monitoring.after_run")


def _evaluate(sender: object, run: object, **_: object) -> None:
    """A finished run: a health change or a new root CA becomes an alert (never raises)."""
    from portal.monitoring.changes import after_run

    after_run(run)
