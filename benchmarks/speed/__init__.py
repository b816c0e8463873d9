"""Speed of `adsbwatch replay --raw` against dump1090-mutability: run it with
`python -m benchmarks.speed` (see __main__.py)."""
