"""What every command shares: settings, the API client, errors, the terminal, files.

Nothing here imports from the command, chat, media or tools packages.
"""
