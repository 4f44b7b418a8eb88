"""The keyword search's index on PostgreSQL (see ``rectify.tasks.search``); nothing on SQLite.

The statements are frozen here as they were when this migration was written; a later change to the
index gets its own migration."""
from django.db import migrations

CREATE_SQL = ["\n    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]\n    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n      SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (\n        SELECT substr(upper(t), i, 2) AS g FROM generate_series(1, char_length(t) - 1) i\n      ) grams WHERE g !~ '\\s'\n    $$\n    ", 'CREATE OR REPLACE FUNCTION rectify_word_grams(w text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rectify_text_grams(w) $$', 'CREATE INDEX IF NOT EXISTS task_search_grams ON tasks_task USING gin (rectify_text_grams(search_text))']
DROP_SQL = ['DROP INDEX IF EXISTS task_search_grams', 'DROP FUNCTION IF EXISTS rectify_word_grams(text)', 'DROP FUNCTION IF EXISTS rectify_text_grams(text)']


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0007_g6_task_region_path'),
    ]

    operations = [
        migrations.RunPython(_run(CREATE_SQL), _run(DROP_SQL)),
    ]
