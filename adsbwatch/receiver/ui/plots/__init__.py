"""`adsbwatch report`'s plots: one module per plot (its data, folded from the store's
rows, and its drawing), a shared style, the HTML page, and the report that ties them.
matplotlib (the `plots` extra) is imported by these modules: only the report imports
them, after checking it is installed."""
