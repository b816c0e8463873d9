"""Pure signal and message processing: no I/O, no threads, no clocks."""
