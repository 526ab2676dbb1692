"""Entry point: ``flask --app run run`` for development, ``gunicorn run:app`` in production."""

from app import create_app

app = create_app()
