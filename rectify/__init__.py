"""Rectify (督察整改闭环管理系统): the Django project; ``ingest`` beside it is the document reader."""
import django_stubs_ext

# Django's generic classes (ModelAdmin[Task], ModelForm[Plan], Paginator[…]) subscriptable at run time,
# as django-stubs declares them: the annotations mypy --strict asks for are then real code.
django_stubs_ext.monkeypatch()
