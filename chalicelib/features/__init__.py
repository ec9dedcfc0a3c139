"""A feature's use cases in one place: chat commands, jobs, the CLI and the web pages call
these, and none of those callers imports another."""
