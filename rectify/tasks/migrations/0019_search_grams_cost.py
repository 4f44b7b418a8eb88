"""The keyword search's pair function declared costly (``rectify.tasks.search``): ~170 µs a call on a task's text,
which PostgreSQL took for the default 100 × ``cpu_operator_cost`` and so, for a common word with few rows wanted,
preferred reading the table and computing every row's pairs to reading the index. Nothing on SQLite. Changes
only the planner's figure: the function, its results and the index stay as they are."""
from django.db import migrations


def _cost(cost):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER FUNCTION rectify_text_grams(text) COST {cost}")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0018_assignment_counts"),
    ]

    operations = [
        migrations.RunPython(_cost(5000), _cost(100)),
    ]
