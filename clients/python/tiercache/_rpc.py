"""gRPC stubs built from the service descriptors of the generated modules.

Instead of generated *_pb2_grpc.py files (which need the grpc protoc plugin),
each method of a service becomes the matching generic multicallable of the
channel: unary_unary, unary_stream or stream_unary, with the request and
response classes of the same generated module. Adding a method to proto/ and
regenerating is all it takes.
"""

from ._proto import admin_pb2, cache_pb2, checkpoint_pb2

_KINDS = {
    (False, False): "unary_unary",
    (False, True): "unary_stream",
    (True, False): "stream_unary",
    (True, True): "stream_stream",
}


class Stub:
    """Attribute per method, e.g. stub.Read(request, timeout=...)."""

    def __init__(self, channel, module, service):
        desc = module.DESCRIPTOR.services_by_name[service]
        for m in desc.methods:
            request = getattr(module, m.input_type.name)
            response = getattr(module, m.output_type.name)
            make = getattr(channel, _KINDS[(m.client_streaming, m.server_streaming)])
            callable_ = make(
                "/%s/%s" % (desc.full_name, m.name),
                request_serializer=request.SerializeToString,
                response_deserializer=response.FromString,
            )
            setattr(self, m.name, callable_)


def cache_stub(channel):
    return Stub(channel, cache_pb2, "Cache")


def checkpoints_stub(channel):
    return Stub(channel, checkpoint_pb2, "Checkpoints")


def admin_stub(channel):
    return Stub(channel, admin_pb2, "Admin")
