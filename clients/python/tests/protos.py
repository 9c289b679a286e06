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


def _build_with_imports():
    """srclient_test/common.proto (message Money) and srclient_test/payment.proto, which imports
    it and google/protobuf/timestamp.proto: message Payment { Money total = 1;
    google.protobuf.Timestamp at = 2; }."""
    from google.protobuf import timestamp_pb2  # noqa: F401  (puts timestamp.proto in the default pool)
    pool = descriptor_pool.Default()
    common = descriptor_pb2.FileDescriptorProto(name="srclient_test/common.proto", package="srclient.test",
                                                syntax="proto3")
    money = common.message_type.add(name="Money")
    _field(money, "currency", 1, _F.TYPE_STRING)
    _field(money, "units", 2, _F.TYPE_INT64)
    payment_file = descriptor_pb2.FileDescriptorProto(
        name="srclient_test/payment.proto", package="srclient.test", syntax="proto3",
        dependency=["srclient_test/common.proto", "google/protobuf/timestamp.proto"])
    payment = payment_file.message_type.add(name="Payment")
    _field(payment, "total", 1, _F.TYPE_MESSAGE, type_name=".srclient.test.Money")
    _field(payment, "at", 2, _F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp")
    for file in (common, payment_file):
        try:
            pool.Add(file)
        except TypeError:
            pass
    get = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))  # noqa: E731
    return get("srclient.test.Payment"), get("srclient.test.Money")


Payment, Money = _build_with_imports()
