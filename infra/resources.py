"""The one definition of mentiondesk's tables and queues.

`infra/template.py` turns it into CloudFormation for a stage; `infra/local.py` creates the same
tables and queues on the embedded moto stack. Names are `mentiondesk-<stage>-<suffix>`, and the
environment variable that carries each name to the functions is declared here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None = None


@dataclass(frozen=True)
class Table:
    suffix: str
    env: str
    hash_key: str
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class Queue:
    suffix: str
    env: str
    visibility_timeout: int  # seconds; at least 6x the consumer function's timeout (AWS guidance)
    max_receive_count: int  # deliveries before a message moves to the DLQ


TABLES = (
    Table("mentions", "MENTIONS_TABLE", "id", (Index("by_brand", "brand", "created_at"),)),
    Table(
        "tickets", "TICKETS_TABLE", "key", (Index("by_brand", "brand", "created_at"), Index("by_ticket", "ticket_ref"))
    ),
    Table("desk", "DESK_TABLE", "id"),
    Table("counters", "COUNTERS_TABLE", "name", ttl_attribute="expires_at"),
    Table("cursors", "CURSORS_TABLE", "key", (Index("by_brand", "brand"),)),
    # the brand's own channels, one item per brand × network × account × day (functions/stores/snapshots.py)
    Table("snapshots", "SNAPSHOTS_TABLE", "key", (Index("by_brand", "brand", "day"),), ttl_attribute="expires_at"),
    # Per-brand verdicts (complaint yes/no) from the desks, agents and imports: what models learn from.
    Table("verdicts", "VERDICTS_TABLE", "id", (Index("by_brand", "brand", "at"),)),
    # The reply ledger: parts of agents' replies posted to the networks, moderation audit, echoes
    # of our own replies (functions/stores/replies.py).
    Table("replies", "REPLIES_TABLE", "key", (Index("by_brand", "brand"),)),
)

# The stage's artifacts bucket (infra/template.py `ArtifactsBucket`): its deployed name carries the
# account and region, so it reaches the functions from the stack output, not from `environment`.
ARTIFACTS_ENV = "ARTIFACTS_BUCKET"
MODELS_PREFIX = "models/"  # models/<brand>/<version>.bin and models/<brand>/champion.json

QUEUES = (
    Queue("mentions", "MENTIONS_QUEUE", visibility_timeout=180, max_receive_count=5),
    Queue("tickets", "TICKETS_QUEUE", visibility_timeout=360, max_receive_count=8),
    # agents' replies and moderation going out to the networks (functions/jobs/replies.py)
    Queue("replies", "REPLIES_QUEUE", visibility_timeout=360, max_receive_count=8),
)

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def name(stage: str, suffix: str) -> str:
    return f"mentiondesk-{stage}-{suffix}"


def environment(stage: str) -> dict[str, str]:
    """The environment variables that point the functions at this stage's resources."""
    env = {"MENTIONDESK_STAGE": stage}
    env.update({t.env: name(stage, t.suffix) for t in TABLES})
    env.update({q.env: name(stage, q.suffix) for q in QUEUES})
    return env


def table_definition(stage: str, table: Table) -> dict[str, Any]:
    """Keys and indexes, in the shape both CreateTable and AWS::DynamoDB::Table accept."""
    keys = {table.hash_key} | {k for i in table.indexes for k in (i.hash_key, i.range_key) if k}
    definition: dict[str, Any] = {
        "TableName": name(stage, table.suffix),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in sorted(keys)],
        "KeySchema": [{"AttributeName": table.hash_key, "KeyType": "HASH"}],
    }
    if table.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i.name,
                "KeySchema": [{"AttributeName": i.hash_key, "KeyType": "HASH"}]
                + ([{"AttributeName": i.range_key, "KeyType": "RANGE"}] if i.range_key else []),
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in table.indexes
        ]
    return definition
