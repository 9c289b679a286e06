/* Internal: the method table, one row per rpc of proto/srp.proto. protoc-c does not emit
 * the (srp.method_id) option, so the ids are written here once; tests/test_methods.c checks
 * this table against proto/srp.proto so the two cannot drift. */
#ifndef SR_METHODS_H
#define SR_METHODS_H

#include "srclient.h"

/* X(snake_name, RpcName, id, request descriptor, response descriptor) */
#define SR_METHOD_LIST(X)                                                                                      \
    X(hello, Hello, 1, srp__hello_request__descriptor, srp__hello_response__descriptor)                         \
    X(ping, Ping, 2, srp__ping_request__descriptor, srp__ping_response__descriptor)                             \
    X(server_info, ServerInfo, 3, srp__server_info_request__descriptor, srp__server_info_response__descriptor)  \
    X(get_schema_by_id, GetSchemaById, 10, srp__get_schema_by_id_request__descriptor,                          \
      srp__get_schema_by_id_response__descriptor)                                                              \
    X(get_schemas_by_ids, GetSchemasByIds, 11, srp__get_schemas_by_ids_request__descriptor,                    \
      srp__get_schemas_by_ids_response__descriptor)                                                            \
    X(get_subject_versions_by_id, GetSubjectVersionsById, 12, srp__get_subject_versions_by_id_request__descriptor, \
      srp__get_subject_versions_by_id_response__descriptor)                                                    \
    X(get_schema_by_version, GetSchemaByVersion, 13, srp__get_schema_by_version_request__descriptor,           \
      srp__get_schema_by_version_response__descriptor)                                                         \
    X(lookup_schema, LookupSchema, 14, srp__lookup_schema_request__descriptor,                                 \
      srp__lookup_schema_response__descriptor)                                                                 \
    X(list_subjects, ListSubjects, 15, srp__list_subjects_request__descriptor,                                 \
      srp__list_subjects_response__descriptor)                                                                 \
    X(list_versions, ListVersions, 16, srp__list_versions_request__descriptor,                                 \
      srp__list_versions_response__descriptor)                                                                 \
    X(search_schemas, SearchSchemas, 17, srp__search_schemas_request__descriptor,                              \
      srp__search_schemas_response__descriptor)                                                                \
    X(register_schema, RegisterSchema, 20, srp__register_schema_request__descriptor,                           \
      srp__register_schema_response__descriptor)                                                               \
    X(delete_subject, DeleteSubject, 21, srp__delete_subject_request__descriptor,                              \
      srp__delete_subject_response__descriptor)                                                                \
    X(delete_version, DeleteVersion, 22, srp__delete_version_request__descriptor,                              \
      srp__delete_version_response__descriptor)                                                                \
    X(check_compatibility, CheckCompatibility, 30, srp__check_compatibility_request__descriptor,                \
      srp__check_compatibility_response__descriptor)                                                           \
    X(validate_payload, ValidatePayload, 31, srp__validate_payload_request__descriptor,                         \
      srp__validate_payload_response__descriptor)                                                              \
    X(get_config, GetConfig, 40, srp__get_config_request__descriptor, srp__get_config_response__descriptor)     \
    X(set_config, SetConfig, 41, srp__set_config_request__descriptor, srp__set_config_response__descriptor)     \
    X(delete_config, DeleteConfig, 42, srp__delete_config_request__descriptor,                                 \
      srp__delete_config_response__descriptor)                                                                 \
    X(get_mode, GetMode, 43, srp__get_mode_request__descriptor, srp__get_mode_response__descriptor)             \
    X(set_mode, SetMode, 44, srp__set_mode_request__descriptor, srp__set_mode_response__descriptor)             \
    X(create_api_key, CreateApiKey, 50, srp__create_api_key_request__descriptor,                               \
      srp__create_api_key_response__descriptor)                                                                \
    X(list_api_keys, ListApiKeys, 51, srp__list_api_keys_request__descriptor,                                  \
      srp__list_api_keys_response__descriptor)                                                                 \
    X(revoke_api_key, RevokeApiKey, 52, srp__revoke_api_key_request__descriptor,                               \
      srp__revoke_api_key_response__descriptor)

typedef struct sr_method_info {
    int id;
    const char *name;
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
} sr_method_info;

/* NULL for an unknown id. */
const sr_method_info *sr_method_lookup(int id);
/* Every method, for tests: count in *count. */
const sr_method_info *sr_method_all(size_t *count);

#endif
