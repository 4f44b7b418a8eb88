"""Generic page views shared by the apps: ``lists.ScopedListView`` for every list page."""
