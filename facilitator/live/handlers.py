"""Socket.IO handlers: authenticate, translate, ack, broadcast. Nothing else."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, emit, join_room, leave_room
from sqlalchemy.exc import SQLAlchemyError

from .. import board
from ..board.actors import resolve_participant
from ..board.schemas import Editing, JoinCanvas, Resync, parse
from ..extensions import db, socketio
from ..presence import Presence
from .ordering import canvas_lock

log = logging.getLogger(__name__)


def presence() -> Presence:
    """This app's registry of open sockets (see live.init_app)."""
    return current_app.extensions["lienzo.presence"]


def room(canvas_id: int) -> str:
    return f"canvas:{canvas_id}"


def _unavailable() -> dict:
    return {"ok": False, "error": {"code": "unavailable",
                                   "message": _("The server could not save this right now. It will be retried.")}}


def message(fn):
    """Wrap a handler: one payload argument, the current actor, an ack always."""

    @functools.wraps(fn)
    def wrapped(*args: Any) -> dict:
        started = time.perf_counter()
        try:
            if len(args) != 1:
                raise board.BoardError("invalid", _("Send exactly one object with the message."))
            actor = resolve_participant(session.get("participant_id"))
            return fn(actor, args[0])
        except board.BoardError as error:
            log.info("refused %s from sid %s: %s %s", fn.__name__, request.sid, error.code, error)
            return error.to_ack()
        except SQLAlchemyError:
            log.exception("database error in %s", fn.__name__)
            db.session.rollback()
            return _unavailable()
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            db.session.rollback()
            return _unavailable()
        finally:
            db.session.remove()
            log.debug("%s took %.1f ms", fn.__name__, (time.perf_counter() - started) * 1000)

    return wrapped


def _current_canvas() -> int:
    canvas_id = presence().canvas_of(request.sid)
    if canvas_id is None:
        raise board.BoardError("invalid", _("Open a canvas before sending changes to it."))
    return canvas_id


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Accept only a valid participant or facilitator-seat token."""
    token = auth.get("token") if isinstance(auth, dict) else None
    try:
        actor = board.resolve_token(token)
    except board.BoardError as error:
        refusal = error.to_ack()["error"]
        log.info("refused a connection from %s: %s", request.remote_addr, refusal["code"])
        raise ConnectionRefusedError(refusal["message"], refusal) from None
    finally:
        db.session.remove()
    session["participant_id"] = actor.participant_id
    join_room(f"participant:{actor.participant_id}")


@socketio.on("disconnect")
def on_disconnect(reason: Any = None) -> None:
    _leave_canvas(request.sid)


def _leave_canvas(sid: str) -> None:
    seat, gone = presence().leave(sid)
    if seat is None:
        return
    leave_room(room(seat.canvas_id), sid=sid)
    if seat.editing:
        emit("editing", {"canvas_id": seat.canvas_id, "note_id": seat.editing, "by": seat.person,
                         "editing": False}, to=room(seat.canvas_id))
    if gone:
        emit("presence", {"canvas_id": seat.canvas_id, "left": seat.person}, to=room(seat.canvas_id))


@socketio.on("canvas:join")
@message
def on_join(actor: board.Actor, data: Any) -> dict:
    """Open a canvas: join its room first, then read, so no event falls between."""
    request_ = parse(JoinCanvas, data)
    board.check_canvas_visible(actor, request_.canvas_id)
    if presence().canvas_of(request.sid) not in (None, request_.canvas_id):
        _leave_canvas(request.sid)
    join_room(room(request_.canvas_id))
    state = board.sync(actor, request_.canvas_id, request_.last_seq)
    presence().enter(request.sid, request_.canvas_id, actor.public())
    if presence().arrived_first(request.sid):
        emit("presence", {"canvas_id": request_.canvas_id, "joined": actor.public()},
             to=room(request_.canvas_id), include_self=False)
    return {"ok": True, **state, "me": actor.public(), "presence": presence().people(request_.canvas_id),
            "editing": presence().editing(request_.canvas_id), "server_time": int(time.time() * 1000)}


@socketio.on("canvas:resync")
@message
def on_resync(actor: board.Actor, data: Any) -> dict:
    """Catch up after a reconnect or a gap in ``seq``."""
    request_ = parse(Resync, data)
    return {"ok": True, **board.sync(actor, _current_canvas(), request_.last_seq)}


@socketio.on("canvas:leave")
@message
def on_leave(actor: board.Actor, data: Any) -> dict:
    _leave_canvas(request.sid)
    return {"ok": True}


@socketio.on("note:editing")
@message
def on_editing(actor: board.Actor, data: Any) -> dict:
    """Tell the others on the canvas who has a note open (not stored)."""
    request_ = parse(Editing, data)
    canvas_id = _current_canvas()
    board.check_note_visible(actor, canvas_id, request_.note_id)
    seat = presence().set_editing(request.sid, request_.note_id if request_.editing else None)
    emit("editing", {"canvas_id": canvas_id, "note_id": request_.note_id, "by": seat.person,
                     "editing": request_.editing}, to=room(canvas_id), include_self=False)
    return {"ok": True}


def _operation_handler(name: str):
    def handle(actor: board.Actor, data: Any) -> dict:
        canvas_id = _current_canvas()
        with canvas_lock(canvas_id):
            change = board.apply(actor, canvas_id, name, data)
            if not change.replayed:
                emit("change", change.envelope, to=room(change.canvas_id))
        return change.ack()

    handle.__name__ = name.replace(":", "_")
    return message(handle)


for _name in board.OPERATIONS:
    socketio.on_event(_name, _operation_handler(_name))
