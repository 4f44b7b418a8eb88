"""The keyword search's pair function in linear time (see ``rectify.tasks.search``); nothing on SQLite.

It returns exactly the pairs the function of 0008 returned, so the index built with it stays valid:
only its cost changes (the old one re-read the text from its start for each pair). Frozen here as
written."""
from django.db import migrations

LINEAR = """
    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT ch || lead(ch) OVER (ORDER BY n) AS g
        FROM unnest(regexp_split_to_array(upper(t), '')) WITH ORDINALITY AS chars(ch, n)
      ) grams WHERE char_length(g) = 2 AND g !~ '\\s'
    $$
    """
QUADRATIC = """
    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT substr(upper(t), i, 2) AS g FROM generate_series(1, char_length(t) - 1) i
      ) grams WHERE g !~ '\\s'
    $$
    """


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0009_g5_counts_index"),
    ]

    operations = [
        migrations.RunPython(_run(LINEAR), _run(QUADRATIC)),
    ]
