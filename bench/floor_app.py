"""The app with one extra route: a signed-in, CSRF-checked POST that changes nothing (the floor under the card)."""

from flask import redirect
from flask_login import login_required

from app import create_app

app = create_app()


@app.post("/bench/floor")
@login_required
def floor():
    return redirect("/")
