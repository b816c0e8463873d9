"""adsbwatch: a 1090 MHz Mode S / ADS-B receiver with a watchlist and a durable history."""

__version__ = "0.1.0"
