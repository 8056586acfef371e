"""Which language the web speaks: Dutch by default, the browser's Accept-Language, a remembered choice
(cookie), and for staff the language stored on their account, which wins everywhere they sign in."""
from sqlalchemy import select

from core.models import AuditEvent, User
from tests.integration.admin_web import csrf_token, login, make_user
from web import i18n


def choose(client, language, next_path="/dashboard/"):
    return client.post("/language", data={"language": language, "next": next_path,
                                           "csrf_token": csrf_token(client)})


def test_dutch_by_default_and_the_browsers_language_otherwise(client):
    """Without a choice, pages are Dutch; a browser asking for English gets English."""
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Niet gevonden" in page.get_data(as_text=True)
    assert '<html lang="nl">' in page.get_data(as_text=True)
    english = client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Not found" in english.get_data(as_text=True) and '<html lang="en">' in english.get_data(as_text=True)
    # A language the web does not have falls back to Dutch, not to the first one offered.
    assert "Niet gevonden" in client.get("/no-such-page", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_a_visitors_choice_is_remembered_over_the_browsers_language(client):
    """The switcher's choice lands in a cookie and beats Accept-Language; it returns to the page it was on."""
    response = choose(client, "en", "/signup")
    assert response.status_code == 302 and response.headers["Location"] == "/signup"
    assert f"{i18n.COOKIE}=en" in response.headers["Set-Cookie"]
    page = client.get("/no-such-page", headers={"Accept-Language": "nl"})
    assert "Not found" in page.get_data(as_text=True)


def test_staff_language_is_stored_on_the_account(app, client):
    """A signed-in user's choice is kept on the account (and audited): a new browser gets it too."""
    email = make_user(app, "admin")
    login(client, email)
    choose(client, "en")
    with app.extensions["uitkijk"].db.session() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user.language == "en"
        assert session.scalar(select(AuditEvent.verb).where(AuditEvent.actor == f"user:{email}",
                                                            AuditEvent.verb == "update")) == "update"
    elsewhere = app.test_client()
    login(elsewhere, email)
    dashboard = elsewhere.get("/dashboard/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Sign out" in dashboard and "Uitloggen" not in dashboard


def test_unknown_language_or_foreign_next_is_refused(client):
    """A language the web does not have is a 400 naming the field; next= never leaves the site."""
    response = choose(client, "xx")
    assert response.status_code == 400 and "taal" in response.get_data(as_text=True)
    assert i18n.COOKIE not in response.headers.get("Set-Cookie", "")
    response = choose(client, "nl", "https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_catalogues_compile_from_their_po_files(tmp_path):
    """A fresh clone has only .po files: the app writes the .mo files it reads, and rewrites a stale one."""
    target = tmp_path / "nl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_text('msgid "Not found"\nmsgstr "Niet gevonden"\n', encoding="utf-8")
    i18n.compile_catalogues(tmp_path)
    from babel.support import Translations
    assert Translations.load(str(tmp_path), ["nl"]).gettext("Not found") == "Niet gevonden"
    (target / "messages.po").write_text('msgid "Not found"\nmsgstr "Nergens"\n', encoding="utf-8")
    import os
    later = (target / "messages.mo").stat().st_mtime + 5
    os.utime(target / "messages.po", (later, later))
    i18n.compile_catalogues(tmp_path)
    assert Translations.load(str(tmp_path), ["nl"]).gettext("Not found") == "Nergens"


def test_the_public_pages_speak_german_to_border_participants(client):
    """A German browser gets the sign-up page in German, with Deutsch in the switcher; a choice of German is
    remembered for the public pages, while staff pages (which have no German) stay Dutch."""
    page = client.get("/signup", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de">' in page and "Bei Uitkijk anmelden" in page and "Postleitzahl" in page
    assert 'lang="de"' in page and "Deutsch" in page
    assert "Deutsch" not in client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Niet gevonden" in client.get("/no-such-page", headers={"Accept-Language": "de"}).get_data(as_text=True)
    response = choose(client, "de", "/signup")
    assert response.status_code == 302 and f"{i18n.COOKIE}=de" in response.headers["Set-Cookie"]
    assert "Bei Uitkijk anmelden" in client.get("/signup").get_data(as_text=True)


def test_a_german_visitors_sign_up_refusal_is_german(client):
    """The reason at a refused field is German too: the sign-up's checks are in the German catalogue."""
    form = {"phone_1": "06-abcdefgh", "home_lat": "52.37", "home_lon": "4.89", "language": "de", "consent": "on",
            "csrf_token": csrf_token(client)}
    refused = client.post("/signup", data=form, headers={"Accept-Language": "de"})
    assert refused.status_code == 400
    assert "enthält Buchstaben; eine Telefonnummer hat nur Ziffern" in refused.get_data(as_text=True)
