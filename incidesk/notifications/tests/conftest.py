"""The mail tests' real SMTP server, for the hand-off tests that follow a promise to the mail."""

from incidesk.mail.tests.conftest import smtp  # noqa: F401
