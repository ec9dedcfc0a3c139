"""The table's definition, in one place.

The tests (moto), the local runtime (embedded endpoint), ``rollcall infra bootstrap`` and
the deployment template all create the table from this, so they cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store import keys

INDEXES: dict[str, tuple[str, str]] = {
    keys.KIND_INDEX: ("kind_pk", "kind_sk"),
    keys.DUE_INDEX: ("due_pk", "due_sk"),
}


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable keyword arguments: on-demand, string keys, two GSIs projecting ALL."""
    attributes = {"pk", "sk"} | {a for pair in INDEXES.values() for a in pair}
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, (hash_key, range_key) in INDEXES.items()
        ],
    }


def ensure_table(client: Any, table_name: str) -> bool:
    """Create the table (and turn on TTL) when missing. Returns True when it was created.

    Idempotent: an existing table is left as it is, apart from TTL being switched on if off.
    """
    created = False
    try:
        client.describe_table(TableName=table_name)
    except client.exceptions.ResourceNotFoundException:
        try:
            client.create_table(**table_definition(table_name))
            created = True
        except client.exceptions.ResourceInUseException:
            pass  # another bootstrap won the race
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL_ATTRIBUTE},
        )
    return created
