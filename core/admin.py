"""Admin pieces shared by the apps."""


class DeleteThroughServiceMixin:
    """Admin deletes, of one row or of a selection, go through the app's service (which
    invalidates caches, or soft-deletes) instead of the ORM: define `delete_rows(pks)`."""

    def delete_rows(self, pks: list) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_rows([obj.pk])

    def delete_queryset(self, request, queryset):
        self.delete_rows(list(queryset.values_list("pk", flat=True)))
