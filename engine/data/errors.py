"""What goes wrong with a user's data, said in one sentence."""


class DataError(ValueError):
    """Bad user data: the message is one clear sentence fit for a terminal or a dialog."""
