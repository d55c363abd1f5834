"""Tenant self-service: broker access for tenants (access), their edit requests and the review queue
(requests, review), the `serve` side that receives them (handler) and the tenant's own MQTT session
(remote). The wire format is in broker/tenant_wire.py."""
