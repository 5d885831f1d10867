"""The unit of work on a child's record: the one bulk writer (`record.writer`), used by the returns
importers and the demo generator alike. No models of its own, and not a Django app: it reaches the
models it writes through Django's app registry."""
