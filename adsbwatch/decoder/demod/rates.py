"""The sample rates the demodulator has geometry for (no numpy: parsers check rates)."""

SUPPORTED_RATES = (2_000_000, 2_400_000)
