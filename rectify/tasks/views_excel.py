"""Excel round trip of the ledger (being built)."""
from django.http import Http404, HttpRequest, HttpResponse


def export_ledger(request: HttpRequest) -> HttpResponse:
    raise Http404


def download_template(request: HttpRequest) -> HttpResponse:
    raise Http404


def import_ledger(request: HttpRequest) -> HttpResponse:
    raise Http404
