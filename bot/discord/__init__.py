"""The Discord edge: converts discord.py objects into plain ones once, acts on decisions."""
