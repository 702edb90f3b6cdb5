"""One module per ``imgworker`` sub-command; each defines ``register(subparsers)``."""
