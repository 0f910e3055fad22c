"""Remote and in-process probe checkers for slatrack. Never imports slatrack."""
