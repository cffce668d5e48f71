"""The ``diodo`` command: run, train, database and secret tasks."""
