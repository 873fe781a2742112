"""The Streamlit page's parts (``streamlit`` is imported only here and in app.py)."""
