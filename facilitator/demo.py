"""A workshop at the size of a real one, built through the board.

Lienzo is meant for rooms like the Open Government community's: sixty people
from fifty-odd institutions at ten tables, one canvas per table, and a hundred
or more notes on the canvas the room works on together. This module builds
such a workshop with the same board operations people's clicks go through
(joining by code, adding notes, voting, grouping), so what a facilitator tries
with ``flask demo-workshop`` and what the tests and screenshots look at is
what a real session leaves in the database. Everything comes from one seeded
random generator: the same arguments give the same workshop (but for the join
code and the tokens, which are always fresh secrets).

The names and institutions are invented; any likeness to real people is chance.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from .board import controls, notes, session, voting
from .board.actors import Actor, actor_for
from .board.schemas import (
    COLORS,
    MAX_CANVASES_AT_ONCE,
    AddNote,
    CastVote,
    CloseVote,
    CreateCluster,
    JoinWorkshop,
    MyStatus,
    NewCanvases,
    NewWorkshop,
    OpenVote,
    SetFocus,
    ShowOnProjector,
)
from .board.workshops import add_canvases, create_workshop, facilitator_seat, join_workshop
from .catalog import Catalog
from .db import db
from .models import Facilitator

DEFAULT_TEMPLATE = "public-policy-lean-canvas"
DEFAULT_NOTES = 150
DEFAULT_PEOPLE = 60
DEFAULT_TABLES = 10
DEFAULT_SEED = 2026
DEFAULT_TITLE = "Comunidad de Gobierno Abierto: plan de acción local"

FIRST_NAMES = [
    "Ana", "Beatriz", "Camila", "Daniela", "Elena", "Fernanda", "Gabriela", "Inés", "Julia", "Karina",
    "Laura", "María José", "Natalia", "Olga", "Paula", "Rocío", "Silvia", "Teresa", "Valeria", "Ximena",
    "Adrián", "Bruno", "Carlos", "Diego", "Emilio", "Felipe", "Gonzalo", "Héctor", "Ignacio", "Javier",
    "Luis", "Manuel", "Nicolás", "Óscar", "Pablo", "Ramiro", "Sebastián", "Tomás", "Vicente", "José Luis",
]
SURNAMES = [
    "Aguilar", "Benítez", "Cabrera", "Domínguez", "Escobar", "Figueroa", "Gallardo", "Herrera", "Ibáñez",
    "Jiménez", "Lozano", "Medina", "Navarro", "Ocampo", "Paredes", "Quiroga", "Robles", "Salazar", "Tapia",
    "Urrutia", "Valdivia", "Zamora", "Acosta", "Bustos", "Carrasco", "Espinoza", "Fuentes", "Gutiérrez",
    "Maldonado", "Núñez", "Ortega", "Pizarro", "Rojas", "Sepúlveda", "Torres", "Vergara", "Villalobos",
]
# Invented institutions of the kind an Open Government community gathers:
# ministries, municipalities, oversight bodies, universities, civil society.
INSTITUTIONS = [
    "Ministerio de Hacienda", "Ministerio de Desarrollo Social", "Ministerio de Salud",
    "Ministerio de Educación", "Ministerio del Interior", "Ministerio de Obras Públicas",
    "Ministerio de Medio Ambiente", "Ministerio de Vivienda y Urbanismo", "Ministerio de Transportes",
    "Ministerio de la Mujer y Equidad de Género", "Secretaría General de la Presidencia",
    "Secretaría de Gobierno Digital", "Secretaría de Innovación Pública",
    "Consejo para la Transparencia", "Contraloría General", "Defensoría del Pueblo",
    "Instituto Nacional de Estadística", "Dirección de Compras Públicas", "Servicio de Registro Civil",
    "Servicio Nacional del Consumidor", "Servicio Nacional de la Discapacidad", "Servicio de Impuestos Internos",
    "Agencia de Protección de Datos", "Biblioteca del Congreso", "Archivo Nacional",
    "Municipalidad de San Bernardo del Valle", "Municipalidad de Puerto Claro", "Municipalidad de Villa Alegre",
    "Municipalidad de Santa Inés", "Municipalidad de Los Álamos", "Municipalidad de Río Hondo",
    "Municipalidad de La Esperanza", "Municipalidad de Monte Verde", "Gobierno Regional del Norte",
    "Gobierno Regional del Sur", "Gobierno Regional de la Costa", "Asociación de Municipios Rurales",
    "Universidad de la Costa", "Universidad Metropolitana", "Universidad del Sur",
    "Centro de Estudios Públicos Abiertos",
    "Observatorio Ciudadano de Políticas", "Fundación Datos para Todos", "Fundación Ciudad Abierta",
    "Red de Periodistas de Datos", "Colectivo Participa", "Asociación Vecinal Barrio Norte",
    "Cooperativa de Servicios Comunitarios", "Cámara de Comercio Regional", "Sindicato de Funcionarios Públicos",
    "Escuela de Gobierno y Gestión Pública", "Programa de Naciones Amigas para el Desarrollo",
    "Red de Bibliotecas Públicas", "Mesa de Juventudes", "Consejo de la Sociedad Civil",
]

# Notes by block of the Public Policy Lean Canvas: one word to three lines, as people write them.
# ``None`` marks a block left empty on purpose (so the pages show what an empty block looks like).
PPLC_NOTES: dict[str, list[str]] = {
    "problem": [
        "Desconfianza", "Trámites lentos", "Datos dispersos",
        "La ciudadanía no sabe qué hace el municipio con su presupuesto",
        "Las solicitudes de acceso a la información tardan más de 40 días en responderse",
        "Brecha digital en zonas rurales",
        "Los datos de compras públicas existen pero nadie los entiende",
        "Poca participación de jóvenes en las consultas públicas",
        "Cada servicio pide los mismos documentos una y otra vez",
        "Falta de coordinación entre ministerios",
        "No hay seguimiento de los compromisos del plan de acción anterior: se anuncian y luego nadie rinde cuentas",
        "Información publicada en PDF escaneado, imposible de reutilizar",
        "Corrupción percibida", "Canales de reclamo que no responden",
        "Las personas mayores no pueden hacer trámites en línea sin ayuda",
        "Los funcionarios temen publicar datos por miedo a errores",
    ],
    "alternatives": [
        "Portal de transparencia activa", "Ley de acceso a la información",
        "Mesas territoriales del programa anterior (sin continuidad)",
        "ONG que capacitan en el uso de datos abiertos", "Cabildos abiertos",
        "Oficinas de atención presencial con horarios limitados",
    ],
    "population": [
        "Vecinos y vecinas", "Personas mayores", "Juventudes", "Periodistas",
        "Organizaciones de la sociedad civil que hacen control ciudadano",
        "Funcionarios municipales de atención al público",
        "Pueblos originarios de la zona sur", "Emprendedores locales",
        "Personas con discapacidad visual que usan lectores de pantalla",
        "Investigadores universitarios",
    ],
    "early": None,
    "value": [
        "Saber en qué se gasta cada peso, en lenguaje claro",
        "Un solo lugar para seguir todos los compromisos",
        "Menos tiempo de espera", "Confianza",
        "Que la ciudadanía vea su aporte reflejado en la decisión final",
        "Datos reutilizables por cualquiera, sin pedir permiso",
    ],
    "solution": [
        "Tablero público de compromisos con semáforo de avance",
        "Datos abiertos por defecto", "Ventanilla única",
        "Presupuesto participativo digital y presencial",
        "Formularios en lectura fácil, probados con personas usuarias antes de publicarlos",
        "Capacitar a funcionarios en lenguaje claro", "API de compras públicas",
        "Consultas públicas con devolución: qué se tomó y qué no, y por qué",
        "Facilitadores digitales en bibliotecas públicas",
        "Calendario abierto de reuniones de autoridades",
    ],
    "channels": [
        "WhatsApp", "Radios comunitarias", "Ferias libres",
        "Sitio web accesible y liviano para teléfonos",
        "Juntas de vecinos", "Redes sociales del municipio",
        "Oficinas móviles que recorren las zonas rurales una vez al mes",
    ],
    "funding": None,
    "costs": [
        "Equipo de datos (3 personas)", "Licencias", "Capacitación",
        "Mantención del portal durante cinco años, no solo su construcción",
        "Tiempo de los equipos de atención",
    ],
    "indicators": [
        "Tiempo de respuesta a solicitudes", "Descargas de datos",
        "Porcentaje de compromisos cumplidos a tiempo",
        "Satisfacción usuaria medida cada trimestre",
        "Número de reutilizaciones de los datos por terceros",
        "Participación de mujeres y jóvenes en consultas",
    ],
    "legitimacy": [
        "Respaldo del alcalde", "Consejo de la sociedad civil",
        "Acuerdo firmado con la contraloría para el seguimiento independiente",
        "Mesa multiactor del plan de acción", "Apoyo de la academia",
        "Que los resultados se presenten en una cuenta pública abierta",
    ],
}
# How dense each block is, relative to the others (empty blocks get none).
PPLC_WEIGHTS = {"problem": 24, "solution": 20, "population": 14, "value": 10, "legitimacy": 9, "indicators": 8,
                "channels": 7, "alternatives": 5, "costs": 3}

GENERIC_NOTES = [
    "Escuchar antes de diseñar", "Datos abiertos", "Lenguaje claro", "Confianza", "Coordinación",
    "Probar con personas usuarias reales antes de escalar",
    "Un equipo pequeño con mandato claro y presupuesto propio",
    "Rendir cuentas cada trimestre en una sesión abierta",
    "Incluir a las zonas rurales desde el principio",
    "Medir lo que importa a la ciudadanía, no solo lo que es fácil de contar",
    "Alianzas con universidades", "Presupuesto", "Seguimiento",
]
# Words added to a base note to vary it, so a dense block does not repeat itself.
ADDITIONS = [
    "en zonas rurales", "para personas mayores", "con datos abiertos", "en lenguaje claro",
    "a nivel municipal", "con la sociedad civil", "desde el primer año", "con enfoque de género",
    "en la región norte", "medido cada trimestre",
]
CLUSTER_TITLES = ["Acceso a la información", "Confianza y rendición de cuentas", "Servicios más simples"]


class DemoError(ValueError):
    """A demo workshop that cannot be built as asked (nothing was created)."""


@dataclass(frozen=True)
class Seat:
    """One participant of the demo: who, where they sit, and their secret token."""

    participant_id: int
    name: str
    institution: str
    token: str
    canvas_id: int


@dataclass
class DemoWorkshop:
    """What was built: ids to open the pages, and every participant's seat."""

    workshop_id: int
    code: str
    facilitator_id: int
    canvas_ids: list[int]
    seats: list[Seat] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)  # the notes of the first canvas

    @property
    def canvas_id(self) -> int:
        """The canvas the room works on together (the dense one)."""
        return self.canvas_ids[0]

    def seats_at(self, canvas_id: int) -> list[Seat]:
        return [seat for seat in self.seats if seat.canvas_id == canvas_id]


def people(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` distinct invented people, (name, institution), a few sharing an institution."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        first = rng.choice(FIRST_NAMES)
        last = " ".join(rng.sample(SURNAMES, 2 if rng.random() < 0.4 else 1))
        name = f"{first} {last}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    institutions = list(INSTITUTIONS)
    rng.shuffle(institutions)
    # Eleven people in twelve come from an institution of their own; the rest share one.
    chosen = [institutions[i % len(institutions)] if i % 12 != 11 else rng.choice(institutions[:i or 1])
              for i in range(count)]
    return list(zip(names, chosen, strict=True))


def note_texts(blocks: list[str], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` (block, text) pairs spread unevenly over ``blocks``: some dense, one or two empty."""
    if count == 0 or not blocks:
        return []
    known = set(blocks) <= set(PPLC_NOTES)
    if known:
        weights = {b: PPLC_WEIGHTS.get(b, 0) for b in blocks}
        pools = {b: PPLC_NOTES[b] or [] for b in blocks}
    else:
        empty = set(rng.sample(blocks, min(2, len(blocks) - 1)))
        weights = {b: 0 if b in empty else rng.choice([1, 2, 3, 6, 12]) for b in blocks}
        pools = {b: GENERIC_NOTES for b in blocks}
    filled = [b for b in blocks if weights[b] > 0]
    chosen = rng.choices(filled, weights=[weights[b] for b in filled], k=count)
    used: dict[str, int] = {}
    result = []
    for block in chosen:
        pool = pools[block]
        n = used.get(block, 0)
        used[block] = n + 1
        text = pool[n % len(pool)]
        if n >= len(pool):  # the pool is used up: vary a base note
            text = f"{text} {ADDITIONS[(n // len(pool) - 1 + n) % len(ADDITIONS)]}"
        result.append((block, text))
    return result


def _op_id(rng: random.Random) -> str:
    return "demo-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex


def _note_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def check_request(catalog: Catalog, *, notes_count: int, people_count: int, tables: int, template_id: str) -> None:
    """Refuse, before anything is created, a demo the server's limits would stop half-way."""
    max_notes = current_app.config["MAX_NOTES_PER_CANVAS"]
    max_people = current_app.config["MAX_PARTICIPANTS_PER_WORKSHOP"]
    if catalog.get(template_id) is None:
        known = ", ".join(sorted(t.id for t in catalog))
        raise DemoError(f"There is no template {template_id!r}. Known templates: {known}.")
    if not 0 <= notes_count <= max_notes:
        raise DemoError(f"The number of notes must be between 0 and {max_notes} (MAX_NOTES_PER_CANVAS).")
    if not 1 <= people_count <= max_people:
        raise DemoError(f"The number of people must be between 1 and {max_people} (MAX_PARTICIPANTS_PER_WORKSHOP).")
    if not 1 <= tables <= MAX_CANVASES_AT_ONCE:
        raise DemoError(f"The number of tables must be between 1 and {MAX_CANVASES_AT_ONCE}.")


def build_demo_workshop(facilitator: Facilitator, catalog: Catalog, *, notes_count: int = DEFAULT_NOTES,
                        people_count: int = DEFAULT_PEOPLE, tables: int = DEFAULT_TABLES,
                        template_id: str = DEFAULT_TEMPLATE, seed: int = DEFAULT_SEED,
                        title: str = DEFAULT_TITLE) -> DemoWorkshop:
    """Build the workshop: ``tables`` canvases ("Mesa 1"…), ``people_count`` participants seated
    round the tables, ``notes_count`` notes on the first canvas (and a few on the others),
    a closed vote and two groups on the first canvas, some raised hands and "ready" marks,
    and the projector showing the first canvas with its densest block in focus.

    Raises DemoError, having created nothing, when the request is out of bounds."""
    check_request(catalog, notes_count=notes_count, people_count=people_count, tables=tables,
                  template_id=template_id)
    rng = random.Random(seed)
    workshop = create_workshop(facilitator, NewWorkshop(title=title, language="es"))
    canvases = add_canvases(catalog, workshop, NewCanvases(template_id=template_id, name="Mesa", count=tables))
    canvas_ids = [c.id for c in canvases]
    blocks = [b.id for b in catalog.get(template_id).blocks]
    demo = DemoWorkshop(workshop_id=workshop.id, code=workshop.code, facilitator_id=facilitator.id,
                        canvas_ids=canvas_ids)
    host, _seat_token = facilitator_seat(facilitator, workshop)

    actors: list[Actor] = []
    for i, (name, institution) in enumerate(people(people_count, rng)):
        participant, token = join_workshop(JoinWorkshop(code=workshop.code, name=name, institution=institution))
        demo.seats.append(Seat(participant.id, name, institution, token, canvas_ids[i % tables]))
        actors.append(actor_for(participant))

    def write(canvas_id: int, block: str, text: str, author: Actor) -> str:
        note_id = _note_id(rng)
        notes.add_note(author, canvas_id, AddNote(op_id=_op_id(rng), note_id=note_id, block=block, text=text,
                                                  color=rng.choices(COLORS, weights=[6, 2, 2, 2, 1, 1])[0]))
        return note_id

    # The room writes on the first canvas; everyone may, whatever their table.
    written = [(block, write(canvas_ids[0], block, text, rng.choice(actors)))
               for block, text in note_texts(blocks, notes_count, rng)]
    demo.note_ids = [note_id for _block, note_id in written]
    # A few notes on each of the other tables, by the people sitting there.
    for canvas_id in canvas_ids[1:]:
        sitting = [a for a, s in zip(actors, demo.seats, strict=True) if s.canvas_id == canvas_id] or actors
        for block, text in note_texts(blocks, rng.randint(2, 6), rng):
            write(canvas_id, block, text, rng.choice(sitting))

    _group(host, canvas_ids[0], written, rng)
    _vote(host, canvas_ids[0], written, actors, rng)
    for actor in rng.sample(actors, min(len(actors), max(1, people_count // 6))):
        session.set_my_status(actor, MyStatus(op_id=_op_id(rng), ready=True))
    for actor in rng.sample(actors, min(len(actors), max(1, people_count // 20))):
        session.set_my_status(actor, MyStatus(op_id=_op_id(rng), hand=True))
    if written:
        densest = max(blocks, key=lambda b: sum(1 for block, _ in written if block == b))
        session.set_focus(host, SetFocus(op_id=_op_id(rng), canvas_id=canvas_ids[0], block=densest))
    session.show_on_projector(host, ShowOnProjector(op_id=_op_id(rng), mode="canvas", canvas_id=canvas_ids[0]))
    db.session.commit()
    return demo


def _group(host: Actor, canvas_id: int, written: list[tuple[str, str]], rng: random.Random) -> None:
    """Two groups of similar notes, in the two densest blocks that have enough notes."""
    by_block: dict[str, list[str]] = {}
    for block, note_id in written:
        by_block.setdefault(block, []).append(note_id)
    dense = sorted((b for b in by_block if len(by_block[b]) >= 4), key=lambda b: -len(by_block[b]))[:2]
    for title, block in zip(CLUSTER_TITLES, dense, strict=False):
        members = rng.sample(by_block[block], min(5, len(by_block[block]) // 2))
        controls.create_cluster(host, CreateCluster(op_id=_op_id(rng), canvas_id=canvas_id, block=block,
                                                    title=title, note_ids=members))


def _vote(host: Actor, canvas_id: int, written: list[tuple[str, str]], actors: list[Actor],
          rng: random.Random) -> None:
    """A dot vote, closed: a third of the room voted, a few notes gather most dots."""
    if not written:
        return
    voting.open_vote(host, OpenVote(op_id=_op_id(rng), canvas_id=canvas_id, budget=3, max_per_note=2,
                                    allow_own=True))
    favourites = [note_id for _block, note_id in rng.sample(written, min(12, len(written)))]
    for actor in rng.sample(actors, max(1, len(actors) // 3)):
        for note_id in rng.sample(favourites, min(rng.randint(1, 3), len(favourites))):
            voting.cast_vote(actor, canvas_id, CastVote(op_id=_op_id(rng), note_id=note_id))
    voting.close_vote(host, CloseVote(op_id=_op_id(rng), canvas_id=canvas_id))


def find_facilitator(email: str) -> Facilitator:
    """The facilitator account with this email, or DemoError."""
    facilitator = db.session.scalar(select(Facilitator).filter_by(email=email.strip().lower()))
    if facilitator is None:
        raise DemoError(f"No facilitator has the email {email}. Create one first with "
                        "`flask --app facilitator create-facilitator`.")
    return facilitator
