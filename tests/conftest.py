"""Shared by every test directory: puts tests/ on sys.path (helpers such as row_data)."""
