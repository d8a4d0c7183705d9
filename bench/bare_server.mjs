// The bare Node stack that bench/fanout.py compares Lienzo with: socket.io 4.8
// with its defaults (no permessage-deflate, the default ping settings), nothing
// else. Same protocol as bench/bare_server.py: a client emits `join` {room},
// then `msg` {room, ..., op_id}; the server acks {ok: true} and sends the payload
// unchanged as `change` to the others in the room (`socket.to(room).emit`).
// No database, no authentication, no validation.
//
// Run: `node bench/bare_server.mjs` (HOST, PORT from the environment; `npm ci`
// first: the `socket.io` server is a devDependency). GET / answers `ok`.
import { createServer } from "node:http";
import { Server } from "socket.io";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 5002);

const http = createServer((request, response) => {
  if (request.url === "/" && request.method === "GET") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok");
    return;
  }
  response.writeHead(404);
  response.end();
});
http.on("connection", (socket) => socket.setNoDelay(true)); // Node's default too; said explicitly

// WEBSOCKET_COMPRESSION=true (fanout.py --compression on/both): permessage-deflate as socket.io offers it.
const compression = ["1", "true", "yes", "on"].includes((process.env.WEBSOCKET_COMPRESSION || "").trim().toLowerCase());
const io = new Server(http, { maxHttpBufferSize: 64 * 1024, perMessageDeflate: compression });
io.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    socket.join(String(data.room));
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("msg", (data, ack) => {
    socket.to(String(data.room)).emit("change", data);
    if (typeof ack === "function") ack({ ok: true });
  });
});

http.listen(port, host, () => console.log(`bare node server at http://${host}:${http.address().port}/`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
