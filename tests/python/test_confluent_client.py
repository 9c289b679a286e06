"""confluent_kafka.schema_registry.SchemaRegistryClient (2.16.1) against the REST API.

Each method the registry's model supports, with Confluent's answers: HTTP status and
SchemaRegistryError.error_code (40401 subject, 40402 version, 40403 schema not found,
409 incompatible, 42201 invalid schema, ...). Reads that must show the server's state use a
fresh client, since the Confluent client caches ids, versions and the latest version.
"""

import json

import pytest

from confluent_kafka.schema_registry import (
    Schema, SchemaReference, SchemaRegistryError,
)
from confluent_kafka.schema_registry.schema_registry_client import (
    ConfigCompatibilityLevel, ServerConfig,
)

from schemas import (
    ADDRESS, CUSTOMER, JSON_ADDRESS, JSON_INCOMPATIBLE, JSON_V1, JSON_WITH_REF, USER_INCOMPATIBLE,
    USER_V1, USER_V2, fresh, same_schema, text,
)
from sr_support import unique


def avro(schema, references=None) -> Schema:
    return Schema(text(schema), "AVRO", references or [])


def json_schema(schema, references=None) -> Schema:
    return Schema(text(schema), "JSON", references or [])


def expect_error(call, http_status, error_codes):
    """Runs call, which must raise SchemaRegistryError with this status and one of these codes."""
    accepted = error_codes if isinstance(error_codes, tuple) else (error_codes,)
    with pytest.raises(SchemaRegistryError) as raised:
        call()
    error = raised.value
    assert (error.http_status_code, error.error_code in accepted) == (http_status, True), \
        f"expected HTTP {http_status} with error_code in {accepted}, got {error.http_status_code} " \
        f"{error.error_code}: {error.error_message}"
    assert isinstance(error.error_message, str) and error.error_message
    return error


def level_of(config: ServerConfig):
    """GET /config answers compatibilityLevel; accept either spelling of the field."""
    level = config.compatibility_level or config.compatibility
    return level.value if level is not None else None


# ----------------------------------------------------------------------------- register, get

def test_register_avro_and_get_by_id(client, new_client, subject):
    schema_id = client.register_schema(subject, avro(USER_V1))
    assert isinstance(schema_id, int) and schema_id > 0

    fetched = new_client().get_schema(schema_id)
    assert fetched.schema_type == "AVRO"
    assert same_schema(fetched.schema_str, USER_V1)
    assert fetched.references == []

    # The same schema again: same id, no new version.
    assert new_client().register_schema(subject, avro(USER_V1)) == schema_id
    assert new_client().get_versions(subject) == [1]
    # Under another subject: still the same id (ids are global per schema).
    assert new_client().register_schema(unique("subj"), avro(USER_V1)) == schema_id


def test_register_full_response(client, subject):
    registered = client.register_schema_full_response(subject, avro(USER_V1))
    assert isinstance(registered.schema_id, int) and registered.schema_id > 0


def test_register_normalized(client, new_client, subject):
    schema_id = client.register_schema(subject, avro(USER_V1), normalize_schemas=True)
    found = new_client().lookup_schema(subject, avro(USER_V1), normalize_schemas=True)
    assert (found.schema_id, found.version) == (schema_id, 1)


def test_register_json_and_get_by_id(client, new_client, subject):
    schema_id = client.register_schema(subject, json_schema(JSON_V1))
    fetched = new_client().get_schema(schema_id)
    assert fetched.schema_type == "JSON"
    assert same_schema(fetched.schema_str, JSON_V1)
    latest = new_client().get_latest_version(subject)
    assert (latest.schema_id, latest.version, latest.schema.schema_type) == (schema_id, 1, "JSON")


def test_get_schema_with_subject_name(client, new_client, subject):
    schema_id = client.register_schema(subject, avro(USER_V1))
    fetched = new_client().get_schema(schema_id, subject_name=subject)
    assert fetched.schema_type == "AVRO"
    assert same_schema(fetched.schema_str, USER_V1)


def test_get_schema_unknown_id(client):
    expect_error(lambda: client.get_schema(2_000_000_000), 404, 40403)


def test_get_schema_types(client):
    types = client.get_schema_types()
    assert isinstance(types, list)
    assert {"AVRO", "JSON"} <= set(types)


def test_avro_references(client, new_client):
    address_subject, customer_subject = unique("addr"), unique("cust")
    address_id = client.register_schema(address_subject, avro(ADDRESS))
    reference = SchemaReference(name="com.example.Address", subject=address_subject, version=1)
    customer_id = client.register_schema(customer_subject, avro(CUSTOMER, [reference]))
    assert customer_id != address_id

    fetched = new_client().get_schema(customer_id)
    assert fetched.schema_type == "AVRO"
    # The registry may fold the namespace into the full name (Avro's canonical form).
    assert json.loads(fetched.schema_str)["name"].split(".")[-1] == "Customer"
    assert fetched.references == [reference]

    version = new_client().get_version(customer_subject, 1)
    assert version.schema_id == customer_id
    assert version.schema.references == [reference]

    found = new_client().lookup_schema(customer_subject, avro(CUSTOMER, [reference]))
    assert (found.schema_id, found.version) == (customer_id, 1)

    # A reference to a version that does not exist is refused.
    missing = SchemaReference(name="com.example.Address", subject=address_subject, version=7)
    with pytest.raises(SchemaRegistryError) as raised:
        new_client().register_schema(unique("cust"), avro(CUSTOMER, [missing]))
    assert raised.value.http_status_code in (404, 422), raised.value
    # Without its reference the named type is unknown: an invalid schema.
    expect_error(lambda: new_client().register_schema(unique("cust"), avro(CUSTOMER)), 422, 42201)


def test_json_references(client, new_client):
    address_subject, subject = unique("jaddr"), unique("jcust")
    client.register_schema(address_subject, json_schema(JSON_ADDRESS))
    reference = SchemaReference(name="address.json", subject=address_subject, version=1)
    schema_id = client.register_schema(subject, json_schema(JSON_WITH_REF, [reference]))
    fetched = new_client().get_schema(schema_id)
    assert fetched.schema_type == "JSON"
    assert fetched.references == [reference]


# ----------------------------------------------------------------------------- versions

def test_get_latest_version_and_get_version(client, new_client, subject):
    id1 = client.register_schema(subject, avro(USER_V1))
    id2 = client.register_schema(subject, avro(USER_V2))
    assert id1 != id2

    latest = new_client().get_latest_version(subject)
    assert (latest.subject, latest.version, latest.schema_id) == (subject, 2, id2)
    assert latest.schema.schema_type == "AVRO"
    assert same_schema(latest.schema.schema_str, USER_V2)

    first = new_client().get_version(subject, 1)
    assert (first.subject, first.version, first.schema_id) == (subject, 1, id1)
    assert same_schema(first.schema.schema_str, USER_V1)

    by_word = new_client().get_version(subject, "latest")
    assert (by_word.version, by_word.schema_id) == (2, id2)
    by_minus_one = new_client().get_version(subject, -1)
    assert (by_minus_one.version, by_minus_one.schema_id) == (2, id2)


def test_get_version_not_found(client, subject):
    client.register_schema(subject, avro(USER_V1))
    expect_error(lambda: client.get_version(subject, 99), 404, 40402)
    expect_error(lambda: client.get_version(unique("none"), 1), 404, 40401)
    expect_error(lambda: client.get_latest_version(unique("none")), 404, 40401)


def test_get_versions(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    client.register_schema(subject, avro(USER_V2))
    assert new_client().get_versions(subject) == [1, 2]
    expect_error(lambda: new_client().get_versions(unique("none")), 404, 40401)


def test_lookup_schema(client, new_client, subject):
    id1 = client.register_schema(subject, avro(USER_V1))
    found = new_client().lookup_schema(subject, avro(USER_V1))
    assert (found.subject, found.version, found.schema_id) == (subject, 1, id1)

    # A schema the subject does not have, and a subject that does not exist.
    expect_error(lambda: new_client().lookup_schema(subject, avro(USER_V2)), 404, 40403)
    expect_error(lambda: new_client().lookup_schema(unique("none"), avro(USER_V1)), 404, 40401)


def test_lookup_json(client, new_client, subject):
    schema_id = client.register_schema(subject, json_schema(JSON_V1))
    found = new_client().lookup_schema(subject, json_schema(JSON_V1))
    assert (found.version, found.schema_id) == (1, schema_id)


def test_get_subjects(client, new_client):
    prefix = unique("list")
    names = [f"{prefix}.a", f"{prefix}.b", f"{prefix}.c"]
    for name in names:
        client.register_schema(name, avro(USER_V1))
    everything = new_client().get_subjects()
    assert set(names) <= set(everything)
    assert sorted(new_client().get_subjects(subject_prefix=prefix)) == names

    new_client().delete_subject(names[0])
    assert sorted(new_client().get_subjects(subject_prefix=prefix)) == names[1:]
    assert sorted(new_client().get_subjects(subject_prefix=prefix, deleted=True)) == names


def test_get_subjects_offset_and_limit(client, new_client):
    # The client always sends offset and limit (0 and -1 by default); Confluent pages with them.
    prefix = unique("page")
    names = [f"{prefix}.a", f"{prefix}.b", f"{prefix}.c"]
    for name in names:
        client.register_schema(name, avro(USER_V1))
    page1 = new_client().get_subjects(subject_prefix=prefix, offset=0, limit=2)
    page2 = new_client().get_subjects(subject_prefix=prefix, offset=2, limit=2)
    assert (len(page1), len(page2)) == (2, 1), (page1, page2)
    assert sorted(page1 + page2) == names
    versions = new_client().get_versions(names[0], offset=0, limit=1)
    assert versions == [1]


def test_subjects_and_versions_by_schema_id(client, new_client):
    first, second = unique("byid"), unique("byid")
    mine = fresh(USER_V1)
    schema_id = client.register_schema(first, avro(mine))
    assert client.register_schema(second, avro(mine)) == schema_id
    assert sorted(new_client().get_subjects_by_schema_id(schema_id)) == sorted([first, second])
    pairs = {(v.subject, v.version) for v in new_client().get_schema_versions(schema_id)}
    assert pairs == {(first, 1), (second, 1)}
    expect_error(lambda: new_client().get_subjects_by_schema_id(2_000_000_000), 404, 40403)


def test_subject_name_needing_percent_encoding(client, new_client):
    subject = unique("enc") + " ünï:code"  # a space, non-ASCII letters and a colon
    schema_id = client.register_schema(subject, avro(USER_V1))
    assert subject in new_client().get_subjects()
    latest = new_client().get_latest_version(subject)
    assert (latest.subject, latest.schema_id) == (subject, schema_id)


# ----------------------------------------------------------------------------- deletes

def test_delete_version_soft_then_permanent(client, new_client, subject):
    v1 = fresh(USER_V1)
    v2 = dict(USER_V2, name=v1["name"])
    id1 = client.register_schema(subject, avro(v1))
    client.register_schema(subject, avro(v2))

    # Permanent first is refused: a version must be soft-deleted before.
    expect_error(lambda: new_client().delete_version(subject, 1, permanent=True), 404, 40407)

    assert new_client().delete_version(subject, 1) == 1
    assert new_client().get_versions(subject) == [2]
    assert new_client().get_versions(subject, deleted=True) == [1, 2]
    expect_error(lambda: new_client().get_version(subject, 1), 404, 40402)
    soft = new_client().get_version(subject, 1, deleted=True)
    assert (soft.version, soft.schema_id) == (1, id1)
    # The id still resolves (consumers read old records), and lookup finds it only with deleted.
    assert same_schema(new_client().get_schema(id1).schema_str, v1)
    expect_error(lambda: new_client().lookup_schema(subject, avro(v1)), 404, 40403)
    assert new_client().lookup_schema(subject, avro(v1), deleted=True).version == 1
    # Soft-deleting it again.
    expect_error(lambda: new_client().delete_version(subject, 1), 404, 40406)

    assert new_client().delete_version(subject, 1, permanent=True) == 1
    assert new_client().get_versions(subject, deleted=True) == [2]
    expect_error(lambda: new_client().get_version(subject, 1, deleted=True), 404, 40402)
    # Nothing else used that schema: its id is gone with it.
    expect_error(lambda: new_client().get_schema(id1), 404, 40403)
    expect_error(lambda: new_client().delete_version(subject, 9), 404, 40402)
    expect_error(lambda: new_client().delete_version(unique("none"), 1), 404, 40401)


def test_delete_subject_soft_then_permanent(client, new_client, subject):
    v1 = fresh(USER_V1)
    v2 = dict(USER_V2, name=v1["name"])
    id1 = client.register_schema(subject, avro(v1))
    client.register_schema(subject, avro(v2))

    expect_error(lambda: new_client().delete_subject(subject, permanent=True), 404, 40405)

    assert sorted(new_client().delete_subject(subject)) == [1, 2]
    expect_error(lambda: new_client().get_versions(subject), 404, 40401)
    expect_error(lambda: new_client().get_latest_version(subject), 404, 40401)
    assert subject not in new_client().get_subjects()
    assert subject in new_client().get_subjects(deleted=True)
    expect_error(lambda: new_client().delete_subject(subject), 404, 40404)

    assert sorted(new_client().delete_subject(subject, permanent=True)) == [1, 2]
    assert subject not in new_client().get_subjects(deleted=True)
    expect_error(lambda: new_client().get_versions(subject, deleted=True), 404, 40401)
    # Nothing else used the schema: its id is gone too.
    expect_error(lambda: new_client().get_schema(id1), 404, 40403)
    expect_error(lambda: new_client().delete_subject(unique("none")), 404, 40401)


# ----------------------------------------------------------------------------- compatibility

def test_compatibility_checks(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    client.set_compatibility(subject, "BACKWARD")

    assert new_client().test_compatibility(subject, avro(USER_V2)) is True
    assert new_client().test_compatibility(subject, avro(USER_INCOMPATIBLE)) is False
    assert new_client().test_compatibility(subject, avro(USER_INCOMPATIBLE), verbose=True) is False
    assert new_client().test_compatibility(subject, avro(USER_V2), version=1) is True
    assert new_client().test_compatibility(subject, avro(USER_V2), version=-1) is True
    assert new_client().test_compatibility_all_versions(subject, avro(USER_V2)) is True
    assert new_client().test_compatibility_all_versions(subject, avro(USER_INCOMPATIBLE), verbose=True) is False

    expect_error(lambda: new_client().test_compatibility(subject, avro(USER_V2), version=5), 404, 40402)
    expect_error(lambda: new_client().test_compatibility(subject, Schema("{", "AVRO")), 422, 42201)


def test_register_incompatible_is_409(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    client.set_compatibility(subject, "BACKWARD")
    expect_error(lambda: new_client().register_schema(subject, avro(USER_INCOMPATIBLE)), 409, (409, 40901))
    assert new_client().get_versions(subject) == [1]
    # With NONE the same schema registers.
    client.set_compatibility(subject, "NONE")
    new_client().register_schema(subject, avro(USER_INCOMPATIBLE))
    assert new_client().get_versions(subject) == [1, 2]


def test_json_compatibility(client, new_client, subject):
    client.register_schema(subject, json_schema(JSON_V1))
    client.set_compatibility(subject, "FULL")
    assert new_client().test_compatibility(subject, json_schema(JSON_INCOMPATIBLE)) is False
    expect_error(lambda: new_client().register_schema(subject, json_schema(JSON_INCOMPATIBLE)), 409, (409, 40901))


@pytest.mark.parametrize("schema", [
    Schema("not json at all", "AVRO"),
    Schema('{"type":"record","name":"NoFields"}', "AVRO"),
    Schema('{"type":"nosuchtype"}', "AVRO"),
    Schema('{"type": 5}', "JSON"),
    Schema("{", "JSON"),
], ids=["avro-not-json", "avro-record-without-fields", "avro-unknown-type", "json-bad-type", "json-truncated"])
def test_invalid_schema_is_42201(client, subject, schema):
    expect_error(lambda: client.register_schema(subject, schema), 422, 42201)


# ----------------------------------------------------------------------------- config

def test_global_compatibility(client, new_client):
    original = client.get_compatibility()
    assert original in {level.value for level in ConfigCompatibilityLevel}
    try:
        answer = client.set_compatibility(level="FULL_TRANSITIVE")
        assert answer["compatibility"] == "FULL_TRANSITIVE"
        assert new_client().get_compatibility() == "FULL_TRANSITIVE"
        assert level_of(new_client().get_config()) == "FULL_TRANSITIVE"
    finally:
        client.set_compatibility(level=original)
    assert new_client().get_compatibility() == original


def test_default_global_compatibility_is_backward(client):
    assert client.get_compatibility() == "BACKWARD"


def test_delete_global_config_restores_default(client, new_client):
    try:
        client.set_compatibility(level="NONE")
        deleted = new_client().delete_config()
        assert level_of(deleted) == "NONE"
        assert new_client().get_compatibility() == "BACKWARD"
    finally:
        client.set_compatibility(level="BACKWARD")


def test_subject_compatibility(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    # No level of its own yet: Confluent answers 40408 (without defaultToGlobal).
    expect_error(lambda: new_client().get_compatibility(subject), 404, 40408)

    answer = client.set_compatibility(subject, "forward")  # the client upper-cases it
    assert answer["compatibility"] == "FORWARD"
    assert new_client().get_compatibility(subject) == "FORWARD"
    assert new_client().get_compatibility() == "BACKWARD"  # global untouched

    deleted = new_client().delete_config(subject)
    assert level_of(deleted) == "FORWARD"
    expect_error(lambda: new_client().get_compatibility(subject), 404, 40408)


def test_subject_config_before_any_schema(client, new_client):
    subject = unique("cfg")  # config may be set for a subject that has no schema yet
    client.set_compatibility(subject, "NONE")
    assert new_client().get_compatibility(subject) == "NONE"


def test_invalid_compatibility_level(client, subject):
    expect_error(lambda: client.set_compatibility(subject, "SOMETIMES"), 422, 42203)
    expect_error(lambda: client.set_compatibility(level="SOMETIMES"), 422, 42203)


def test_set_config_and_get_config(client, new_client, subject):
    answer = client.set_config(subject, ServerConfig(compatibility=ConfigCompatibilityLevel.FULL_TRANSITIVE))
    assert answer["compatibility"] == "FULL_TRANSITIVE"
    assert level_of(new_client().get_config(subject)) == "FULL_TRANSITIVE"
    # Global config: read it, set it to what it is, read it back.
    global_level = level_of(new_client().get_config())
    assert global_level == "BACKWARD"
    again = client.set_config(config=ServerConfig(compatibility=ConfigCompatibilityLevel.BACKWARD))
    assert again["compatibility"] == "BACKWARD"


# ----------------------------------------------------------------------------- mode

def test_global_mode(client):
    assert client.get_global_mode() == "READWRITE"
    assert client.update_global_mode("READWRITE") == "READWRITE"
    expect_error(lambda: client.update_global_mode("SIDEWAYS"), 422, 42204)


def test_subject_mode(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    expect_error(lambda: new_client().get_mode(subject), 404, 40409)

    assert client.update_mode(subject, "READONLY") == "READONLY"
    assert new_client().get_mode(subject) == "READONLY"
    expect_error(lambda: new_client().register_schema(subject, avro(USER_V2)), 422, 42205)
    # Reads still work in READONLY.
    assert new_client().get_versions(subject) == [1]

    assert new_client().delete_mode(subject) == "READONLY"
    expect_error(lambda: new_client().get_mode(subject), 404, 40409)
    new_client().register_schema(subject, avro(USER_V2))
    assert new_client().get_versions(subject) == [1, 2]


def test_import_mode_needs_force_on_a_subject_with_schemas(client, new_client, subject):
    client.register_schema(subject, avro(USER_V1))
    expect_error(lambda: client.update_mode(subject, "IMPORT"), 422, 42205)
    assert client.update_mode(subject, "IMPORT", force=True) == "IMPORT"
    assert new_client().get_mode(subject) == "IMPORT"
    assert new_client().delete_mode(subject) == "IMPORT"


def test_invalid_subject_mode(client, subject):
    expect_error(lambda: client.update_mode(subject, "SIDEWAYS"), 422, 42204)
