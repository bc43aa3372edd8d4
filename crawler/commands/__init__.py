"""The ``newsmon`` command line: one module per command, loaded only when that command runs (so
``newsmon --help`` stays fast); :mod:`crawler.cli` is the entry point and
:mod:`crawler.commands.options` holds the options several commands share."""
