"""Live changes, no restart: a process runs on one checked snapshot of the partner profiles and
maps, and a watcher swaps in a new one when the files change and the whole set is valid
(``snapshot``, ``watcher``); every map version loaded is kept (``history``)."""
