"""Accounts without a terminal (facilitator/accounts.py, views/accounts.py): administrators,
invitations, password resets and co-facilitator invitations as one-time links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from facilitator import create_app
from facilitator.board.schemas import NewWorkshop
from facilitator.board.workshops import create_workshop
from facilitator.config import TestConfig
from facilitator.extensions import db
from facilitator.models import AccountLink, Facilitator, Workshop, utcnow

from .conftest import PASSWORD, make_facilitator

NEW_PASSWORD = "una clave nueva y larga"
LINK = re.compile(r'value="(?:https?://[^/"]+)?(/f/link/[A-Za-z0-9_-]+)"')


def as_facilitator(client, facilitator_id: int):
    with client.session_transaction() as cookie:
        cookie["facilitator_id"] = facilitator_id
    return client


@pytest.fixture
def people(app):
    """An administrator (Ana) and a facilitator who is not one (Beto), each with a workshop."""
    with app.app_context():
        ana = make_facilitator("ana@example.org", "Ana")
        ana.is_admin = True
        beto = make_facilitator("beto@example.org", "Beto")
        workshop = create_workshop(beto, NewWorkshop(title="Taller de Beto"))
        db.session.commit()
        return {"ana": ana.id, "beto": beto.id, "workshop": workshop.id}


def shown_link(page) -> str:
    """The one-time link a page shows after it was made."""
    found = LINK.findall(page.get_data(as_text=True))
    assert len(found) == 1, page.get_data(as_text=True)[:500]
    return found[0]


def invite(app, people, email: str = "") -> str:
    admin = as_facilitator(app.test_client(), people["ana"])
    return shown_link(admin.post("/f/people/invite", data={"email": email}, follow_redirects=True))


def account_form(name="Carla", email="carla@example.org", password=NEW_PASSWORD, repeated=None) -> dict:
    return {"name": name, "email": email, "password": password, "password2": password if repeated is None else repeated}


def count_facilitators() -> int:
    return db.session.scalar(select(db.func.count(Facilitator.id)))


# ---- administrators ------------------------------------------------------------------


def test_the_first_account_ever_is_an_administrator_and_the_cli_can_make_more(app, runner):
    def create(email: str, *flags: str):
        result = runner.invoke(args=["create-facilitator", "--email", email, "--name", "X", "--password-stdin",
                                     *flags], input="una clave larga\n")
        assert result.exit_code == 0, result.output
        return result.output

    assert "(administrator)" in create("primera@example.org")
    assert "(administrator)" not in create("segunda@example.org")
    assert "(administrator)" in create("tercera@example.org", "--admin")
    with app.app_context():
        admins = dict(db.session.execute(select(Facilitator.email, Facilitator.is_admin)).all())
    assert admins == {"primera@example.org": True, "segunda@example.org": False, "tercera@example.org": True}


def test_who_is_not_an_administrator_gets_403_and_makes_no_link(app, people):
    beto = as_facilitator(app.test_client(), people["beto"])
    for method, path in (("get", "/f/people"), ("post", "/f/people/invite"),
                         ("post", f"/f/people/{people['ana']}/reset")):
        answer = getattr(beto, method)(path)
        assert answer.status_code == 403, path
        assert "Traceback" not in answer.get_data(as_text=True)
    assert "/f/people" not in beto.get("/f/").get_data(as_text=True)  # no menu entry either
    assert app.test_client().get("/f/people").status_code == 302  # anonymous: to the login page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AccountLink.id))) == 0


def test_the_people_page_lists_everyone_and_shows_a_new_link_only_once(app, people):
    ana = as_facilitator(app.test_client(), people["ana"])
    page = ana.get("/f/people").get_data(as_text=True)
    assert "beto@example.org" in page and "ana@example.org" in page
    assert 'href="/f/people"' in page  # the administrator's menu entry
    made = ana.post("/f/people/invite", data={"email": ""}, follow_redirects=True)
    token = shown_link(made).rsplit("/", 1)[1]
    assert not LINK.findall(ana.get("/f/people").get_data(as_text=True))  # shown once
    with app.app_context():
        stored = db.session.scalars(select(AccountLink)).one()
        assert stored.kind == "invite" and token not in repr(stored.__dict__)
        assert len(stored.token_hash) == 64 and stored.token_hash != token


# ---- invitations ---------------------------------------------------------------------


def test_an_invitation_makes_one_account_and_then_is_refused(app, people):
    link = invite(app, people)
    newcomer = app.test_client()
    assert "Carla" not in newcomer.get(link).get_data(as_text=True)
    made = newcomer.post(link, data=account_form())
    assert made.status_code == 302 and made.headers["Location"].endswith("/f/")
    assert "Carla" in newcomer.get("/f/").get_data(as_text=True)  # logged in
    again = app.test_client().post(link, data=account_form(name="Otra", email="otra@example.org"))
    assert again.status_code == 410
    assert "already been used" in app.test_client().get(link, headers={"Accept-Language": "en"},
                                                        query_string={"lang": "en"}).get_data(as_text=True)
    with app.app_context():
        carla = db.session.scalar(select(Facilitator).filter_by(email="carla@example.org"))
        assert carla.name == "Carla" and not carla.is_admin and check_password_hash(carla.password_hash, NEW_PASSWORD)
        assert count_facilitators() == 3
    # The new account logs in with the password it chose.
    assert app.test_client().post("/f/login", data={"email": "carla@example.org",
                                                    "password": NEW_PASSWORD}).status_code == 302


def test_an_invitation_with_an_email_gives_the_account_that_email(app, people):
    link = invite(app, people, email="Dani@Example.org")
    page = app.test_client().get(link).get_data(as_text=True)
    assert 'value="dani@example.org" readonly' in page
    assert app.test_client().post(link, data=account_form(email="other@example.org")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Facilitator.email).filter_by(name="Carla")) == "dani@example.org"


def test_an_expired_invitation_is_refused_and_makes_nothing(app, people):
    link = invite(app, people)
    with app.app_context():
        db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    for answer in (app.test_client().get(link), app.test_client().post(link, data=account_form())):
        assert answer.status_code == 410
        text = answer.get_data(as_text=True)
        assert "Traceback" not in text and "<form method=\"post\" class=\"stack\"" not in text
    with app.app_context():
        assert count_facilitators() == 2


def test_invitations_last_as_configured(app, people):
    invite(app, people)
    admin = as_facilitator(app.test_client(), people["ana"])
    admin.post(f"/f/people/{people['beto']}/reset")
    with app.app_context():
        lifetimes = {link.kind: link.expires_at - link.created_at for link in db.session.scalars(select(AccountLink))}
    assert abs(lifetimes["invite"] - timedelta(hours=app.config["INVITE_LINK_HOURS"])) < timedelta(seconds=5)
    assert abs(lifetimes["reset"] - timedelta(minutes=app.config["RESET_LINK_MINUTES"])) < timedelta(seconds=5)
    assert app.config["INVITE_LINK_HOURS"] == 7 * 24 and app.config["RESET_LINK_MINUTES"] == 60


@pytest.mark.parametrize(("form", "says"), [
    (account_form(password="corta"), "at least 10 characters"),
    (account_form(repeated="otra clave distinta"), "not the same"),
    (account_form(email="sin-arroba"), "valid email"),
    (account_form(email="beto@example.org"), "already exists"),
    (account_form(name="   "), "Give your name"),
    (account_form(name="a\x07b"), "Give your name"),
])
def test_bad_input_is_shown_and_changes_nothing(app, people, form, says):
    link = invite(app, people)
    client = app.test_client()
    answer = client.post(link + "?lang=en", data=form)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert says in text and 'aria-invalid="true"' in text
    with app.app_context():
        assert count_facilitators() == 2
        assert db.session.scalars(select(AccountLink)).one().used_at is None
    assert client.get("/f/").status_code == 302  # not logged in
    # The link still works once the form is right.
    assert client.post(link, data=account_form(name="Eva", email="eva@example.org")).status_code == 302


def test_a_revoked_link_no_longer_works(app, people):
    link = invite(app, people)
    admin = as_facilitator(app.test_client(), people["ana"])
    with app.app_context():
        link_id = db.session.scalar(select(AccountLink.id))
    assert admin.post(f"/f/links/{link_id}/revoke").status_code == 302
    assert app.test_client().get(link).status_code == 404
    assert admin.post(f"/f/links/{link_id}/revoke", follow_redirects=True).status_code == 200  # said plainly


# ---- password resets -----------------------------------------------------------------


def test_a_reset_link_sets_the_password_once(app, people):
    admin = as_facilitator(app.test_client(), people["ana"])
    link = shown_link(admin.post(f"/f/people/{people['beto']}/reset", follow_redirects=True))
    other = shown_link(admin.post(f"/f/people/{people['beto']}/reset", follow_redirects=True))
    beto = app.test_client()
    assert "beto@example.org" in beto.get(link).get_data(as_text=True)
    mismatch = beto.post(link + "?lang=en", data={"password": NEW_PASSWORD, "password2": "otra clave larga"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    done = beto.post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and beto.get("/f/").status_code == 200
    assert app.test_client().post(link, data={"password": "y otra mas larga", "password2": "y otra mas larga"}
                                  ).status_code == 410
    assert app.test_client().get(other).status_code == 410  # the person's other reset links stop too
    login = app.test_client().post
    assert login("/f/login", data={"email": "beto@example.org", "password": PASSWORD}).status_code == 401
    assert login("/f/login", data={"email": "beto@example.org", "password": NEW_PASSWORD}).status_code == 302


def test_an_expired_reset_link_is_refused(app, people):
    admin = as_facilitator(app.test_client(), people["ana"])
    link = shown_link(admin.post(f"/f/people/{people['beto']}/reset", follow_redirects=True))
    with app.app_context():
        db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert app.test_client().post(link, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
                                  ).status_code == 410
    with app.app_context():
        assert check_password_hash(db.session.get(Facilitator, people["beto"]).password_hash, PASSWORD)


# ---- co-facilitators -----------------------------------------------------------------


def cofacilitator_link(app, people) -> str:
    beto = as_facilitator(app.test_client(), people["beto"])
    page = beto.post(f"/f/workshops/{people['workshop']}/invite", follow_redirects=True)
    assert "Taller de Beto" in page.get_data(as_text=True)
    return shown_link(page)


def facilitators_of(app, workshop_id: int) -> set[str]:
    with app.app_context():
        return {f.email for f in db.session.get(Workshop, workshop_id).facilitators}


def test_a_cofacilitator_link_adds_a_logged_in_facilitator_once(app, people):
    link = cofacilitator_link(app, people)  # Beto is no administrator: any facilitator of the workshop may
    ana = as_facilitator(app.test_client(), people["ana"])
    assert "Taller de Beto" in ana.get(link).get_data(as_text=True)
    joined = ana.post(link)
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/f/workshops/{people['workshop']}")
    assert facilitators_of(app, people["workshop"]) == {"ana@example.org", "beto@example.org"}
    assert ana.get(f"/f/workshops/{people['workshop']}").status_code == 200
    with app.app_context():
        carla = make_facilitator("carla@example.org", "Carla")
    late = as_facilitator(app.test_client(), carla.id)
    assert late.post(link).status_code == 410
    assert facilitators_of(app, people["workshop"]) == {"ana@example.org", "beto@example.org"}


def test_a_cofacilitator_link_opened_by_its_maker_stays_unused(app, people):
    link = cofacilitator_link(app, people)
    beto = as_facilitator(app.test_client(), people["beto"])
    assert beto.post(link).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AccountLink)).one().used_at is None


def test_a_cofacilitator_link_can_make_the_account_too(app, people):
    link = cofacilitator_link(app, people)
    newcomer = app.test_client()
    assert "log in" in newcomer.get(link + "?lang=en").get_data(as_text=True)
    made = newcomer.post(link, data=account_form())
    assert made.headers["Location"].endswith(f"/f/workshops/{people['workshop']}")
    assert facilitators_of(app, people["workshop"]) == {"beto@example.org", "carla@example.org"}
    assert newcomer.get(made.headers["Location"]).status_code == 200


def test_only_the_workshops_facilitators_invite_to_it(app, people):
    ana = as_facilitator(app.test_client(), people["ana"])  # an administrator, but not of this workshop
    assert ana.post(f"/f/workshops/{people['workshop']}/invite").status_code == 404
    link = cofacilitator_link(app, people)
    with app.app_context():
        link_id = db.session.scalar(select(AccountLink.id))
        carla = make_facilitator("carla@example.org", "Carla").id
    assert as_facilitator(app.test_client(), carla).post(f"/f/links/{link_id}/revoke").status_code == 403
    beto = as_facilitator(app.test_client(), people["beto"])
    assert beto.post(f"/f/links/{link_id}/revoke", data={"back": "workshop"}).status_code == 302
    assert app.test_client().get(link).status_code == 404


# ---- guessing ------------------------------------------------------------------------


def test_guessing_link_tokens_is_rate_limited_like_logins(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'limits.db'}",
                     RATELIMIT_LINK_FAILURES="3 per minute")
    with app.app_context():
        db.create_all()
        ana = make_facilitator("ana@example.org", "Ana")
        ana.is_admin = True
        db.session.commit()
        people = {"ana": ana.id}
    link = invite(app, people)
    guesser = app.test_client()
    environ = {"REMOTE_ADDR": "10.9.8.7"}
    answers = [guesser.get(f"/f/link/guess{i}", environ_base=environ).status_code for i in range(4)]
    assert answers == [404, 404, 404, 429]
    refused = guesser.get(link, environ_base=environ)  # beyond the limit, no token is looked at
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # Another address is not affected, and a right link never counts.
    for _ in range(4):
        assert app.test_client().get(link, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200


def test_upgrading_makes_the_oldest_existing_account_the_administrator(tmp_path):
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="0005")
        for email in ("primera@example.org", "segunda@example.org"):
            db.session.execute(db.text("INSERT INTO facilitator (email, name, password_hash, created_at) "
                                       "VALUES (:email, 'X', 'x', '2026-01-01 00:00:00')"), {"email": email})
        db.session.commit()
        upgrade()
        admins = dict(db.session.execute(db.text("SELECT email, is_admin FROM facilitator")).all())
    assert admins == {"primera@example.org": True, "segunda@example.org": False}


def test_a_new_cofacilitator_link_shows_on_its_own_workshop_only(app, people):
    with app.app_context():
        other = create_workshop(db.session.get(Facilitator, people["beto"]), NewWorkshop(title="Otro taller")).id
    beto = as_facilitator(app.test_client(), people["beto"])
    beto.post(f"/f/workshops/{people['workshop']}/invite")
    assert not LINK.findall(beto.get(f"/f/workshops/{other}").get_data(as_text=True))
    assert not LINK.findall(beto.get("/f/people").get_data(as_text=True))  # (403 for Beto anyway)
    assert len(LINK.findall(beto.get(f"/f/workshops/{people['workshop']}").get_data(as_text=True))) == 1


# ---- naming administrators -------------------------------------------------------------


def admins() -> set[str]:
    return set(db.session.scalars(select(Facilitator.name).where(Facilitator.is_admin.is_(True))))


def test_an_administrator_makes_another_one_and_takes_it_away(app, people):
    ana = as_facilitator(app.test_client(), people["ana"])
    page = ana.get("/f/people").get_data(as_text=True)
    assert "Dar permisos de administración" in page
    assert "¿Dar permisos de administración a Beto?" in page  # the box says in words what it will do
    made = ana.post(f"/f/people/{people['beto']}/admin", data={"admin": "yes"}, follow_redirects=True)
    assert "Beto ahora tiene permisos de administración" in made.text
    with app.app_context():
        assert admins() == {"Ana", "Beto"}
    beto = as_facilitator(app.test_client(), people["beto"])
    assert beto.get("/f/people").status_code == 200  # the right works at once
    taken = beto.post(f"/f/people/{people['ana']}/admin", data={"admin": "no"}, follow_redirects=True)
    assert "Ana ya no tiene permisos de administración" in taken.text
    with app.app_context():
        assert admins() == {"Beto"}
    assert ana.get("/f/people").status_code == 403
    again = beto.post(f"/f/people/{people['beto']}/admin", data={"admin": "yes"}, follow_redirects=True)
    assert "Beto ya tiene permisos de administración: no cambió nada." in again.text


def test_the_last_administrator_cannot_be_taken_away_not_even_by_themselves(app, people):
    ana = as_facilitator(app.test_client(), people["ana"])
    refused = ana.post(f"/f/people/{people['ana']}/admin", data={"admin": "no"}, follow_redirects=True)
    assert refused.status_code == 200 and "Es la única persona con permisos de administración" in refused.text
    with app.app_context():
        assert admins() == {"Ana"}
    # With a second administrator, Ana may step down; then Beto is the last one.
    ana.post(f"/f/people/{people['beto']}/admin", data={"admin": "yes"})
    stepped = ana.post(f"/f/people/{people['ana']}/admin", data={"admin": "no"})
    assert stepped.status_code == 302 and stepped.headers["Location"].endswith("/f/")
    beto = as_facilitator(app.test_client(), people["beto"])
    refused = beto.post(f"/f/people/{people['beto']}/admin", data={"admin": "no"}, follow_redirects=True)
    assert "Es la única persona con permisos de administración" in refused.text
    with app.app_context():
        assert admins() == {"Beto"}


def test_the_rule_itself_refuses_the_last_administrator_named(app, people):
    from facilitator import accounts
    with app.app_context():
        ana, beto = db.session.get(Facilitator, people["ana"]), db.session.get(Facilitator, people["beto"])
        with pytest.raises(accounts.AccountError) as refused:
            accounts.set_admin(beto, True, beto)  # not an administrator: may not
        assert refused.value.reason == "forbidden"
        accounts.set_admin(beto, True, ana)
        db.session.execute(update(Facilitator).where(Facilitator.id == beto.id).values(is_admin=False))
        db.session.commit()  # Beto lost it meanwhile (another request): Ana's page still thinks there are two
        db.session.expire_all()
        ana = db.session.get(Facilitator, people["ana"])
        with pytest.raises(accounts.AccountError) as refused:
            accounts.set_admin(ana, False, ana)
        assert refused.value.reason == "last_admin"
        assert admins() == {"Ana"}


@pytest.mark.parametrize(("who", "target", "form", "status"), [
    ("beto", "ana", {"admin": "no"}, 403),  # not an administrator
    ("beto", "beto", {"admin": "yes"}, 403),  # nor can make themselves one
    ("ana", "beto", {"admin": "maybe"}, 400),
    ("ana", "beto", {}, 400),
    ("ana", 99999, {"admin": "yes"}, 404),
], ids=["not-admin", "self-promotion", "bad-value", "no-value", "no-such-person"])
def test_bad_admin_changes_are_refused_and_change_nothing(app, people, who, target, form, status):
    client = as_facilitator(app.test_client(), people[who])
    target_id = people.get(target, target)
    answer = client.post(f"/f/people/{target_id}/admin", data=form)
    assert answer.status_code == status
    assert "Traceback" not in answer.text
    with app.app_context():
        assert admins() == {"Ana"}


def test_the_admin_change_needs_the_forms_csrf_token(tmp_path):
    app = create_app(TestConfig, WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/c.db")
    with app.app_context():
        db.create_all()
        ana = make_facilitator("ana@example.org", "Ana")
        ana.is_admin = True
        beto = make_facilitator("beto@example.org", "Beto")
        db.session.commit()
        ids = ana.id, beto.id
    client = as_facilitator(app.test_client(), ids[0])
    assert client.post(f"/f/people/{ids[1]}/admin", data={"admin": "yes"}).status_code == 400
    page = client.get("/f/people").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/f/people/{ids[1]}/admin", data={"admin": "yes", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert admins() == {"Ana", "Beto"}
