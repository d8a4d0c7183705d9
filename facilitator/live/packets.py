"""Socket.IO packets as python-socketio decodes them, made safe for hostile input.

python-socketio trusts the shape of what a client sends: a frame that is not
valid JSON, an event whose name is not a string, an empty event, a binary
attachment with a bad placeholder or a ``CONNECT_ERROR`` packet from a client
end in a traceback in the log (over and over, as often as a client likes),
and a client may even send an event named ``connect``, ``disconnect`` or
``*`` to run those handlers out of turn.

Lienzo's protocol has only JSON events with a string name, so anything else
is turned here into an event named ``""``: the catch-all handler
(``handlers.on_unknown``) answers it with ``invalid`` when it came with an
ack id, and nothing else happens. Binary packets are refused whole: their
attachments, which then arrive as frames of their own, are refused one by
one in the same way (and never piled up in memory waiting for the rest).
"""

from __future__ import annotations

from socketio import packet

REFUSED = ""
# Names python-socketio (or Flask-SocketIO's catch-all) would dispatch to
# something other than an ordinary event handler.
RESERVED = frozenset({"connect", "disconnect", "connect_error", "*", "__disconnect_final", REFUSED})


class ProtocolPacket(packet.Packet):
    """The packet class of the server (``serializer=`` of socketio.Server)."""

    def __init__(self, packet_type=packet.EVENT, data=None, namespace=None, id=None, binary=None,
                 encoded_packet=None):
        if encoded_packet is None:  # a packet the server sends: nothing to check
            # Lienzo sends only JSON, so it skips python-socketio's search for bytes
            # through the whole payload (a canvas:join ack with its notes is tens of
            # thousands of values: tens of ms per join). A bytes value could not go out
            # as garbage: json.dumps refuses it when the packet is encoded.
            super().__init__(packet_type, data, namespace, id, False if binary is None else binary)
            return
        try:
            super().__init__(encoded_packet=encoded_packet)
        except Exception:  # any frame that cannot be decoded is refused the same way
            self._refuse()
            return
        if not self._well_formed(bool(encoded_packet)):
            self._refuse()

    def _well_formed(self, non_empty: bool) -> bool:
        if not non_empty or self.packet_type not in (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK):
            return False
        if self.packet_type == packet.EVENT:
            return (isinstance(self.data, list) and bool(self.data) and isinstance(self.data[0], str)
                    and self.data[0] not in RESERVED)
        if self.packet_type == packet.ACK:
            return isinstance(self.data, list)
        return True

    def _refuse(self) -> None:
        """Make this an event no handler has; keep the ack id only of an event."""
        if self.packet_type not in (packet.EVENT, packet.BINARY_EVENT):
            self.id = None
        if not isinstance(self.id, int):
            self.id = None
        if not isinstance(self.namespace, str):
            self.namespace = None
        self.packet_type = packet.EVENT
        self.data = [REFUSED]
        self.attachment_count = 0
        self.attachments = []
