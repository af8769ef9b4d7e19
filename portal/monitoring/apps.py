from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "portal.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring and alerts"

    def ready(self) -> None:
        # Registers the tasks in every process (web, worker, beat, commands): the outbox queues deliveries by
        # the task's name, since the tasks module imports the outbox.
        from portal.monitoring import tasks  # noqa: F401
