"""orderdesk: the order desk's domain and use cases."""

__version__ = "0.1.0"
