"""The keyword search's pair function as a PL/pgSQL loop (see ``rectify.tasks.search``); nothing on SQLite.

Same pairs, same order as the function of 0010, so the index built with it stays valid; rebuilding the index
(``rectify generate`` makes it after its load) costs about half: the text is split at whitespace once instead
of testing every pair with a regular expression, and no window function runs per character. Frozen here as
written."""
from django.db import migrations

LOOP = """
    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE chars text[]; pairs text[] := '{}'; i int; word text;
    BEGIN
      FOREACH word IN ARRAY regexp_split_to_array(upper(t), '\\s+') LOOP
        chars := string_to_array(word, NULL);
        FOR i IN 1 .. coalesce(array_length(chars, 1), 0) - 1 LOOP
          pairs := pairs || (chars[i] || chars[i + 1]);
        END LOOP;
      END LOOP;
      RETURN ARRAY(SELECT DISTINCT g FROM unnest(pairs) g ORDER BY 1);
    END
    $$
    """
LINEAR = """
    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT ch || lead(ch) OVER (ORDER BY n) AS g
        FROM unnest(regexp_split_to_array(upper(t), '')) WITH ORDINALITY AS chars(ch, n)
      ) grams WHERE char_length(g) = 2 AND g !~ '\\s'
    $$
    """


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0011_g2_task_counts"),
    ]

    operations = [
        migrations.RunPython(_run(LOOP), _run(LINEAR)),
    ]
