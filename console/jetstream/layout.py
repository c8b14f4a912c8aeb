"""Where things live in NATS: one stream for samples and incident events, one key-value bucket for
checkpoints of the latest state, one request subject for commands. Every name is here, once.

Subjects carry the district and the domain, so a console's region and domain filters become subject
filters: `city.samples.<district>.<domain>` and `city.events.<district>.<domain>`. The city-wide
series live under the city's own code (310000).

Several publishers may share the stream (the simulator or a platform's adapter, the CAP and MQTT
bridges): each checkpoints what it published under its own key, and an incident whose id is
`<owner>:<rest>` has its commands answered by that owner on `city.commands.<owner>` (ids without a
colon go to `city.commands`, the main authority). Sensors' MQTT topics arrive as `sensors.…` subjects.
"""

from __future__ import annotations

import logging

from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError

log = logging.getLogger(__name__)

STREAM = "CITY"
SAMPLES = "city.samples"
EVENTS = "city.events"
COMMANDS = "city.commands"
BUCKET = "city_state"
CATALOG_KEY = "catalog"
CHECKPOINT_PREFIX = "state"
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


def commands_subject(event_id: object) -> str:
    """Where a command on this incident is answered: `city.commands.<owner>` for an id `<owner>:<rest>`."""
    if isinstance(event_id, str) and ":" in event_id:
        owner = event_id.split(":", 1)[0]
        if owner:
            return f"{COMMANDS}.{token(owner)}"
    return COMMANDS


def parse_subject(subject: str) -> tuple[str, str, str] | None:
    """(kind, district, domain) of a stream subject, kind "samples" or "events"; None for anything else."""
    parts = subject.split(".")
    if len(parts) != 4 or parts[0] != "city" or parts[1] not in ("samples", "events"):
        return None
    return parts[1], parts[2], parts[3]


async def ensure_layout(js, replicas: int = 1) -> None:
    """Create the stream and the bucket when they are missing (needs a user allowed to; publishers and
    hubs only look them up)."""
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        log.info("creating stream %s (replicas %d)", STREAM, replicas)
        await js.add_stream(StreamConfig(name=STREAM, subjects=[f"{SAMPLES}.>", f"{EVENTS}.>"],
                                         storage=StorageType.FILE, num_replicas=replicas,
                                         max_age=STREAM_MAX_AGE_S, max_bytes=STREAM_MAX_BYTES,
                                         max_msg_size=4 << 20))
    try:
        await js.key_value(BUCKET)
    except BucketNotFoundError:
        log.info("creating key-value bucket %s (replicas %d)", BUCKET, replicas)
        await js.create_key_value(KeyValueConfig(bucket=BUCKET, history=1, replicas=replicas,
                                                 storage=StorageType.FILE, max_value_size=4 << 20))
