"""A Protobuf file for the tests, built from a FileDescriptorProto (no protoc needed):

    syntax = "proto3"; package srclient.test;
    message Order { string id = 1; int64 amount = 2; message Line { string sku = 1; int32 qty = 2; }
                    repeated Line lines = 3; }
    message Refund { string order_id = 1; int64 amount = 2; }
"""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _field(message, name, number, kind, label=_F.LABEL_OPTIONAL, type_name=None):
    field = message.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        field.type_name = type_name


def _build():
    file = descriptor_pb2.FileDescriptorProto(name="srclient_test/orders.proto", package="srclient.test",
                                              syntax="proto3")
    order = file.message_type.add(name="Order")
    _field(order, "id", 1, _F.TYPE_STRING)
    _field(order, "amount", 2, _F.TYPE_INT64)
    line = order.nested_type.add(name="Line")
    _field(line, "sku", 1, _F.TYPE_STRING)
    _field(line, "qty", 2, _F.TYPE_INT32)
    _field(order, "lines", 3, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".srclient.test.Order.Line")
    refund = file.message_type.add(name="Refund")
    _field(refund, "order_id", 1, _F.TYPE_STRING)
    _field(refund, "amount", 2, _F.TYPE_INT64)
    pool = descriptor_pool.Default()
    try:
        pool.Add(file)
    except TypeError:
        pass  # already added (module imported twice)
    get = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))  # noqa: E731
    return get("srclient.test.Order"), get("srclient.test.Order.Line"), get("srclient.test.Refund")


Order, Line, Refund = _build()
