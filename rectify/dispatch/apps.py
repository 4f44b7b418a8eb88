from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "rectify.dispatch"
    label = "dispatch"
    verbose_name = "调度"
    # The periodic checks in jobs.py are registered by the jobs app's autodiscover().

    def ready(self) -> None:
        from rectify.core import copies
        from rectify.core.counters import register
        from rectify.tasks.hooks import answer_missing_reports

        from .counters import PAIR_COUNTS, REPORT_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS
        from .services.queries import missing_reports_read

        answer_missing_reports(missing_reports_read)  # the traffic lights ask it (rectify.tasks.hooks)
        register(REPORT_COUNTS)  # kept by triggers; checked and repaired by `rectify manage check_counters`
        register(PAIR_COUNTS)
        register(UNIT_PAIR_COUNTS)  # the round page's list of units
        register(UNIT_REPORT_COUNTS)

        from .models import REPORT_TASK, REPORT_TASK_SEQ, REPORT_UNIT_NAME

        copies.register(REPORT_UNIT_NAME)  # the order of a round's reports; checked with the counters
        copies.register(REPORT_TASK_SEQ)
        copies.register(REPORT_TASK)  # a rule, not a copy: refused when broken, listed by check_counters

        from . import todo  # noqa: F401  (registers its 待我处理 lists with rectify.notifications.todo)
