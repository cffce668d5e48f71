"""DiODo app: channels, conversation hub, help desk, places, analytics."""
