from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    """Read-only: batches change only through the import pages and command."""

    list_display = ["filename", "status", "region", "uploaded_by", "created_at", "plan"]
    list_filter = ["status"]
    search_fields = ["filename", "content_hash"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
