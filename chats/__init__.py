"""Saved conversations: the chats, their answers as given, and readers' feedback."""
