"""The records of every kind that the authorization matrix builds (晋城 = A, 太原 = B), reused here."""
from rectify.tests_security.test_matrix import records  # noqa: F401
