"""Command groups of the `medlens` CLI, one module each, each with `register(cli)`."""
