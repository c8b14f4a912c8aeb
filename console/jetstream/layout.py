"""Where things live in NATS: one stream for samples, incident events and dispatch units, one key-value
bucket for checkpoints of the latest state, one request subject for commands. Every name is here, once.

Subjects carry the district and the domain, so a console's region and domain filters become subject
filters: `city.samples.<district>.<domain>` and `city.events.<district>.<domain>`. The city-wide
series live under the city's own code (310000). Units have no domain: `city.units.<district>`, the
district whose centre the unit works for (its assigned incident's, else its home station's; a unit
with neither is the city's, 310000). One stream means one sequence: a checkpoint's `upto` covers units
as it covers readings and incidents.

Several publishers may share the stream (the simulator or a platform's adapter, the CAP and MQTT
bridges): each checkpoints what it published under its own key, and an incident whose id is
`<owner>:<rest>` has its commands answered by that owner on `city.commands.<owner>` (ids without a
colon go to `city.commands`, the main authority). Sensors' MQTT topics arrive as `sensors.…` subjects.
"""

from __future__ import annotations

import logging

import nats.errors
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError

log = logging.getLogger(__name__)

STREAM = "CITY"
SAMPLES = "city.samples"
EVENTS = "city.events"
UNITS = "city.units"
COMMANDS = "city.commands"
BUCKET = "city_state"
CATALOG_KEY = "catalog"
CHECKPOINT_PREFIX = "state"
UNITS_CHECKPOINT_PREFIX = "units"
AUTHORITY_QUEUE = "authority"
SENSORS = "sensors"  # MQTT topic sensors/<...> is NATS subject sensors.<...> (nats-server's MQTT listener)
STREAM_MAX_AGE_S = 3600.0  # how far back a hub can resume: far more than a checkpoint interval
STREAM_MAX_BYTES = 1 << 30  # the street-level city is ~1 MB/s: the oldest go first, never a refused publish


def district_of(region: str) -> str:
    """The 6-digit code a region's subjects carry: a street's district, a district itself, the city."""
    return region[:6]


def token(text: str) -> str:
    """A subject token: NATS splits on dots and treats `*`/`>` as wildcards, so those never get in."""
    out = text.replace(".", "_").replace("*", "_").replace(">", "_").replace(" ", "_")
    return out or "_"


def samples_subject(district: str, domain: str) -> str:
    return f"{SAMPLES}.{token(district)}.{token(domain)}"


def events_subject(district: str, domain: str) -> str:
    return f"{EVENTS}.{token(district)}.{token(domain)}"


def units_subject(district: str) -> str:
    return f"{UNITS}.{token(district)}"


def checkpoint_key(district: str, domain: str, owner: str | None = None) -> str:
    """The main publisher's key is `state.<district>.<domain>`; another publisher's adds its name."""
    key = f"{CHECKPOINT_PREFIX}.{token(district)}.{token(domain)}"
    return f"{key}.{token(owner)}" if owner else key


def checkpoint_group(key: str) -> tuple[str, str] | None:
    """(district, domain) of a checkpoint key, whoever wrote it; None for any other key."""
    parts = key.split(".")
    if len(parts) not in (3, 4) or parts[0] != CHECKPOINT_PREFIX:
        return None
    return parts[1], parts[2]


def units_checkpoint_key(district: str, owner: str | None = None) -> str:
    """The latest report of each unit of a district: `units.<district>`, another publisher's adds its name."""
    key = f"{UNITS_CHECKPOINT_PREFIX}.{token(district)}"
    return f"{key}.{token(owner)}" if owner else key


def units_checkpoint_district(key: str) -> str | None:
    """The district of a units checkpoint key, whoever wrote it; None for any other key."""
    parts = key.split(".")
    if len(parts) not in (2, 3) or parts[0] != UNITS_CHECKPOINT_PREFIX:
        return None
    return parts[1]


def commands_subject(event_id: object) -> str:
    """Where a command on this incident is answered: `city.commands.<owner>` for an id `<owner>:<rest>`."""
    if isinstance(event_id, str) and ":" in event_id:
        owner = event_id.split(":", 1)[0]
        if owner:
            return f"{COMMANDS}.{token(owner)}"
    return COMMANDS


def parse_subject(subject: str) -> tuple[str, str, str] | None:
    """(kind, district, domain) of a stream subject, kind "samples", "events" or "units" (whose domain is
    ""); None for anything else."""
    parts = subject.split(".")
    if len(parts) == 3 and parts[0] == "city" and parts[1] == "units":
        return "units", parts[2], ""
    if len(parts) != 4 or parts[0] != "city" or parts[1] not in ("samples", "events"):
        return None
    return parts[1], parts[2], parts[3]


STREAM_SUBJECTS = [f"{SAMPLES}.>", f"{EVENTS}.>", f"{UNITS}.>"]


async def ensure_layout(js, replicas: int = 1) -> None:
    """Create the stream and the bucket when they are missing (needs a user allowed to; publishers and
    hubs only look them up). A stream made before units were carried gets their subjects added, its
    limits unchanged (that needs the admin too: a publisher without the right logs why and goes on)."""
    try:
        info = await js.stream_info(STREAM)
        missing = [s for s in STREAM_SUBJECTS if s not in info.config.subjects]
        if missing:
            log.info("adding %s to stream %s", ", ".join(missing), STREAM)
            try:
                info.config.subjects = [*info.config.subjects, *missing]
                await js.update_stream(info.config)
            except nats.errors.Error as exc:  # a least-privilege user: the admin must add them (docs/deployment.md)
                log.error("stream %s lacks %s and this user cannot add them (%s): units will not be carried",
                          STREAM, ", ".join(missing), type(exc).__name__)
    except NotFoundError:
        log.info("creating stream %s (replicas %d)", STREAM, replicas)
        await js.add_stream(StreamConfig(name=STREAM, subjects=STREAM_SUBJECTS,
                                         storage=StorageType.FILE, num_replicas=replicas,
                                         max_age=STREAM_MAX_AGE_S, max_bytes=STREAM_MAX_BYTES,
                                         max_msg_size=4 << 20))
    try:
        await js.key_value(BUCKET)
    except BucketNotFoundError:
        log.info("creating key-value bucket %s (replicas %d)", BUCKET, replicas)
        await js.create_key_value(KeyValueConfig(bucket=BUCKET, history=1, replicas=replicas,
                                                 storage=StorageType.FILE, max_value_size=4 << 20))
