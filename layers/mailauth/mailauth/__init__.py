"""mailauth: take a domain from "just bought" to "mail from it lands in the inbox" on Amazon SES."""

__version__ = "0.1.0"
