"""The demo's fillers for ``rectify generate`` (discovered by ``rectify.core.fill.discover``): inspections, plans,
decomposed tasks, the monthly rounds and progress reports (``generate.ledger``), then one login per role
(``generate.logins``). They live here, not in tasks or dispatch, because they play several apps' services together."""
from .generate import ledger, logins

__all__ = ["ledger", "logins"]
