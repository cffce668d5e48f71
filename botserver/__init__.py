"""What runs in the Rasa environment (``.venv-bot``, Python 3.10) besides the actions.

The two gates between DiODo's processes on the Rasa side (docs/security.md, "Between the
processes"): ``channel`` lets only the app talk to Rasa, ``action_server`` lets only Rasa
call the actions. Rasa and the action server find this package because they run with the
repository as their working directory.
"""
