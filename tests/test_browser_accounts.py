"""Accounts without a terminal, in a real headless Chromium against the real server: the
first facilitator (an administrator) makes an invitation link and copies it; the new person
opens it in a browser of their own, on a phone, chooses a password and lands on their
dashboard; the same link is refused after that."""

from __future__ import annotations

import pytest

from .browser_support import assert_no_axe_violations, assert_no_sideways_scroll, assert_touch_targets, log_in
from .servers import PASSWORD, running_server

pytestmark = pytest.mark.browser

NEW_PASSWORD = "una clave nueva y larga"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("accounts"), facilitator=True) as process:
        yield process


def test_an_administrator_invites_and_the_new_person_gets_in(server, open_page):
    admin = open_page(viewport={"width": 1280, "height": 800})
    log_in(admin, server.url, "ana@example.org", PASSWORD)
    admin.get_by_role("link", name="Personas").click()
    admin.get_by_label("Correo de la persona (opcional)").fill("carla@example.org")
    admin.get_by_role("button", name="Crear enlace de invitación").click()
    link = admin.locator("#new-link-url").input_value()
    assert link.startswith(server.url + "/f/link/")
    admin.get_by_role("button", name="Copiar", exact=True).click()
    admin.locator(".copy-status").filter(has_text="Copiado").wait_for()
    assert_no_axe_violations(admin)

    newcomer = open_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    newcomer.goto(link)
    assert newcomer.get_by_label("Correo (con él inicia sesión)").input_value() == "carla@example.org"
    assert_no_sideways_scroll(newcomer)
    newcomer.get_by_label("Su nombre").fill("Carla Ríos")
    newcomer.get_by_label("Contraseña", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("La contraseña otra vez").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Crear mi cuenta").click()
    newcomer.wait_for_url("**/f/")
    assert "Carla Ríos" in newcomer.locator(".flashes").text_content()
    assert newcomer.get_by_role("link", name="Personas").count() == 0  # not an administrator

    # The administrator's list has the new person; the link is spent.
    admin.reload()
    assert "carla@example.org" in admin.locator(".people-table").first.text_content()
    # (Fetched, not opened: a page answered 410 is a console error, which fails any browser test.)
    late = open_page(viewport={"width": 1280, "height": 800}).request.get(link)
    assert late.status == 410 and "Este enlace ya se usó" in late.text()


def test_the_people_page_on_a_phone(server, open_page):
    phone = open_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    log_in(phone, server.url, "ana@example.org", PASSWORD)
    phone.goto(server.url + "/f/people")
    phone.get_by_role("button", name="Crear enlace de invitación").click()
    phone.locator("#new-link-url").wait_for()
    assert_no_sideways_scroll(phone)
    assert_touch_targets(phone, "main button, main a[href], main input:not([type=hidden])")
    assert_no_axe_violations(phone)


@pytest.mark.parametrize("size", [(1280, 800), (375, 812)], ids=["1280x800", "375x812"])
def test_an_administrator_names_another_from_the_keyboard_and_never_leaves_none(server, open_page, size):
    from facilitator import create_app
    from facilitator.config import TestConfig
    from facilitator.extensions import db
    from facilitator.models import Facilitator

    from .conftest import make_facilitator

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{server.workdir / 'instance' / 'lienzo.db'}",
                     SECRET_KEY=server.env["SECRET_KEY"])
    name = f"Diego {size[0]}"
    with app.app_context():
        make_facilitator(f"diego{size[0]}@example.org", name)
        db.session.remove()
        db.engine.dispose()
    page = open_page(viewport={"width": size[0], "height": size[1]})
    log_in(page, server.url, "ana@example.org", PASSWORD)
    page.goto(server.url + "/f/people")

    # Ana, the only administrator, may not drop the right: the page says why.
    mine = page.locator(".people-table tr", has=page.locator(".person-name", has_text="(usted)"))
    mine.locator("summary[data-action='revoke-admin']").click()
    mine.get_by_role("button", name="Sí, dejar mis permisos de administración").click()
    page.locator(".flash-error").filter(has_text="Es la única persona con permisos de administración").wait_for()

    # From the keyboard: open the box for Diego, read what it gives, confirm.
    row = page.locator(".people-table tr", has=page.locator(".person-name", has_text=name))
    row.locator("summary[data-action='make-admin']").focus()
    page.keyboard.press("Enter")
    box = row.locator(".confirm-box")
    assert f"¿Dar permisos de administración a {name}?" in box.inner_text()
    assert_no_sideways_scroll(page)
    assert_no_axe_violations(page)
    page.screenshot(path=f"/tmp/owners2-people-confirm-{size[0]}x{size[1]}.png", full_page=True)
    box.get_by_role("button", name=f"Sí, dar permisos de administración a {name}").focus()
    page.keyboard.press("Enter")
    page.locator(".flash-success").filter(has_text=f"{name} ahora tiene permisos de administración").wait_for()
    assert "Administración" in row.inner_text()
    page.screenshot(path=f"/tmp/owners2-people-done-{size[0]}x{size[1]}.png", full_page=True)

    # And taken away again (by the same two steps).
    row.locator("summary[data-action='revoke-admin']").click()
    row.get_by_role("button", name=f"Sí, quitárselos a {name}").click()
    page.locator(".flash-success").filter(has_text=f"{name} ya no tiene permisos de administración").wait_for()
    with app.app_context():
        assert not db.session.query(Facilitator).filter_by(name=name).one().is_admin
        db.session.remove()
        db.engine.dispose()
