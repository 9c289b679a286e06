/* Internal: the method table, one row per rpc of proto/srp.proto. protoc-c does not emit
 * the (srp.method_id) option, so srp-codegen renders the ids (proto/generate.sh); the
 * reader test checks this table against proto/srp.proto as well. */
#ifndef SR_METHODS_H
#define SR_METHODS_H

#include "srclient.h"

/* SR_METHOD_LIST, the rows of the table, is in sr_methods_generated.h (included by srclient.h). */

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
