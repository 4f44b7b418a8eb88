"""The character-pair index's statistics hold 4,000 of the most common pairs instead of 1,000 (``rectify.tasks.
search_plans.word_share`` reads them): at 300,000 generated tasks the 1,000 were every pair in more than 6 % of the
tasks, so a word in 18,608 of them was "rare" and its page sorted every match. Nothing on SQLite. ``ANALYZE`` then
reads 120,000 sampled tasks instead of 30,000 (about 35 s at 300,000 tasks; autovacuum's later ones alike)."""
from django.db import migrations

from rectify.core.migration_helpers import on_postgresql

CREATE = [
    "ALTER INDEX task_search_grams ALTER COLUMN 1 SET STATISTICS 400",
    "ANALYZE tasks_task",
]
DROP = ["ALTER INDEX task_search_grams ALTER COLUMN 1 SET STATISTICS -1"]


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0021_province_order"),
    ]

    operations = [
        on_postgresql(CREATE, DROP),
    ]
