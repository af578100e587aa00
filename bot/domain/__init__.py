"""Pure domain logic: no I/O, no clock (every function takes `now`)."""
