"""Socket.IO handlers: authenticate, translate, ack, broadcast. Nothing else."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from flask import current_app, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room
from flask_socketio import rooms as rooms_of_socket
from sqlalchemy.exc import SQLAlchemyError

from .. import board
from ..board.actors import projector_token, resolve_participant
from ..board.queries import canvas_ids
from ..board.schemas import Editing, JoinCanvas, Resync, parse
from ..board.session import mark_seen
from ..database import begin_write, database_failed, settle
from ..db import db
from ..export.webhook import webhook_of
from ..extensions import socketio
from ..i18n import use_workshop_language
from ..links import facilitator_links
from ..models import Workshop
from ..presence import Presence
from . import queue, rooms, stopping
from .ordering import workshop_lock

log = logging.getLogger(__name__)


def presence() -> Presence:
    """This app's registry of open sockets (see live.init_app)."""
    return current_app.extensions["lienzo.presence"]


def announce_stale_seat(canvas_id: int, person: dict, editing: str | None, badge: dict | None, gone: bool) -> None:
    """A seat of a process that died was dropped: tell the canvas (see shared_presence)."""
    if editing:
        socketio.emit("editing", {"canvas_id": canvas_id, "note_id": editing, "by": badge, "editing": False},
                      to=rooms.canvas(canvas_id))
    if gone:
        socketio.emit("presence", {"canvas_id": canvas_id, "left": person}, to=rooms.canvas(canvas_id))


def _unavailable() -> dict:
    return {"ok": False, "error": {"code": "unavailable",
                                   "message": _("The server could not save this right now. It will be retried.")}}


def current_actor() -> board.Actor:
    """The connection's identity, checked again for every message: a projector's link
    too, which a new join code or closing the workshop withdraws."""
    projector = session.get("projector")
    if projector is not None:
        return board.resolve_token(projector)
    return resolve_participant(session.get("participant_id"))


def _speak() -> None:
    """Answer this message in the language the connection was given (see on_connect)."""
    use_workshop_language(session.get("workshop_language"))


def message(fn):
    """Wrap a handler: one payload argument, the current actor, an ack always."""
    return _answered(lambda data: fn(current_actor(), data), fn.__name__)


def _answered(handle, name: str):
    """``handle(payload)`` as a socket handler: exactly one payload argument, the ack it
    returns or the refusal it raises, and ``unavailable`` when the database fails."""

    @functools.wraps(handle)
    def wrapped(*args: Any) -> dict:
        started = time.perf_counter()  # the message budget was spent on arrival (live/flood.py)
        _speak()
        try:
            if len(args) != 1:
                raise board.BoardError("invalid", _("Send exactly one object with the message."))
            return handle(args[0])
        except board.BoardError as error:
            log.info("refused %s from sid %s: %s %s", name, request.sid, error.code, error)
            return error.to_ack()
        except SQLAlchemyError as error:
            database_failed(error, name)
            return _unavailable()
        except Exception:
            log.exception("unexpected error in %s", name)
            db.session.rollback()
            return _unavailable()
        finally:
            db.session.remove()
            log.debug("%s took %.1f ms", name, (time.perf_counter() - started) * 1000)

    wrapped.__name__ = name
    # A stopping process finishes the messages it has and answers new ones ``unavailable`` (wsgi.py).
    return stopping.tracked(wrapped, _unavailable)


def over_budget() -> dict:
    """The answer to a message beyond its sender's budget (worded here, sent by live/flood.py)."""
    _speak()
    return board.BoardError("rate_limited", _("Too many messages at once. Wait a moment; nothing was lost.")).to_ack()


def _current_canvas() -> int:
    canvas_id = presence().canvas_of(request.sid)
    if canvas_id is None:
        raise board.BoardError("invalid", _("Open a canvas before sending changes to it."))
    return canvas_id


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Accept only a valid participant, facilitator-seat or projector token.

    The connection speaks the client's explicit choice (``auth.lang``, else the
    page's language switch or ``?lang=``), else its workshop's language.
    """
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(auth, dict) and auth.get("lang") in current_app.config["LANGUAGES"]:
        session["lang"] = auth["lang"]
    try:
        actor = board.resolve_token(token)
        session["workshop_language"] = db.session.get(Workshop, actor.workshop_id).language
    except board.BoardError as error:
        refusal = {**error.to_ack()["error"], **error.extra}  # e.g. a closed workshop's projector: reason
        log.info("refused a connection from %s: %s", request.remote_addr, refusal["code"])
        raise ConnectionRefusedError(refusal["message"], refusal) from None
    except SQLAlchemyError as error:
        database_failed(error, "connect")
        message = _("The database cannot be reached right now. Try again in a moment.")
        refusal = {"code": "unavailable", "message": message}
        raise ConnectionRefusedError(refusal["message"], refusal) from None
    finally:
        db.session.remove()
    session["workshop_id"] = actor.workshop_id  # a connection's workshop never changes (its lock: handle)
    join_room(rooms.workshop(actor.workshop_id))
    if actor.is_projector:
        session["projector"] = token
        join_room(rooms.projectors(actor.workshop_id))
        return
    session["participant_id"] = actor.participant_id
    join_room(rooms.participant(actor.participant_id))
    if actor.is_facilitator:
        join_room(rooms.facilitators(actor.workshop_id))


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    _leave_canvas(request.sid)
    participant_id = session.get("participant_id")
    if isinstance(participant_id, int):
        try:
            mark_seen(participant_id)
        except SQLAlchemyError:
            log.warning("could not record when participant %s was last seen", participant_id)
            db.session.rollback()
        finally:
            db.session.remove()


def _leave_canvas(sid: str) -> None:
    seat, gone = presence().leave(sid)
    if seat is None:
        return
    leave_room(rooms.canvas(seat.canvas_id), sid=sid)
    if seat.editing:
        emit("editing", {"canvas_id": seat.canvas_id, "note_id": seat.editing, "by": seat.badge,
                         "editing": False}, to=rooms.canvas(seat.canvas_id))
    if gone:
        emit("presence", {"canvas_id": seat.canvas_id, "left": seat.person}, to=rooms.canvas(seat.canvas_id))


def _leave_canvas_rooms(keep: str | None = None) -> None:
    """A projector screen has no seat in presence: leave its canvas rooms directly."""
    for room in rooms_of_socket():
        if rooms.is_canvas(room) and room != keep:
            leave_room(room)


def _welcome(actor: board.Actor) -> dict:
    welcome = {"me": actor.public(), "status": board.my_status(actor), "workshop": board.workshop_state(actor),
               "server_time": int(time.time() * 1000)}
    if actor.is_facilitator:  # the current code and links, also after a new code while away
        welcome["links"] = facilitator_links(db.session.get(Workshop, actor.workshop_id))
    return welcome


@socketio.on("*")
def on_unknown(event: str, *args: Any) -> dict:
    """Any other message, and what live/packets.py refused: an ``invalid`` ack, never silence."""
    _speak()
    log.info("refused an unknown message %r from sid %s", event[:60], request.sid)
    return board.BoardError("invalid", _("This message is not part of the protocol.")).to_ack()


@socketio.on("canvas:join")
@message
def on_join(actor: board.Actor, data: Any) -> dict:
    """Open a canvas: join its room first, then read (``sync`` starts a fresh
    read, so nothing read before the join is reused), so no event falls between."""
    request_ = parse(JoinCanvas, data)
    board.check_canvas_visible(actor, request_.canvas_id)
    if presence().canvas_of(request.sid) not in (None, request_.canvas_id):
        _leave_canvas(request.sid)
    if actor.is_projector:
        _leave_canvas_rooms(keep=rooms.canvas(request_.canvas_id))
    join_room(rooms.canvas(request_.canvas_id))
    state = board.sync(actor, request_.canvas_id, request_.last_seq, request_.last_op_id)
    if not actor.is_projector and presence().enter(request.sid, request_.canvas_id, actor.public()):
        emit("presence", {"canvas_id": request_.canvas_id, "joined": actor.public()},
             to=rooms.canvas(request_.canvas_id), include_self=False)
    return {"ok": True, **state, **_welcome(actor), "presence": presence().people(request_.canvas_id),
            "editing": presence().editing(request_.canvas_id)}


@socketio.on("canvas:resync")
@message
def on_resync(actor: board.Actor, data: Any) -> dict:
    """Catch up after a reconnect or a gap in ``seq``."""
    request_ = parse(Resync, data)
    return {"ok": True, **board.sync(actor, _current_canvas(), request_.last_seq, request_.last_op_id)}


@socketio.on("canvas:leave")
@message
def on_leave(actor: board.Actor, data: Any) -> dict:
    _leave_canvas(request.sid)
    if actor.is_projector:
        _leave_canvas_rooms()
    return {"ok": True}


@socketio.on("workshop:watch")
@message
def on_watch(actor: board.Actor, data: Any) -> dict:
    """The control room: follow every canvas of the workshop at once (facilitators).
    Join the rooms first, then read, so no event falls between."""
    for canvas_id in canvas_ids(actor):
        join_room(rooms.canvas(canvas_id))
    overview = board.overview(actor)
    for canvas in overview:
        join_room(rooms.canvas(canvas["canvas"]["id"]))  # one added meanwhile
    for canvas in overview:
        canvas["presence"] = presence().people(canvas["canvas"]["id"])
    return {"ok": True, "canvases": overview, "roster": board.roster(actor), **_welcome(actor)}


@socketio.on("workshop:state")
@message
def on_workshop_state(actor: board.Actor, data: Any) -> dict:
    """The workshop's live state (timer, focus, projector), e.g. for the projector screen."""
    return {"ok": True, **_welcome(actor)}


@socketio.on("note:editing")
@message
def on_editing(actor: board.Actor, data: Any) -> dict:
    """Tell the others on the canvas who has a note open (not stored)."""
    request_ = parse(Editing, data)
    canvas_id = _current_canvas()
    badge = board.editing_badge(actor, canvas_id, request_.note_id)
    if badge is None:  # a hidden note: not announced (see editing_badge)
        return {"ok": True}
    presence().set_editing(request.sid, request_.note_id if request_.editing else None, badge)
    emit("editing", {"canvas_id": canvas_id, "note_id": request_.note_id, "by": badge,
                     "editing": request_.editing}, to=rooms.canvas(canvas_id), include_self=False)
    return {"ok": True}


def broadcast(change: board.Change, send=emit) -> None:
    """Send a committed change to everyone who may see it, as they may see it."""
    for_the_room(change, send)
    for extra in change.follow:  # made after it, also when it is itself a replay (a retry completing it)
        broadcast(extra, send)


def for_the_room(change: board.Change, send) -> None:
    """Send one change (not those that follow it) to its audience, then act on what it means."""
    if change.replayed:
        return
    name, room = ("change", rooms.canvas(change.target_id)) if change.scope == "canvas" else (
        "workshop", rooms.workshop(change.workshop_id))
    if change.public is not None:
        send(name, change.public, to=room)
    if change.redacted:
        private = [rooms.participant(p) for p in change.private_to]
        if change.private_to_facilitators:
            private.append(rooms.facilitators(change.workshop_id))
        if private:
            send(f"{name}:private", change.envelope, to=private)
    kind = change.envelope["type"]
    if kind == "participant.removed":
        _end_session(change.envelope["data"]["id"])
    elif kind == "workshop.code":
        _new_code(change)
    elif kind == "workshop.closed":
        _end_projectors(change.workshop_id, "closed", _("This workshop is closed: the projector shows nothing more."))
        webhook_of(current_app).workshop_closed(change.workshop_id)  # in the background (export/webhook.py)


def _end_session(participant_id: int) -> None:
    """Tell a removed participant's tabs, then close those connected here."""
    room = rooms.participant(participant_id)
    # In the workshop's language: the facilitator's own choice is not the participant's.
    with force_locale(session.get("workshop_language") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = _("The facilitator removed you from this workshop.")
    emit("session:ended", {"reason": "removed", "message": text}, to=room)
    queue.disconnect_room(socketio.server.manager, room)


def _new_code(change: board.Change) -> None:
    """The facilitators get the new code and links; the projector screens open now move to
    the new link (their old one stops working), or are disconnected if the facilitator said so."""
    workshop = db.session.get(Workshop, change.workshop_id)
    links = facilitator_links(workshop)
    emit("workshop:links", links, to=rooms.facilitators(workshop.id))
    if change.envelope["data"].get("projectors") == "disconnect":
        _end_projectors(workshop.id, "code_changed", _(
            "This projector link no longer works: the join code was changed. "
            "Open the current link from the control room."))
        return
    room = rooms.projectors(workshop.id)
    emit("projector:moved", {**links, "token": projector_token(workshop)}, to=room)
    queue.disconnect_room(socketio.server.manager, room)  # they come back with the new token


def _end_projectors(workshop_id: int, reason: str, text: str) -> None:
    """Tell the projector screens why they stop, then close them (here and in other processes)."""
    room = rooms.projectors(workshop_id)
    emit("session:ended", {"reason": reason, "message": text}, to=room)
    queue.disconnect_room(socketio.server.manager, room)


def _operation_handler(name: str):
    def handle(data: Any) -> dict:
        # In order: the workshop's lock, then one write transaction in which the sender is
        # read again and the change made (record_on_canvas carries on in it): one connection
        # and one transaction per change instead of a read and then a write (issue 12).
        # On SQLite at FULL the disk sync comes after the broadcast, once the frames are out,
        # and outside the lock: the room does not wait for the disk, only the sender's ack
        # does, and the changes handled meanwhile share one sync (database.settle).
        with workshop_lock(session["workshop_id"], current_app.extensions["lienzo.ordering"]):
            begin_write(sync_later=True)
            actor = current_actor()
            change = board.apply(actor, presence().canvas_of(request.sid), name, data)
            broadcast(change)
        socketio.sleep(0)  # the change's frames go out to the room before the disk sync
        settle()
        ack = change.ack()
        if change.envelope["type"] == "workshop.code":  # the new code and links, for this control room at once
            ack["links"] = facilitator_links(db.session.get(Workshop, change.workshop_id))
        return ack

    return _answered(handle, name.replace(":", "_"))


def apply_from_page(actor: board.Actor, name: str, data: Any) -> board.Change:
    """A workshop operation asked for by a page's form rather than a socket (the export
    dialog's remedy): applied and broadcast in order, exactly as the socket message would be."""
    with workshop_lock(actor.workshop_id, current_app.extensions["lienzo.ordering"]):
        change = board.apply(actor, None, name, data)
        broadcast(change, socketio.emit)
    return change


for _name in board.OPERATIONS:
    socketio.on_event(_name, _operation_handler(_name))
