"""The app with two extra routes: a signed-in GET that does nothing, and a signed-in, CSRF-checked POST that
changes nothing (the floors under every page and under the card)."""

from flask import redirect
from flask_login import login_required

from app import create_app

app = create_app()


@app.post("/bench/floor")
@login_required
def floor():
    return redirect("/")


@app.get("/bench/signed-in")
@login_required
def signed_in():
    return "ok"
