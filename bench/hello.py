"""The baseline: a hello endpoint, served with the same gunicorn settings as the app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
