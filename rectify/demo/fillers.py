"""The demo's fillers for ``rectify generate`` (discovered by ``rectify.core.fill.discover``): inspections, plans,
decomposed tasks, the monthly rounds and progress reports (``generate.ledger``), then one login per role
(``generate.logins``), a year of the security logs (``generate.security_logs``). They live here, not in tasks or dispatch, because they play several apps' services together."""
from .generate import ledger, logins, security_logs

__all__ = ["ledger", "logins", "security_logs"]
