"""Document-level facts found anywhere in the text, whatever happens to the tasks."""
